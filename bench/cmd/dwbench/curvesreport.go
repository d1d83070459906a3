package main

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/dockwire/dockwire/bench/internal/svgplot"
)

// CurvePoint is one line of curves.jsonl: one curve, backend and client at
// one size. Every figure is the median over Reps repetitions; a figure the
// curve does not measure is 0, and the report leaves it out.
type CurvePoint struct {
	Curve   string // list, events, logs-framed, logs-tty, stats, exec, pull
	Backend string // fake (an engine in another process: the client's own cost) or d28 (Docker 28.5)
	Client  string // dockwire or moby
	Size    int64  // containers, events, log bytes, containers streamed, concurrent execs, image MiB
	Unit    string // what the per-unit figures count: container, event, line, sample, exec, message
	Reps    int

	NsPerUnit       float64 // client wall time per unit
	AllocsPerUnit   float64 // heap allocations per unit
	BytesPerUnit    float64 // heap bytes allocated per unit
	PerSecond       float64 // units per second
	PeakRSSAboveMiB float64 // peak RSS above the baseline taken before the run
	CPUNsPerUnit    float64 // the client process's CPU time (user+system) per unit
	P50Ms, P99Ms    float64 // latency percentiles of one unit
	RunNs           []int64 // each repetition's total wall time
}

// curveGrowthLimit is the largest log-log slope of total cost against size
// that counts as linear: 5% of slack for noise over three decades.
const curveGrowthLimit = 1.05

// curveMetric is one figure of CurvePoint, as a table column or a plot.
type curveMetric struct {
	key    string // names the SVG file: list-time.svg
	header string // %s is the curve's unit
	get    func(CurvePoint) float64
	format func(float64) string
}

var curveMetrics = []curveMetric{
	{"rate", "%ss/s", func(p CurvePoint) float64 { return p.PerSecond }, siNum},
	{"time", "time per %s", func(p CurvePoint) float64 { return p.NsPerUnit }, dur},
	{"cpu", "CPU per %s", func(p CurvePoint) float64 { return p.CPUNsPerUnit }, dur},
	{"p50", "p50", func(p CurvePoint) float64 { return p.P50Ms }, func(v float64) string { return fmt.Sprintf("%.2f ms", v) }},
	{"p99", "p99", func(p CurvePoint) float64 { return p.P99Ms }, func(v float64) string { return fmt.Sprintf("%.2f ms", v) }},
	{"allocs", "allocs per %s", func(p CurvePoint) float64 { return p.AllocsPerUnit }, smallNum},
	{"bytes", "B per %s", func(p CurvePoint) float64 { return p.BytesPerUnit }, smallNum},
	{"rss", "peak RSS growth", func(p CurvePoint) float64 { return p.PeakRSSAboveMiB }, func(v float64) string { return fmt.Sprintf("%.2f MiB", v) }},
}

// name is the metric's name on a curve of unit: "allocs per line".
func (m curveMetric) name(unit string) string { return strings.ReplaceAll(m.header, "%s", unit) }

func curveMetricByKey(key string) curveMetric {
	for _, m := range curveMetrics {
		if m.key == key {
			return m
		}
	}
	panic("no curve metric " + key)
}

// curvePlot is one SVG of a curve.
type curvePlot struct{ metric, yLabel string }

// curveTarget is one of the targets on a curve, judged at the
// largest size that the judged backend measured.
type curveTarget struct {
	id, what string
	backend  string // the judged backend; the other one is reported beside it
	metric   string
	vsMoby   bool    // the limit bounds dockwire/moby, otherwise dockwire's own figure
	atLeast  bool    // met at or above the limit, otherwise at or below
	growth   bool    // the limit bounds dockwire's figure at the largest size minus at the smallest
	limit    float64 // inclusive
}

type curveSpec struct {
	name, unit, about string
	xLabel            string
	x                 func(size int64) float64 // the plot's x for a Size; nil: Size itself
	sizeText          func(size int64) string  // nil: the number
	plots             []curvePlot
	// time is the total time-like cost whose growth against Size is fitted;
	// timeName says what it is.
	time     func(CurvePoint) float64
	timeName string
	targets  []curveTarget
}

