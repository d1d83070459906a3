// Package svgplot draws log-log line plots as standalone SVG, for the
// benchmark report's scale curves, and fits power laws to them.
//
// The output depends only on the input: the same Plot gives the same bytes,
// so a regenerated report changes only where the numbers changed. Points
// that a log scale cannot show (zero, negative, NaN, infinite) are skipped
// rather than drawn, so no NaN ever reaches the SVG.
package svgplot

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"strconv"
)

// Point is one measurement: X is the size, Y the value at that size.
type Point struct{ X, Y float64 }

// Marker is the shape drawn at each point of a series.
type Marker int

// The markers. AutoMarker picks one by the series' position in the plot.
const (
	AutoMarker Marker = iota
	Circle
	Square
	Triangle
	Diamond
)

// Series is one named line. An empty Color and AutoMarker take the palette's
// colour and the marker of the series' position in the plot.
type Series struct {
	Name   string
	Points []Point
	Color  string // an SVG colour, "#0072B2"
	Dash   string // an SVG stroke-dasharray, "6 4"; empty for a solid line
	Marker Marker
}

// Plot is a log-log line plot. Zero Width and Height mean 640×400, a size
// that GitHub's markdown render shows without scaling.
type Plot struct {
	Title, XLabel, YLabel string
	Width, Height         int
	Series                []Series
}

// palette is Okabe and Ito's, told apart by colour-blind readers too.
var palette = []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"}

// usable reports whether v can stand on a log axis.
func usable(v float64) bool { return v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) }

// Fit is the least-squares line through log10(Y) against log10(X) of the
// usable points: Y ≈ 10^Intercept · X^Slope. ok is false with fewer than two
// usable points of different X.
func Fit(pts []Point) (slope, intercept float64, ok bool) {
	var n, sx, sy, sxx, sxy float64
	for _, p := range pts {
		if !usable(p.X) || !usable(p.Y) {
			continue
		}
		x, y := math.Log10(p.X), math.Log10(p.Y)
		n++
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
	}
	den := n*sxx - sx*sx
	if n < 2 || den <= 1e-12*n*sxx {
		return 0, 0, false
	}
	slope = (n*sxy - sx*sy) / den
	return slope, (sy - slope*sx) / n, true
}

// axis is a log10 range whose ends are whole decades.
type axis struct{ lo, hi int }

// decades returns the axis that covers vs, a decade at least.
func decades(vs []float64) axis {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range vs {
		lo, hi = math.Min(lo, math.Log10(v)), math.Max(hi, math.Log10(v))
	}
	if len(vs) == 0 {
		return axis{0, 1}
	}
	// Rounding before floor and ceil keeps 1000 on its decade when Log10
	// returns 2.9999999999999996.
	a := axis{int(math.Floor(round9(lo))), int(math.Ceil(round9(hi)))}
	if a.hi == a.lo {
		a.hi++
	}
	return a
}

func round9(v float64) float64 { return math.Round(v*1e9) / 1e9 }

// ticks returns the axis' tick values: every decade, labelled; every 2..9
// multiple, unlabelled, except 2 and 5 are labelled on an axis of a decade
// or two, which would otherwise have two or three labels.
func (a axis) ticks() (major, labelledMinor, minor []float64) {
	few := a.hi-a.lo <= 2
	for e := a.lo; e <= a.hi; e++ {
		d := math.Pow(10, float64(e))
		major = append(major, d)
		if e == a.hi {
			break
		}
		for m := 2; m <= 9; m++ {
			if few && (m == 2 || m == 5) {
				labelledMinor = append(labelledMinor, float64(m)*d)
			} else {
				minor = append(minor, float64(m)*d)
			}
		}
	}
	return major, labelledMinor, minor
}

