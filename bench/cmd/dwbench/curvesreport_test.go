package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeCurves writes points as curves.jsonl in a new directory.
func writeCurves(t *testing.T, pts []CurvePoint) string {
	t.Helper()
	dir := t.TempDir()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, p := range pts {
		if err := enc.Encode(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "curves.jsonl"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// syntheticCurves has list on both backends, dockwire meeting the time
// target and missing the allocation one, and events on the fake engine,
// dockwire's allocations growing as size^1.2 and its rate meeting its target.
// Every other curve is absent.
func syntheticCurves() []CurvePoint {
	var pts []CurvePoint
	for _, n := range []int64{1, 10, 100, 1000} {
		for _, b := range []string{"fake", "d28"} {
			daemon := 0.0
			if b == "d28" {
				daemon = 20000
			}
			pts = append(pts,
				CurvePoint{Curve: "list", Backend: b, Client: "dockwire", Size: n, Unit: "container", Reps: 5,
					NsPerUnit: 1000 + daemon, AllocsPerUnit: 12, BytesPerUnit: 900, RunNs: []int64{1000 * n}},
				CurvePoint{Curve: "list", Backend: b, Client: "moby", Size: n, Unit: "container", Reps: 5,
					NsPerUnit: 4000 + daemon, AllocsPerUnit: 30, BytesPerUnit: 3000, RunNs: []int64{4000 * n}})
		}
	}
	for _, n := range []int64{1e3, 1e4, 1e5, 1e6} {
		pts = append(pts,
			CurvePoint{Curve: "events", Backend: "fake", Client: "dockwire", Size: n, Unit: "event", Reps: 3,
				PerSecond: 2e6, AllocsPerUnit: 2 * math.Pow(float64(n), 0.2), PeakRSSAboveMiB: 0.4},
			CurvePoint{Curve: "events", Backend: "fake", Client: "moby", Size: n, Unit: "event", Reps: 3,
				PerSecond: 5e5, AllocsPerUnit: 20, PeakRSSAboveMiB: 3})
	}
	return pts
}

func TestCurvesSection(t *testing.T) {
	dir := writeCurves(t, syntheticCurves())
	// A plot of an earlier run whose curve this run lacks.
	if err := os.MkdirAll(filepath.Join(dir, "curves"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "curves", "pull-rate.svg"), []byte("<svg/>"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	r := &reporter{dir: dir, w: &out, facts: map[string]string{}, plots: filepath.Join(dir, "curves")}
	if err := r.curves(); err != nil {
		t.Fatal(err)
	}
	md := out.String()
	for _, want := range []string{
		"## 8. Scale curves",
		"### 8.1 list",
		"| containers listed | backend | time per container dockwire | moby | dockwire/moby |",
		"| 1000 | fake | 1.0 µs | 4.0 µs | 0.25× |",
		"![list: time per container](curves/list-time.svg)",
		"![list: allocs per container](curves/list-allocs.svg)",
		"![events: events/s](curves/events-rate.svg)",
		"| fake | dockwire | 1.00 | 1.00 |",
		"| fake | dockwire | 1.00 | **1.20** |",
		"### 8.3 logs-framed\n\nNot measured: no points of this curve in curves.jsonl.",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("section lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "B per event") || strings.Contains(md, "CPU per") {
		t.Errorf("section shows a figure that no point measured:\n%s", md)
	}

	for _, name := range []string{"list-time", "list-allocs", "events-rate"} {
		svg, err := os.ReadFile(filepath.Join(dir, "curves", name+".svg"))
		if err != nil {
			t.Fatal(err)
		}
		dec := xml.NewDecoder(bytes.NewReader(svg))
		for {
			if _, err := dec.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s.svg: %v", name, err)
			}
		}
		for _, series := range []string{"dockwire fake", "moby fake"} {
			if !bytes.Contains(svg, []byte(">"+series+"<")) {
				t.Errorf("%s.svg has no series %q", name, series)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "curves", "logs-framed-rate.svg")); !os.IsNotExist(err) {
		t.Errorf("a plot was written for a curve with no points: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "curves", "pull-rate.svg")); !os.IsNotExist(err) {
		t.Errorf("the stale plot of an earlier run survived: %v", err)
	}

	byID := map[string]target{}
	for _, tg := range r.targets {
		byID[tg.ID] = tg
	}
	for _, c := range []struct {
		id         string
		known, met bool
		measured   string
	}{
		{"curve-list-time", true, true, "0.25× at 1000 (dockwire 1.0 µs, moby 4.0 µs); d28: 0.88× at 1000"},
		{"curve-list-allocs", true, false, "0.40× at 1000"},
		{"curve-events-rate", true, true, "4.00× at 1000000"},
		{"curve-events-rss", true, true, "0.00 MiB more at 1000000 than at 1000"},
		{"curve-logs-framed-rate", false, false, "no data"},
		{"curve-logs-tty-allocs", false, false, "no data"},
		{"curve-stats-cpu", false, false, "no data"},
		{"curve-exec-p99", false, false, "no data"},
		{"curve-logs-tty-rate", false, false, "no data"},
		{"curve-growth", true, false, "above 1.05: events fake allocations 1.20"},
	} {
		tg, ok := byID[c.id]
		if !ok {
			t.Errorf("no target %s", c.id)
			continue
		}
		if tg.Known != c.known || tg.Met != c.met || !strings.Contains(tg.Measured, c.measured) {
			t.Errorf("target %s: known %v, met %v, measured %q; want %v, %v, containing %q", c.id, tg.Known, tg.Met, tg.Measured, c.known, c.met, c.measured)
		}
	}
}

func TestCurvesSectionWithoutData(t *testing.T) {
	for name, pts := range map[string][]CurvePoint{"absent": nil, "empty": {}} {
		dir := t.TempDir()
		if pts != nil {
			dir = writeCurves(t, pts)
		}
		var out bytes.Buffer
		r := &reporter{dir: dir, w: &out, facts: map[string]string{}, plots: filepath.Join(dir, "curves")}
		if err := r.curves(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.Contains(out.String(), "Not measured: ") {
			t.Errorf("%s: section does not say it was not measured:\n%s", name, out.String())
		}
		if len(r.targets) == 0 {
			t.Errorf("%s: no targets reported as not measured", name)
		}
		for _, tg := range r.targets {
			if tg.Known {
				t.Errorf("%s: target %s judged without data", name, tg.ID)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "curves")); !os.IsNotExist(err) {
			t.Errorf("%s: plots directory made without data", name)
		}
	}
}

// TestCurvesSectionWithoutPlots checks that an empty -plots links no images.
func TestCurvesSectionWithoutPlots(t *testing.T) {
	dir := writeCurves(t, syntheticCurves())
	var out bytes.Buffer
	r := &reporter{dir: dir, w: &out, facts: map[string]string{}}
	if err := r.curves(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "![") {
		t.Errorf("images linked without -plots:\n%s", out.String())
	}
}

// TestCurvesSectionDamagedFile checks that a file cut off mid-line, as by a
// killed run, is reported with the points before the damage.
func TestCurvesSectionDamagedFile(t *testing.T) {
	dir := writeCurves(t, syntheticCurves())
	f, err := os.OpenFile(filepath.Join(dir, "curves.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"Curve":"stats","Backend":"fake","Cli`)
	f.Close()
	var out bytes.Buffer
	r := &reporter{dir: dir, w: &out, facts: map[string]string{}}
	if err := r.curves(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"curves.jsonl is damaged after 24 points", "| 1000 | fake | 1.0 µs | 4.0 µs | 0.25× |"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("section lacks %q:\n%s", want, out.String())
		}
	}
}

// TestCurvesSectionEveryCurve feeds every curve at the sizes of the issue
// and checks that each target is judged and each plot written.
func TestCurvesSectionEveryCurve(t *testing.T) {
	pts := syntheticCurves()
	add := func(curve, unit string, backends []string, sizes []int64, fill func(p *CurvePoint)) {
		for _, b := range backends {
			for _, c := range []string{"dockwire", "moby"} {
				for _, n := range sizes {
					p := CurvePoint{Curve: curve, Backend: b, Client: c, Size: n, Unit: unit, Reps: 3}
					fill(&p)
					pts = append(pts, p)
				}
			}
		}
	}
	both := []string{"fake", "d28"}
	for _, curve := range []string{"logs-framed", "logs-tty"} {
		add(curve, "line", both, []int64{1 << 20, 16 << 20, 256 << 20, 1 << 30}, func(p *CurvePoint) {
			p.PerSecond, p.NsPerUnit, p.AllocsPerUnit, p.PeakRSSAboveMiB = 5e6, 200, 20/float64(p.Size/100), 0.3
			if p.Client == "moby" {
				p.PerSecond, p.NsPerUnit, p.AllocsPerUnit, p.PeakRSSAboveMiB = 2e6, 500, 3, 0.5
			}
		})
	}
	add("stats", "sample", both, []int64{1, 10, 50}, func(p *CurvePoint) {
		p.CPUNsPerUnit, p.AllocsPerUnit = 30000, 40
		if p.Client == "moby" {
			p.CPUNsPerUnit, p.AllocsPerUnit = 80000, 200
		}
	})
	add("exec", "exec", both, []int64{1, 8, 32}, func(p *CurvePoint) {
		p.P50Ms, p.P99Ms, p.NsPerUnit = 20*float64(p.Size)/8+5, 30*float64(p.Size)/8+10, 2e7
		if p.Client == "moby" {
			p.P99Ms *= 1.05
		}
	})
	add("pull", "message", []string{"d28"}, []int64{25, 50, 100, 200}, func(p *CurvePoint) {
		p.PerSecond, p.PeakRSSAboveMiB, p.NsPerUnit = 900, 1.5, 1e6
	})
	dir := writeCurves(t, pts)
	var out bytes.Buffer
	r := &reporter{dir: dir, w: &out, facts: map[string]string{"ENGINE_d28": "Docker 28.5.2+dfsg4 (API 1.51)"}, plots: filepath.Join(dir, "curves")}
	if err := r.curves(); err != nil {
		t.Fatal(err)
	}
	md := out.String()
	if strings.Contains(md, "Not measured") || strings.Contains(md, "NaN") || strings.Contains(md, "Inf") {
		t.Errorf("section:\n%s", md)
	}
	for _, spec := range curveSpecs {
		for _, pl := range spec.plots {
			if _, err := os.Stat(filepath.Join(dir, "curves", spec.name+"-"+pl.metric+".svg")); err != nil {
				t.Error(err)
			}
		}
	}
	met := map[string]bool{}
	for _, tg := range r.targets {
		if !tg.Known {
			t.Errorf("target %s not judged: %s", tg.ID, tg.Measured)
		}
		met[tg.ID] = tg.Met
	}
	for id, want := range map[string]bool{
		"curve-logs-framed-rate": true, "curve-logs-tty-allocs": true, "curve-stats-cpu": true,
		"curve-exec-p99": true, "curve-growth": false,
	} {
		if met[id] != want {
			t.Errorf("target %s met %v, want %v", id, met[id], want)
		}
	}
}

// TestCurvesTargetWithoutItsFigure checks that a curve present without the
// judged backend, or without the judged figure, leaves its target not
// measured rather than judged on zeros.
func TestCurvesTargetWithoutItsFigure(t *testing.T) {
	var pts []CurvePoint
	for _, n := range []int64{1, 8, 32} {
		for _, c := range []string{"dockwire", "moby"} {
			pts = append(pts,
				CurvePoint{Curve: "exec", Backend: "fake", Client: c, Size: n, Unit: "exec", Reps: 3, P50Ms: 1, P99Ms: 2},
				CurvePoint{Curve: "events", Backend: "fake", Client: c, Size: n * 1000, Unit: "event", Reps: 3, PerSecond: 1e6})
		}
	}
	var out bytes.Buffer
	r := &reporter{dir: writeCurves(t, pts), w: &out, facts: map[string]string{}}
	if err := r.curves(); err != nil {
		t.Fatal(err)
	}
	byID := map[string]target{}
	for _, tg := range r.targets {
		byID[tg.ID] = tg
	}
	for id, want := range map[string]string{
		"curve-exec-p99":   "no p99 points of dockwire and moby on d28",
		"curve-events-rss": "no peak RSS growth in this curve's points",
	} {
		if tg := byID[id]; tg.Known || tg.Measured != want {
			t.Errorf("target %s: known %v, measured %q; want not measured, %q", id, tg.Known, tg.Measured, want)
		}
	}
	if tg := byID["curve-events-rate"]; !tg.Known || tg.Met {
		t.Errorf("curve-events-rate: %+v, want judged and missed at 1.00×", tg)
	}
}

// The report's header names the invocation each section's numbers come
// from, oldest first, and says nothing of sections without sections.env.
func TestSectionRunsGroupsByInvocation(t *testing.T) {
	got := sectionRuns(map[string]string{
		"SECTION_1": "A", "SECTION_3": "A", "SECTION_4": "A", "SECTION_5": "A",
		"SECTION_2": "B", "SECTION_8": "C", "DATE": "not a section",
	})
	want := []string{"sections 1, 3, 4, 5 on A", "section 2 on B", "section 8 on C"}
	if !slices.Equal(got, want) {
		t.Errorf("sectionRuns = %q, want %q", got, want)
	}
	if got := sectionRuns(nil); len(got) != 0 {
		t.Errorf("no sections.env: %q, want none", got)
	}
}