func byteSize(s int64) string {
	if s >= 1<<30 && s%(1<<30) == 0 {
		return fmt.Sprintf("%d GiB", s>>30)
	}
	return fmt.Sprintf("%g MiB", float64(s)/(1<<20))
}

func perUnitTotal(get func(CurvePoint) float64) func(CurvePoint) float64 {
	return func(p CurvePoint) float64 { return get(p) * float64(p.Size) }
}

// medianRun is the median wall time of a point's repetitions.
func medianRun(p CurvePoint) float64 {
	v := make([]float64, len(p.RunNs))
	for i, ns := range p.RunNs {
		v[i] = float64(ns)
	}
	return median(v)
}

// timeFromRate is the run's length up to a constant factor: Size over the
// rate of units, for curves whose units grow in proportion to Size.
func timeFromRate(p CurvePoint) float64 { return float64(p.Size) / p.PerSecond }

func logsSpec(name, about string) curveSpec {
	return curveSpec{
		name: name, unit: "line", about: about,
		xLabel: "log size (MiB of 100-byte lines)", x: func(s int64) float64 { return float64(s) / (1 << 20) }, sizeText: byteSize,
		plots: []curvePlot{{"rate", "lines per second"}},
		time:  timeFromRate, timeName: "size ÷ lines/s",
		targets: []curveTarget{
			{id: "curve-" + name + "-rate", what: name + ": lines/s ≥ 1.5× moby at the largest size (fake engine)", backend: "fake", metric: "rate", vsMoby: true, atLeast: true, limit: 1.5},
			{id: "curve-" + name + "-allocs", what: name + ": 0 allocations per line on dockwire's iterator, read as ≤ 0.01 per line (a few per call spread over the lines) at the largest size (fake engine)", backend: "fake", metric: "allocs", limit: 0.01},
		},
	}
}

var curveSpecs = []curveSpec{
	{
		name: "list", unit: "container",
		about:  "`ContainerList` of N containers; time is the client's wall time per container listed.",
		xLabel: "containers listed",
		plots:  []curvePlot{{"time", "wall time per container (ns)"}, {"allocs", "allocations per container"}},
		time:   perUnitTotal(func(p CurvePoint) float64 { return p.NsPerUnit }), timeName: "wall time",
		targets: []curveTarget{
			{id: "curve-list-time", what: "list: time per container ≤ 0.5× moby at the largest size (fake engine)", backend: "fake", metric: "time", vsMoby: true, limit: 0.5},
			{id: "curve-list-allocs", what: "list: allocations per container ≤ 0.3× moby at the largest size (fake engine)", backend: "fake", metric: "allocs", vsMoby: true, limit: 0.3},
		},
	},
	{
		name: "events", unit: "event",
		about:  "Streaming N events from the fake engine to their end.",
		xLabel: "events streamed",
		plots:  []curvePlot{{"rate", "events per second"}},
		time:   timeFromRate, timeName: "size ÷ events/s",
		targets: []curveTarget{
			{id: "curve-events-rate", what: "events: events/s ≥ 3× moby at the largest size (fake engine)", backend: "fake", metric: "rate", vsMoby: true, atLeast: true, limit: 3},
			{id: "curve-events-rss", what: "events: ≤ 1 MiB RSS growth at 10^6 events: the peak RSS (above the process's baseline) at the largest size minus at the smallest (fake engine)", backend: "fake", metric: "rss", growth: true, limit: 1},
		},
	},
	logsSpec("logs-framed", "Reading a multiplexed log of N bytes of 100-byte lines to its end, line by line: dockwire's line iterator against moby's `ContainerLogs` + `stdcopy.StdCopy` + `bufio.Scanner`."),
	logsSpec("logs-tty", "The same log from a TTY container (no frames): dockwire's line iterator against moby's `ContainerLogs` + `bufio.Scanner`."),
	{
		name: "stats", unit: "sample",
		about:  "Streaming the stats of N containers at once; CPU is the client process's CPU time per stats sample.",
		xLabel: "containers streamed at once",
		plots:  []curvePlot{{"cpu", "client CPU time per sample (ns)"}},
		time:   perUnitTotal(func(p CurvePoint) float64 { return p.CPUNsPerUnit }), timeName: "CPU time",
		targets: []curveTarget{
			{id: "curve-stats-cpu", what: "stats: CPU per sample ≤ 0.5× moby at the largest size (fake engine)", backend: "fake", metric: "cpu", vsMoby: true, limit: 0.5},
		},
	},
	{
		name: "exec", unit: "exec",
		about:  "N concurrent `ExecCapture` round trips; p50 and p99 are the latency of one round trip. The daemon dominates on Docker; the point is that the client queues nothing.",
		xLabel: "concurrent ExecCapture calls",
		plots:  []curvePlot{{"p99", "p99 latency of one exec (ms)"}, {"p50", "p50 latency of one exec (ms)"}},
		time:   func(p CurvePoint) float64 { return p.P99Ms }, timeName: "p99",
		targets: []curveTarget{
			{id: "curve-exec-p99", what: "exec: p99 at the largest concurrency ≤ 1.1× moby (Docker 28.5)", backend: "d28", metric: "p99", vsMoby: true, limit: 1.1},
		},
	},
	{
		name: "pull", unit: "message",
		about: "Pulling an image of N MiB from the local registry into Docker 28.5, reading its progress messages. No target: reported for the record. " +
			"Its growth slope is that of a pull's wall time (the median of the repetitions): the daemon sends its progress by time, not by byte, so the messages do not grow with the image.",
		xLabel: "image size (MiB)", sizeText: func(s int64) string { return fmt.Sprintf("%d MiB", s) },
		plots: []curvePlot{{"rate", "progress messages per second"}},
		time:  medianRun, timeName: "wall time of a pull",
	},
}