// Label formats a tick value: 1, 20, 500, 1k, 10M, 0.01, 1e-05.
func Label(v float64) string {
	for _, s := range []struct {
		f      float64
		suffix string
	}{{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if v >= s.f {
			return strconv.FormatFloat(v/s.f, 'g', 3, 64) + s.suffix
		}
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// layout in pixels; the legend sits right of the plot area so it never
// hides a point.
const (
	marginLeft   = 64
	marginTop    = 34
	marginBottom = 46
	legendWidth  = 136
	fontFamily   = "Helvetica,Arial,sans-serif"
)

// SVG renders the plot.
func (p Plot) SVG() []byte {
	w, h := p.Width, p.Height
	if w <= 0 {
		w = 640
	}
	if h <= 0 {
		h = 400
	}
	var xs, ys []float64
	for _, s := range p.Series {
		for _, pt := range s.Points {
			if usable(pt.X) && usable(pt.Y) {
				xs, ys = append(xs, pt.X), append(ys, pt.Y)
			}
		}
	}
	xa, ya := decades(xs), decades(ys)
	left, top := float64(marginLeft), float64(marginTop)
	right, bottom := float64(w-legendWidth), float64(h-marginBottom)
	px := func(x float64) float64 {
		return left + (math.Log10(x)-float64(xa.lo))/float64(xa.hi-xa.lo)*(right-left)
	}
	py := func(y float64) float64 {
		return bottom - (math.Log10(y)-float64(ya.lo))/float64(ya.hi-ya.lo)*(bottom-top)
	}

	var b bytes.Buffer
	f := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	f(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="%s" font-size="11">`+"\n", w, h, w, h, fontFamily)
	f(`<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", w, h)
	f(`<text x="%s" y="20" text-anchor="middle" font-size="14" font-weight="bold">%s</text>`+"\n", num((left+right)/2), esc(p.Title))

	// Gridlines first, then the frame, ticks and labels over them.
	xMajor, xMid, xMinor := xa.ticks()
	yMajor, yMid, yMinor := ya.ticks()
	f(`<g stroke="#eeeeee" stroke-width="1">` + "\n")
	for _, x := range xMinor {
		f(`<line x1="%s" y1="%s" x2="%s" y2="%s"/>`+"\n", num(px(x)), num(top), num(px(x)), num(bottom))
	}
	for _, y := range yMinor {
		f(`<line x1="%s" y1="%s" x2="%s" y2="%s"/>`+"\n", num(left), num(py(y)), num(right), num(py(y)))
	}
	f("</g>\n")
	f(`<g stroke="#cccccc" stroke-width="1">` + "\n")
	for _, x := range append(append([]float64{}, xMajor...), xMid...) {
		f(`<line x1="%s" y1="%s" x2="%s" y2="%s"/>`+"\n", num(px(x)), num(top), num(px(x)), num(bottom))
	}
	for _, y := range append(append([]float64{}, yMajor...), yMid...) {
		f(`<line x1="%s" y1="%s" x2="%s" y2="%s"/>`+"\n", num(left), num(py(y)), num(right), num(py(y)))
	}
	f("</g>\n")
	f(`<rect x="%s" y="%s" width="%s" height="%s" fill="none" stroke="#333333"/>`+"\n", num(left), num(top), num(right-left), num(bottom-top))
	f(`<g fill="#333333">` + "\n")
	for _, x := range append(append([]float64{}, xMajor...), xMid...) {
		f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333333"/>`+"\n", num(px(x)), num(bottom), num(px(x)), num(bottom+4))
		f(`<text x="%s" y="%s" text-anchor="middle">%s</text>`+"\n", num(px(x)), num(bottom+16), esc(Label(x)))
	}
	for _, y := range append(append([]float64{}, yMajor...), yMid...) {
		f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333333"/>`+"\n", num(left-4), num(py(y)), num(left), num(py(y)))
		f(`<text x="%s" y="%s" text-anchor="end">%s</text>`+"\n", num(left-6), num(py(y)+4), esc(Label(y)))
	}
	f("</g>\n")
	f(`<text x="%s" y="%d" text-anchor="middle" font-size="12">%s</text>`+"\n", num((left+right)/2), h-10, esc(p.XLabel))
	f(`<text transform="translate(14 %s) rotate(-90)" text-anchor="middle" font-size="12">%s</text>`+"\n", num((top+bottom)/2), esc(p.YLabel))
	if len(xs) == 0 {
		f(`<text x="%s" y="%s" text-anchor="middle" fill="#999999" font-size="14">no data</text>`+"\n", num((left+right)/2), num((top+bottom)/2))
	}

	for i, s := range p.Series {
		color, dash, marker := style(i, s)
		f(`<g stroke="%s" fill="%s">`+"\n", color, color)
		// A point that cannot be drawn breaks the line rather than being
		// bridged, so a gap in the data shows as one.
		var run []Point
		flush := func() {
			if len(run) > 1 {
				f(`<polyline fill="none" stroke-width="2"%s points="`, dashAttr(dash))
				for j, pt := range run {
					if j > 0 {
						b.WriteByte(' ')
					}
					f("%s,%s", num(px(pt.X)), num(py(pt.Y)))
				}
				f(`"/>` + "\n")
			}
			run = run[:0]
		}
		for _, pt := range s.Points {
			if usable(pt.X) && usable(pt.Y) {
				run = append(run, pt)
			} else {
				flush()
			}
		}
		flush()
		for _, pt := range s.Points {
			if usable(pt.X) && usable(pt.Y) {
				drawMarker(&b, marker, px(pt.X), py(pt.Y))
			}
		}
		f("</g>\n")

		ly := top + 8 + float64(i)*18
		lx := right + 12
		f(`<g stroke="%s" fill="%s">`+"\n", color, color)
		f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke-width="2"%s/>`+"\n", num(lx), num(ly), num(lx+26), num(ly), dashAttr(dash))
		drawMarker(&b, marker, lx+13, ly)
		f("</g>\n")
		f(`<text x="%s" y="%s">%s</text>`+"\n", num(lx+32), num(ly+4), esc(s.Name))
	}
	f("</svg>\n")
	return b.Bytes()
}

func style(i int, s Series) (color, dash string, marker Marker) {
	color, marker = palette[i%len(palette)], Circle+Marker(i%4)
	if s.Color != "" {
		color = s.Color
	}
	if s.Marker != AutoMarker {
		marker = s.Marker
	}
	return color, s.Dash, marker
}

func dashAttr(dash string) string {
	if dash == "" {
		return ""
	}
	return ` stroke-dasharray="` + esc(dash) + `"`
}

func drawMarker(b *bytes.Buffer, m Marker, x, y float64) {
	switch m {
	case Square:
		fmt.Fprintf(b, `<rect x="%s" y="%s" width="7" height="7"/>`+"\n", num(x-3.5), num(y-3.5))
	case Triangle:
		fmt.Fprintf(b, `<polygon points="%s,%s %s,%s %s,%s"/>`+"\n", num(x), num(y-4.5), num(x-4.5), num(y+3.5), num(x+4.5), num(y+3.5))
	case Diamond:
		fmt.Fprintf(b, `<polygon points="%s,%s %s,%s %s,%s %s,%s"/>`+"\n", num(x), num(y-5), num(x+5), num(y), num(x), num(y+5), num(x-5), num(y))
	default:
		fmt.Fprintf(b, `<circle cx="%s" cy="%s" r="3.5"/>`+"\n", num(x), num(y))
	}
}

// num writes a coordinate with one decimal, enough at this scale, and the
// same bytes on every platform.
func num(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func esc(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
