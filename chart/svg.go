package chart

import (
	"encoding/xml"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The drawing is laid out in a fixed viewBox and scales to its container.
const (
	svgW, svgH  = 560.0, 320.0
	plotLeft    = 56.0      // room for the y tick labels and the y label
	plotRight   = svgW - 32 // room for half a date label
	plotBottom  = svgH - 48 // room for the x tick labels and the x label
	inkColour   = "#1b1f23"
	mutedColour = "#57606a"
	gridColour  = "#d0d7de"
	dateLayout  = "2 Jan 2006"
)

// SVG writes the chart as a self-contained inline <svg> element.
func (b Bars) SVG(w io.Writer) error {
	id := chartID(b)
	var d svgDoc
	if empty, err := b.check(); err != nil {
		return err
	} else if empty {
		d.empty(id, b.Title)
		return d.writeTo(w)
	}
	d.open(id, b.Title, b.describe())
	colours := barColours(b.Series)
	d.hatches(id, b.Series, colours)

	names := make([]string, len(b.Series))
	for j, s := range b.Series {
		names[j] = s.Name
	}
	top := d.legend(names, func(j int, x, y float64) {
		d.printf(`<rect x="%s" y="%s" width="12" height="12" %s/>`, n(x), n(y), barPaint(id, j, b.Series[j], colours[j]))
	})

	lo, hi, ticks := niceScale(b.valueRange())
	sy := func(v float64) float64 { return plotBottom - (v-lo)/(hi-lo)*(plotBottom-top) }
	d.yAxis(top, ticks, sy, b.label, b.YLabel)
	d.xLabel(b.XLabel)

	groupW := (plotRight - plotLeft) / float64(len(b.Categories))
	barW := groupW * 0.8 / float64(len(b.Series))
	labelSize := n(math.Max(7, math.Min(11, barW*0.45)))
	for i, cat := range b.Categories {
		x0 := plotLeft + float64(i)*groupW + groupW*0.1
		for j, s := range b.Series {
			v := s.Values[i]
			if !finite(v) {
				continue
			}
			x, y0, yv := x0+float64(j)*barW, sy(0), sy(v)
			d.printf(`<rect x="%s" y="%s" width="%s" height="%s" %s><title>%s, %s: %s</title></rect>`,
				n(x+1), n(math.Min(y0, yv)), n(math.Max(1, barW-2)), n(math.Abs(y0-yv)),
				barPaint(id, j, s, colours[j]), esc(s.Name), esc(cat), esc(b.label(v)))
			ly := yv - 4
			if v < 0 {
				ly = yv + 12
			}
			d.text(x+barW/2, ly, `text-anchor="middle" font-size="`+labelSize+`"`, b.label(v))
		}
		d.text(x0+groupW*0.4, plotBottom+16, `text-anchor="middle"`, cat)
	}
	d.line(plotLeft, sy(0), plotRight, sy(0), mutedColour)
	d.close()
	return d.writeTo(w)
}

// describe is the <desc> a screen reader speaks: every value, in words.
func (b Bars) describe() string {
	var parts []string
	for _, s := range b.Series {
		vals := make([]string, len(s.Values))
		for i, v := range s.Values {
			vals[i] = b.Categories[i] + " " + b.label(v)
			if !finite(v) {
				vals[i] = b.Categories[i] + " no value"
			}
		}
		parts = append(parts, s.Name+": "+strings.Join(vals, ", "))
	}
	return axesPhrase("Bar chart", b.YLabel, b.XLabel) + strings.Join(parts, "; ") + "."
}

// SVG writes the chart as a self-contained inline <svg> element.
func (l Lines) SVG(w io.Writer) error {
	id := chartID(l)
	var d svgDoc
	from, to, lo, hi, ok := l.extent()
	if !ok {
		d.empty(id, l.Title)
		return d.writeTo(w)
	}
	d.open(id, l.Title, l.describe())
	names := make([]string, len(l.Series))
	for i, s := range l.Series {
		names[i] = s.Name
	}
	top := d.legend(names, func(i int, x, y float64) {
		d.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2"%s/>`,
			n(x), n(y+6), n(x+12), n(y+6), palette[i%len(palette)], dashes(l.Series[i]))
	})

	lo, hi, yTicks := niceScale(lo, hi)
	sy := func(v float64) float64 { return plotBottom - (v-lo)/(hi-lo)*(plotBottom-top) }
	span := to.Sub(from).Seconds()
	sx := func(p Point) float64 { return plotLeft + p.At.Sub(from).Seconds()/span*(plotRight-plotLeft) }
	label := func(v float64) string { return formatValue(v, false) }
	d.yAxis(top, yTicks, sy, label, l.YLabel)
	d.xLabel(l.XLabel)
	xTicks, layout := timeTicks(from, to)
	for _, t := range xTicks {
		x := sx(Point{At: t})
		d.line(x, plotBottom, x, plotBottom+4, mutedColour)
		d.text(x, plotBottom+16, `text-anchor="middle"`, t.Format(layout))
	}
	d.line(plotLeft, sy(0), plotRight, sy(0), mutedColour)

	right, above := l.lastLabels(from, to)
	for i, s := range l.Series {
		ps, colour := s.points(), palette[i%len(palette)]
		if len(ps) == 0 {
			continue
		}
		coords := make([]string, len(ps))
		for k, p := range ps {
			coords[k] = n(sx(p)) + "," + n(sy(p.Value))
		}
		d.printf(`<polyline points="%s" fill="none" stroke="%s" stroke-width="2"%s/>`,
			strings.Join(coords, " "), colour, dashes(s))
		for _, p := range ps {
			d.printf(`<circle cx="%s" cy="%s" r="3" fill="%s"><title>%s, %s: %s</title></circle>`,
				n(sx(p)), n(sy(p.Value)), colour, esc(s.Name), esc(p.At.Format(dateLayout)), esc(label(p.Value)))
		}
		// The latest value is the one people ask about: print it.
		last, x, y, anchor := ps[len(ps)-1], sx(ps[len(ps)-1])+6, sy(ps[len(ps)-1].Value)-6, "start"
		if right[i] {
			x, anchor = x-12, "end"
		}
		if !above[i] {
			y += 18
		}
		d.text(x, y, `text-anchor="`+anchor+`" font-size="11" fill="`+colour+`"`, label(last.Value))
	}
	d.close()
	return d.writeTo(w)
}

