package svgplot

import (
	"bytes"
	"encoding/xml"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestFitPowerLaws(t *testing.T) {
	xs := []float64{1, 10, 100, 1000, 1e6}
	for _, c := range []struct {
		name             string
		f                func(float64) float64
		slope, intercept float64
	}{
		{"y=3x", func(x float64) float64 { return 3 * x }, 1, math.Log10(3)},
		{"y=x²", func(x float64) float64 { return x * x }, 2, 0},
		{"y=7", func(float64) float64 { return 7 }, 0, math.Log10(7)},
		{"y=1/√x", func(x float64) float64 { return 1 / math.Sqrt(x) }, -0.5, 0},
	} {
		var pts []Point
		for _, x := range xs {
			pts = append(pts, Point{x, c.f(x)})
		}
		slope, intercept, ok := Fit(pts)
		if !ok || math.Abs(slope-c.slope) > 1e-9 || math.Abs(intercept-c.intercept) > 1e-9 {
			t.Errorf("%s: Fit = %v, %v, %v; want %v, %v, true", c.name, slope, intercept, ok, c.slope, c.intercept)
		}
	}
}

func TestFitSkipsUnusablePoints(t *testing.T) {
	pts := []Point{{1, 2}, {10, 0}, {100, 200}, {1000, -5}, {-1, 3}, {0, 1}, {math.NaN(), 1}, {1e4, math.Inf(1)}}
	slope, _, ok := Fit(pts)
	if !ok || math.Abs(slope-1) > 1e-9 {
		t.Errorf("Fit = %v, %v; want slope 1 from the two usable points", slope, ok)
	}
	for _, pts := range [][]Point{nil, {{10, 1}}, {{10, 1}, {10, 5}}, {{10, 0}, {100, 0}}} {
		if _, _, ok := Fit(pts); ok {
			t.Errorf("Fit(%v) ok; want false: no two usable points of different X", pts)
		}
	}
}

func TestLabel(t *testing.T) {
	for v, want := range map[float64]string{1: "1", 20: "20", 500: "500", 1000: "1k", 2e4: "20k", 1e6: "1M", 5e9: "5G", 0.01: "0.01", 1e-5: "1e-05"} {
		if got := Label(v); got != want {
			t.Errorf("Label(%v) = %q, want %q", v, got, want)
		}
	}
}

// walk decodes the whole document, failing on malformed XML, and returns its
// elements.
func walk(t *testing.T, svg []byte) []xml.StartElement {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(svg))
	var els []xml.StartElement
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return els
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v\n%s", err, svg)
		}
		if se, ok := tok.(xml.StartElement); ok {
			els = append(els, se.Copy())
		}
	}
}

func attr(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func testPlot() Plot {
	return Plot{
		Title:  "list <all> & more",
		XLabel: "containers",
		YLabel: "ns per container",
		Series: []Series{
			{Name: "dockwire fake", Points: []Point{{1, 900}, {10, 1200}, {100, 1300}, {1000, 1350}}},
			{Name: "moby fake", Points: []Point{{1, 2000}, {10, 2500}, {100, 3000}, {1000, 31000}}, Dash: "6 4", Marker: Square},
		},
	}
}

func TestSVGIsStandaloneXML(t *testing.T) {
	svg := testPlot().SVG()
	els := walk(t, svg)
	if els[0].Name.Local != "svg" || els[0].Name.Space != "http://www.w3.org/2000/svg" {
		t.Fatalf("root element %v, want svg in the SVG namespace", els[0].Name)
	}
	if w, h := attr(els[0], "width"), attr(els[0], "height"); w != "640" || h != "400" {
		t.Errorf("size %s×%s, want the default 640×400", w, h)
	}
	polylines := 0
	for _, se := range els {
		if se.Name.Local == "polyline" {
			polylines++
		}
	}
	if polylines != 2 {
		t.Errorf("%d polylines, want one per series", polylines)
	}
	if !bytes.Contains(svg, []byte("list &lt;all&gt; &amp; more")) {
		t.Errorf("title not escaped:\n%s", svg)
	}
	for _, name := range []string{"dockwire fake", "moby fake", "containers", "ns per container"} {
		if !bytes.Contains(svg, []byte(">"+name+"<")) {
			t.Errorf("%q missing from the SVG", name)
		}
	}
	if !bytes.Equal(svg, testPlot().SVG()) {
		t.Error("two renders of the same plot differ")
	}
}

// TestTicksCoverData checks that the labelled decades enclose every point.
func TestTicksCoverData(t *testing.T) {
	for _, c := range []struct {
		name     string
		vs       []float64
		min, max float64
	}{
		{"decades", []float64{1, 10, 100, 1000}, 1, 1000},
		{"between", []float64{3, 4200}, 1, 1e4},
		{"one value", []float64{5}, 1, 10},
		{"below one", []float64{0.002, 0.3}, 0.001, 1},
		{"log10 rounding", []float64{1e-3, 1e15}, 1e-3, 1e15},
	} {
		major, _, _ := decades(c.vs).ticks()
		if major[0] != c.min || math.Abs(major[len(major)-1]-c.max) > 1e-9*c.max {
			t.Errorf("%s: major ticks %v, want %v to %v", c.name, major, c.min, c.max)
		}
	}
	// The rendered axes carry labels for the data's whole range.
	svg := string(testPlot().SVG())
	for _, l := range []string{">1<", ">10<", ">100<", ">1k<", ">10k<", ">100k<"} {
		if !strings.Contains(svg, l) {
			t.Errorf("tick label %s missing", l)
		}
	}
}

func TestUnusablePointsAreSkipped(t *testing.T) {
	p := Plot{Title: "t", XLabel: "x", YLabel: "y", Series: []Series{
		{Name: "gaps", Points: []Point{{1, 1}, {10, 0}, {100, -3}, {1000, math.NaN()}, {1e4, 5}, {1e5, 6}, {0, 2}, {math.Inf(1), 1}}},
		{Name: "nothing", Points: []Point{{1, 0}, {10, 0}}},
	}}
	svg := p.SVG()
	els := walk(t, svg)
	for _, bad := range []string{"NaN", "Inf"} {
		if bytes.Contains(svg, []byte(bad)) {
			t.Errorf("SVG contains %s:\n%s", bad, svg)
		}
	}
	var polylines, circles int
	for _, se := range els {
		switch se.Name.Local {
		case "polyline":
			polylines++
			if n := len(strings.Fields(attr(se, "points"))); n != 2 {
				t.Errorf("polyline of %d points, want the 2 usable ones after the gap", n)
			}
		case "circle":
			circles++
		}
	}
	// 3 usable points plus the legend's marker for the first series.
	if polylines != 1 || circles != 4 {
		t.Errorf("%d polylines and %d circles, want 1 and 4", polylines, circles)
	}
	for _, se := range els {
		for _, a := range se.Attr {
			if _, err := strconv.ParseFloat(a.Value, 64); err == nil && strings.ContainsAny(a.Value, "eE") {
				t.Errorf("%s=%q in exponent form", a.Name.Local, a.Value)
			}
		}
	}
}

func TestEmptyPlot(t *testing.T) {
	svg := Plot{Title: "empty"}.SVG()
	walk(t, svg)
	if !bytes.Contains(svg, []byte("no data")) {
		t.Error("an empty plot does not say so")
	}
}