func (spec curveSpec) plotX(size int64) float64 {
	if spec.x == nil {
		return float64(size)
	}
	return spec.x(size)
}

func (spec curveSpec) sizeName(size int64) string {
	if spec.sizeText == nil {
		return strconv.FormatInt(size, 10)
	}
	return spec.sizeText(size)
}

var (
	curveBackends = []string{"fake", "d28"}
	curveClients  = []string{"dockwire", "moby"}
)

// curveSeries holds one curve's points by backend, then client, then size.
type curveSeries map[string]map[string]map[int64]CurvePoint

func (cs curveSeries) point(backend, client string, size int64) (CurvePoint, bool) {
	p, ok := cs[backend][client][size]
	return p, ok
}

// sizes returns the sizes measured on a backend, ascending.
func (cs curveSeries) sizes(backend string) []int64 {
	var out []int64
	for _, byClient := range cs[backend] {
		for s := range byClient {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	slices.Sort(out)
	return out
}

// sorted returns one client's points on one backend by ascending size.
func (cs curveSeries) sorted(backend, client string) []CurvePoint {
	var out []CurvePoint
	for _, s := range cs.sizes(backend) {
		if p, ok := cs.point(backend, client, s); ok {
			out = append(out, p)
		}
	}
	return out
}

// engineVersion names a live backend by the version run.sh found, as the
// other sections do.
func (r *reporter) engineVersion(b, fallback string) string {
	if v := r.facts["ENGINE_"+b]; v != "" {
		return v
	}
	return fallback
}

// curves is section 8: each curve's growth with size, against moby.
func (r *reporter) curves() error {
	r.p("## 8. Scale curves\n")
	if err := r.removeCurvePlots(); err != nil {
		return err
	}
	pts, err := readJSONLines[CurvePoint](filepath.Join(r.dir, "curves.jsonl"))
	if len(pts) == 0 {
		if err == nil {
			err = errors.New("curves.jsonl has no points")
		}
		r.p("Not measured: %v\n", err)
		for _, spec := range curveSpecs {
			for _, t := range spec.targets {
				r.missing(t.id, t.what, "no data")
			}
		}
		r.missing("curve-growth", curveGrowthWhat, "no data")
		return nil
	}
	r.p("Each curve runs one operation at growing sizes with each client, against *fake*, an engine in another process that answers at once (the client's own cost), " +
		"and *d28*, " + r.engineVersion("d28", "Docker 28.5") + " (what a user sees). Figures are medians of the repetitions of each point; dockwire/moby below 1 is better for times and allocations, above 1 for rates. " +
		fmt.Sprintf("A curve grows linearly or better when the least-squares slope of log(total cost) against log(size) is ≤ %.2f: total time is the per-unit time × size, size ÷ rate, or for exec the p99 itself; total allocations are allocations per unit × size.\n", curveGrowthLimit))
	if err != nil {
		r.p("curves.jsonl is damaged after %d points (%v); the section uses the points before the damage.\n", len(pts), err)
	}
	byCurve := map[string]curveSeries{}
	var ignored []string
	for _, p := range pts {
		known := slices.ContainsFunc(curveSpecs, func(s curveSpec) bool { return s.name == p.Curve })
		if !known || !slices.Contains(curveBackends, p.Backend) || !slices.Contains(curveClients, p.Client) {
			if k := p.Curve + "/" + p.Backend + "/" + p.Client; !slices.Contains(ignored, k) {
				ignored = append(ignored, k)
			}
			continue
		}
		cs := byCurve[p.Curve]
		if cs == nil {
			cs = curveSeries{}
			byCurve[p.Curve] = cs
		}
		if cs[p.Backend] == nil {
			cs[p.Backend] = map[string]map[int64]CurvePoint{}
		}
		if cs[p.Backend][p.Client] == nil {
			cs[p.Backend][p.Client] = map[int64]CurvePoint{}
		}
		// A later line for the same point replaces an earlier one: a rerun.
		cs[p.Backend][p.Client][p.Size] = p
	}
	if len(ignored) > 0 {
		slices.Sort(ignored)
		r.p("Ignored, as this report does not know them (curve/backend/client): %s.\n", strings.Join(ignored, ", "))
	}
	var fits []curveFit
	for i, spec := range curveSpecs {
		r.p("### 8.%d %s\n", i+1, spec.name)
		cs := byCurve[spec.name]
		if cs == nil {
			r.p("Not measured: no points of this curve in curves.jsonl.\n")
			for _, t := range spec.targets {
				r.missing(t.id, t.what, "no data")
			}
			continue
		}
		f, err := r.curve(spec, cs)
		if err != nil {
			return err
		}
		fits = append(fits, f...)
	}
	r.growthTarget(fits)
	return nil
}

const curveGrowthWhat = "scale curves: every dockwire curve grows linearly or better (log-log slope of total cost against size ≤ 1.05), judged on the fake engine (the client's own cost)"

// curveFit is one fitted slope of total cost against size.
type curveFit struct {
	curve, backend, client, cost string
	slope                        float64
}

func (f curveFit) String() string {
	return fmt.Sprintf("%s %s %s %.2f", f.curve, f.backend, f.cost, f.slope)
}

func (r *reporter) curve(spec curveSpec, cs curveSeries) ([]curveFit, error) {
	var reps []int
	var backends []string
	for _, b := range curveBackends {
		if cs[b] == nil {
			continue
		}
		backends = append(backends, b)
		for _, c := range curveClients {
			for _, p := range cs[b][c] {
				if !slices.Contains(reps, p.Reps) {
					reps = append(reps, p.Reps)
				}
			}
		}
	}
	slices.Sort(reps)
	switch {
	case reps[len(reps)-1] <= 0:
		r.p("%s\n", spec.about)
	case len(reps) == 1:
		r.p("%s Medians of %d repetitions per point.\n", spec.about, reps[0])
	default:
		r.p("%s Medians of %d–%d repetitions per point.\n", spec.about, reps[0], reps[len(reps)-1])
	}

	// A figure that no point has is one the curve does not measure.
	var metrics []curveMetric
	for _, m := range curveMetrics {
		if cs.measures(m) {
			metrics = append(metrics, m)
		}
	}
	if err := r.curvePlots(spec, cs, backends, metrics); err != nil {
		return nil, err
	}
	r.curveTable(spec, cs, backends, metrics)
	fits := r.curveSlopes(spec, cs, backends)
	for _, t := range spec.targets {
		r.judgeCurve(spec, cs, t)
	}
	return fits, nil
}

// measures reports whether any point has a figure for m.
func (cs curveSeries) measures(m curveMetric) bool {
	for _, byClient := range cs {
		for _, bySize := range byClient {
			for _, p := range bySize {
				if m.get(p) != 0 {
					return true
				}
			}
		}
	}
	return false
}

// curveTable prints the points, then dockwire/moby at the largest size that
// both clients measured.
func (r *reporter) curveTable(spec curveSpec, cs curveSeries, backends []string, metrics []curveMetric) {
	head, rule := "| "+spec.xLabel+" | backend |", "|---|---|"
	for _, m := range metrics {
		head += fmt.Sprintf(" %s dockwire | moby | dockwire/moby |", m.name(spec.unit))
		rule += "---|---|---|"
	}
	r.p("%s\n%s", head, rule)
	for _, b := range backends {
		for _, s := range cs.sizes(b) {
			row := fmt.Sprintf("| %s | %s |", spec.sizeName(s), b)
			for _, m := range metrics {
				d, dok := cs.point(b, "dockwire", s)
				o, ook := cs.point(b, "moby", s)
				cell := func(p CurvePoint, ok bool) string {
					if !ok {
						return "–"
					}
					return m.format(m.get(p))
				}
				q := "–"
				if dok && ook {
					q = curveRatio(m.get(d), m.get(o))
				}
				row += fmt.Sprintf(" %s | %s | %s |", cell(d, dok), cell(o, ook), q)
			}
			r.p("%s", row)
		}
	}
	r.p("")
	var at []string
	for _, b := range backends {
		s, ok := largestShared(cs, b)
		if !ok {
			continue
		}
		d, _ := cs.point(b, "dockwire", s)
		o, _ := cs.point(b, "moby", s)
		var parts []string
		for _, m := range metrics {
			if m.get(o) != 0 {
				parts = append(parts, fmt.Sprintf("%s %s", m.name(spec.unit), curveRatio(m.get(d), m.get(o))))
			}
		}
		if len(parts) > 0 {
			at = append(at, fmt.Sprintf("on %s at %s, %s", b, spec.sizeName(s), strings.Join(parts, ", ")))
		}
	}
	if len(at) > 0 {
		r.p("dockwire/moby at the largest size: %s.\n", strings.Join(at, "; "))
	}
}

// largestShared is the largest size of a backend that both clients measured.
func largestShared(cs curveSeries, backend string) (int64, bool) {
	sizes := cs.sizes(backend)
	for i := len(sizes) - 1; i >= 0; i-- {
		_, d := cs.point(backend, "dockwire", sizes[i])
		_, o := cs.point(backend, "moby", sizes[i])
		if d && o {
			return sizes[i], true
		}
	}
	return 0, false
}

// removeCurvePlots deletes the plots this section may write, so that the
// plots directory holds only those of this run, which RESULTS.md links.
func (r *reporter) removeCurvePlots() error {
	if r.plots == "" {
		return nil
	}
	for _, spec := range curveSpecs {
		for _, pl := range spec.plots {
			err := os.Remove(filepath.Join(r.plots, spec.name+"-"+pl.metric+".svg"))
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}

func (r *reporter) curvePlots(spec curveSpec, cs curveSeries, backends []string, metrics []curveMetric) error {
	if r.plots == "" {
		return nil
	}
	if err := os.MkdirAll(r.plots, 0o755); err != nil {
		return err
	}
	colors := map[string]string{"dockwire": "#0072B2", "moby": "#D55E00"}
	dashes := map[string]string{"fake": "", "d28": "6 4"}
	markers := map[string]svgplot.Marker{"fake": svgplot.Circle, "d28": svgplot.Square}
	for _, pl := range spec.plots {
		if !slices.ContainsFunc(metrics, func(m curveMetric) bool { return m.key == pl.metric }) {
			continue
		}
		m := curveMetricByKey(pl.metric)
		title := spec.name + ": " + m.name(spec.unit)
		plot := svgplot.Plot{Title: title, XLabel: spec.xLabel, YLabel: pl.yLabel}
		for _, b := range backends {
			for _, c := range curveClients {
				ps := cs.sorted(b, c)
				if len(ps) == 0 {
					continue
				}
				s := svgplot.Series{Name: c + " " + b, Color: colors[c], Dash: dashes[b], Marker: markers[b]}
				for _, p := range ps {
					s.Points = append(s.Points, svgplot.Point{X: spec.plotX(p.Size), Y: m.get(p)})
				}
				plot.Series = append(plot.Series, s)
			}
		}
		name := spec.name + "-" + pl.metric + ".svg"
		if err := os.WriteFile(filepath.Join(r.plots, name), plot.SVG(), 0o644); err != nil {
			return err
		}
		// RESULTS.md sits beside the plots' directory.
		r.p("![%s](%s)\n", title, path.Join(filepath.Base(r.plots), name))
	}
	return nil
}

// curveSlopes prints and returns the slopes of total time and total
// allocations against size of every client on every backend.
func (r *reporter) curveSlopes(spec curveSpec, cs curveSeries, backends []string) []curveFit {
	var fits []curveFit
	r.p("Slopes of log(total cost) against log(size) (1 is linear):\n")
	r.p("| backend | client | %s | allocations |", spec.timeName)
	r.p("|---|---|---|---|")
	for _, b := range backends {
		for _, c := range curveClients {
			ps := cs.sorted(b, c)
			if len(ps) == 0 {
				continue
			}
			cells := []string{"–", "–"}
			for i, cost := range []struct {
				name  string
				total func(CurvePoint) float64
			}{{"time", spec.time}, {"allocations", perUnitTotal(func(p CurvePoint) float64 { return p.AllocsPerUnit })}} {
				var xy []svgplot.Point
				for _, p := range ps {
					xy = append(xy, svgplot.Point{X: float64(p.Size), Y: cost.total(p)})
				}
				slope, _, ok := svgplot.Fit(xy)
				if !ok {
					continue
				}
				cells[i] = fmt.Sprintf("%.2f", slope)
				if math.Abs(slope) < 0.005 {
					cells[i] = "0.00" // not -0.00
				}
				if slope > curveGrowthLimit {
					cells[i] = "**" + cells[i] + "**"
				}
				fits = append(fits, curveFit{spec.name, b, c, cost.name, slope})
			}
			r.p("| %s | %s | %s | %s |", b, c, cells[0], cells[1])
		}
	}
	r.p("")
	return fits
}

// judgeCurve adds one target of a curve, judged at the largest size of the
// judged backend, with the other backend's figure beside it.
func (r *reporter) judgeCurve(spec curveSpec, cs curveSeries, t curveTarget) {
	m := curveMetricByKey(t.metric)
	if !cs.measures(m) {
		// A figure that is 0 everywhere was not taken, not found to be 0.
		r.missing(t.id, t.what, "no "+m.name(spec.unit)+" in this curve's points")
		return
	}
	// figure returns what the target bounds on a backend at its largest
	// size, and the text that shows it.
	figure := func(b string) (float64, string, bool) {
		if t.vsMoby {
			sizes := cs.sizes(b)
			for i := len(sizes) - 1; i >= 0; i-- {
				d, dok := cs.point(b, "dockwire", sizes[i])
				o, ook := cs.point(b, "moby", sizes[i])
				if dok && ook && m.get(o) != 0 {
					q := m.get(d) / m.get(o)
					return q, fmt.Sprintf("%.2f× at %s (dockwire %s, moby %s)", q, spec.sizeName(sizes[i]), m.format(m.get(d)), m.format(m.get(o))), true
				}
			}
			return 0, "", false
		}
		ps := cs.sorted(b, "dockwire")
		if len(ps) == 0 {
			return 0, "", false
		}
		last := ps[len(ps)-1]
		if t.growth {
			first := ps[0]
			g := m.get(last) - m.get(first)
			text := fmt.Sprintf("%s more at %s than at %s (%s and %s", m.format(g), spec.sizeName(last.Size), spec.sizeName(first.Size), m.format(m.get(first)), m.format(m.get(last)))
			if o0, ok := cs.point(b, "moby", first.Size); ok {
				if o1, ok := cs.point(b, "moby", last.Size); ok {
					text += fmt.Sprintf("; moby %s and %s", m.format(m.get(o0)), m.format(m.get(o1)))
				}
			}
			return g, text + ")", true
		}
		text := fmt.Sprintf("%s at %s", m.format(m.get(last)), spec.sizeName(last.Size))
		if o, ok := cs.point(b, "moby", last.Size); ok {
			text += fmt.Sprintf(" (moby %s)", m.format(m.get(o)))
		}
		return m.get(last), text, true
	}
	v, text, ok := figure(t.backend)
	if !ok {
		who := "dockwire"
		if t.vsMoby {
			who = "dockwire and moby"
		}
		r.missing(t.id, t.what, fmt.Sprintf("no %s points of %s on %s", m.name(spec.unit), who, t.backend))
		return
	}
	for _, b := range curveBackends {
		if b == t.backend {
			continue
		}
		if _, other, ok := figure(b); ok {
			text += fmt.Sprintf("; %s: %s", b, other)
		}
	}
	met := v <= t.limit
	if t.atLeast {
		met = v >= t.limit
	}
	r.addTarget(t.id, t.what, text, met)
}

// growthTarget judges dockwire's curves; moby's slopes above the limit are
// named beside them, as a sign of what the daemon or the workload does.
func (r *reporter) growthTarget(fits []curveFit) {
	var over, mobyOver []string
	highest, n := math.Inf(-1), 0
	var highestFit curveFit
	var realOver []string
	for _, f := range fits {
		if f.client != "dockwire" {
			if f.slope > curveGrowthLimit {
				mobyOver = append(mobyOver, f.String())
			}
			continue
		}
		if f.backend != "fake" {
			// On a real engine the daemon's own growth is in the fit:
			// shown, not judged (moby's fits beside it say how much).
			if f.slope > curveGrowthLimit {
				realOver = append(realOver, f.String())
			}
			continue
		}
		n++
		if f.slope > curveGrowthLimit {
			over = append(over, f.String())
		} else if f.slope > highest {
			highest, highestFit = f.slope, f
		}
	}
	if n == 0 {
		r.missing("curve-growth", curveGrowthWhat, "no curve with two sizes or more")
		return
	}
	var text string
	if len(over) > 0 {
		text = "above 1.05: " + strings.Join(over, ", ")
		if !math.IsInf(highest, -1) {
			text += fmt.Sprintf("; the other %d fits ≤ %.2f", n-len(over), highest)
		}
	} else {
		text = fmt.Sprintf("%d fits, the highest %s", n, highestFit)
	}
	if len(realOver) > 0 {
		text += "; not judged, on Docker 28.5, where the daemon's time is in the fit: dockwire above 1.05: " + strings.Join(realOver, ", ")
	}
	if len(mobyOver) > 0 {
		text += "; moby above 1.05: " + strings.Join(mobyOver, ", ")
	}
	r.addTarget("curve-growth", curveGrowthWhat, text, len(over) == 0)
}

// curveRatio is ratio for figures that may differ by orders of magnitude,
// as allocations per line do.
func curveRatio(a, b float64) string {
	if b != 0 && a > 0 && a/b < 0.01 {
		return "< 0.01×"
	}
	return ratio(a, b)
}

// siNum formats a rate with three significant digits: 1.23M.
func siNum(v float64) string { return svgplot.Label(v) }

// smallNum formats a count that may be a small fraction per unit.
func smallNum(v float64) string {
	switch {
	case v == 0:
		return "0"
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 0.01:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	return strconv.FormatFloat(v, 'e', 1, 64)
}