func (l Lines) describe() string {
	var parts []string
	for _, s := range l.Series {
		var vals []string
		for _, p := range s.points() {
			vals = append(vals, p.At.Format(dateLayout)+" "+formatValue(p.Value, false))
		}
		if len(vals) == 0 {
			vals = []string{"no values"}
		}
		parts = append(parts, s.Name+": "+strings.Join(vals, ", "))
	}
	return axesPhrase("Line chart", l.YLabel, l.XLabel) + strings.Join(parts, "; ") + "."
}

func axesPhrase(kind, y, x string) string {
	switch {
	case y != "" && x != "":
		return kind + " of " + y + " by " + x + ". "
	case y != "":
		return kind + " of " + y + ". "
	}
	return kind + ". "
}

// svgDoc accumulates the markup so that a failed write leaves no half chart.
type svgDoc struct{ strings.Builder }

func (d *svgDoc) printf(format string, args ...any) {
	fmt.Fprintf(d, format, args...)
	d.WriteByte('\n')
}

// open starts the document. The title and desc are referenced by
// aria-labelledby so that screen readers announce them with role="img".
func (d *svgDoc) open(id, title, desc string) {
	if title == "" {
		title = "Chart"
	}
	d.printf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="100%%" role="img" aria-labelledby="%s-title %s-desc" font-family="system-ui, -apple-system, sans-serif" font-size="12" fill="%s">`,
		n(svgW), n(svgH), id, id, inkColour)
	d.printf(`<title id="%s-title">%s</title>`, id, esc(title))
	d.printf(`<desc id="%s-desc">%s</desc>`, id, esc(desc))
	d.printf(`<rect width="%s" height="%s" fill="#fff"/>`, n(svgW), n(svgH))
	d.text(16, 24, `font-size="16" font-weight="bold"`, title)
}

func (d *svgDoc) close() { d.printf(`</svg>`) }

// empty draws the frame of a chart that has nothing to show yet.
func (d *svgDoc) empty(id, title string) {
	d.open(id, title, noData+".")
	d.text(svgW/2, svgH/2, `text-anchor="middle" font-size="16" fill="`+mutedColour+`"`, noData)
	d.close()
}

func (d *svgDoc) writeTo(w io.Writer) error {
	_, err := io.WriteString(w, d.String())
	return err
}

func (d *svgDoc) text(x, y float64, attrs, s string) {
	if attrs != "" {
		attrs = " " + attrs
	}
	d.printf(`<text x="%s" y="%s"%s>%s</text>`, n(x), n(y), attrs, esc(s))
}

func (d *svgDoc) line(x1, y1, x2, y2 float64, colour string) {
	d.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`, n(x1), n(y1), n(x2), n(y2), colour)
}

// legend writes the series names in rows under the title, each after its
// swatch, and returns where the plot may begin.
func (d *svgDoc) legend(names []string, swatch func(i int, x, y float64)) (plotTop float64) {
	x, y := 16.0, 48.0
	for i, name := range names {
		w := 18 + 7*float64(utf8.RuneCountInString(name)) + 16
		if x > 16 && x+w > plotRight {
			x, y = 16, y+18
		}
		swatch(i, x, y-10)
		d.text(x+18, y, "", name)
		x += w
	}
	return y + 24 // leaves room for a value label above the tallest bar
}

// yAxis draws the horizontal grid with its labelled ticks and the y label.
func (d *svgDoc) yAxis(top float64, ticks []float64, sy func(float64) float64, label func(float64) string, title string) {
	for _, t := range ticks {
		d.line(plotLeft, sy(t), plotRight, sy(t), gridColour)
		d.text(plotLeft-6, sy(t)+4, `text-anchor="end" fill="`+mutedColour+`"`, label(t))
	}
	if title != "" {
		mid := n((top + plotBottom) / 2)
		d.text(14, (top+plotBottom)/2, `text-anchor="middle" transform="rotate(-90 14 `+mid+`)"`, title)
	}
}

func (d *svgDoc) xLabel(title string) {
	if title != "" {
		d.text((plotLeft+plotRight)/2, svgH-10, `text-anchor="middle"`, title)
	}
}

// hatches defines the diagonal hatch that marks each baseline series.
func (d *svgDoc) hatches(id string, series []Series, colours []string) {
	d.printf(`<defs>`)
	for j, s := range series {
		if s.Baseline {
			d.printf(`<pattern id="%s-hatch-%d" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="%s" stroke-width="2"/></pattern>`,
				id, j, colours[j])
		}
	}
	d.printf(`</defs>`)
}

// barPaint is the fill and outline of series j: solid for measured figures,
// hatched and outlined for a baseline.
func barPaint(id string, j int, s Series, colour string) string {
	if s.Baseline {
		return fmt.Sprintf(`fill="url(#%s-hatch-%d)" stroke="%s" stroke-width="1.5"`, id, j, colour)
	}
	return fmt.Sprintf(`fill="%s"`, colour)
}

func dashes(s TimeSeries) string {
	if s.Dashed {
		return ` stroke-dasharray="6 4"`
	}
	return ""
}

// chartID names the ids inside one chart after its content, so that two
// different charts inlined on one page never share a pattern or a title id,
// and the same chart always renders the same bytes.
func chartID(v any) string {
	h := fnv.New32a()
	fmt.Fprintf(h, "%#v", v)
	return fmt.Sprintf("chart-%08x", h.Sum32())
}

// n prints a coordinate with at most one decimal.
func n(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

// esc makes any text safe as XML character data; invalid UTF-8 and control
// characters become U+FFFD so that the document still parses.
func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
