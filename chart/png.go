package chart

import (
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

const maxSide = 8000 // pixels; a bigger picture is a mistake, not a chart

// PNG draws the chart with gonum.org/v1/plot as a width×height pixel image.
func (b Bars) PNG(w io.Writer, width, height int) error {
	empty, err := b.check()
	if err != nil {
		return err
	}
	c, dc, err := newCanvas(width, height)
	if err != nil {
		return err
	}
	p := newPlot(b.Title, b.XLabel, b.YLabel)
	if empty {
		return writePNG(w, p, c, dc, true)
	}
	p.NominalX(b.Categories...)
	p.X.Min, p.X.Max = -0.5, float64(len(b.Categories))-0.5 // one unit per category
	lo, hi, ticks := niceScale(b.valueRange())
	p.Y.Min, p.Y.Max = lo, hi+legendRoom(lo, hi, len(b.Series))
	p.Y.Tick.Marker = labelledTicks(ticks, b.label)

	// Bar widths are lengths on the page, not data units: the bars of a
	// category share 80% of its slice of the data area, as in the SVG.
	data := p.DataCanvas(dc)
	barW := (data.Max.X - data.Min.X) / vg.Length(len(b.Categories)) * 0.8 / vg.Length(len(b.Series))
	barW = max(barW, vg.Points(1))
	colours := barColours(b.Series)
	for j, s := range b.Series {
		vals := make(plotter.Values, len(s.Values))
		var at plotter.XYs
		var labels []string
		for i, v := range s.Values {
			if finite(v) { // gonum refuses NaN; a missing bar is drawn as none
				vals[i] = v
				at = append(at, plotter.XY{X: float64(i), Y: v})
				labels = append(labels, b.label(v))
			}
		}
		bars, err := plotter.NewBarChart(vals, barW)
		if err != nil {
			return fmt.Errorf("chart %q: series %q: %w", b.Title, s.Name, err)
		}
		bars.Offset = (vg.Length(j) - vg.Length(len(b.Series)-1)/2) * barW
		bars.Color = hexColour(colours[j])
		bars.LineStyle.Width = 0
		if s.Baseline { // gonum has no hatching: a pale fill inside a dashed outline
			bars.Color = color.RGBA{0xf6, 0xf8, 0xfa, 0xff}
			bars.LineStyle = draw.LineStyle{Color: hexColour(colours[j]), Width: vg.Points(1.5),
				Dashes: []vg.Length{vg.Points(3), vg.Points(2)}}
		}
		p.Add(bars)
		p.Legend.Add(s.Name, bars)
		if _, err := addLabels(p, at, labels, vg.Point{X: bars.Offset, Y: vg.Points(2)}); err != nil {
			return fmt.Errorf("chart %q: series %q: %w", b.Title, s.Name, err)
		}
	}
	return writePNG(w, p, c, dc, false)
}

// PNG draws the chart with gonum.org/v1/plot as a width×height pixel image.
func (l Lines) PNG(w io.Writer, width, height int) error {
	c, dc, err := newCanvas(width, height)
	if err != nil {
		return err
	}
	p := newPlot(l.Title, l.XLabel, l.YLabel)
	from, to, lo, hi, ok := l.extent()
	if !ok {
		return writePNG(w, p, c, dc, true)
	}
	lo, hi, yTicks := niceScale(lo, hi)
	p.Y.Min, p.Y.Max = lo, hi+legendRoom(lo, hi, len(l.Series))
	label := func(v float64) string { return formatValue(v, false) }
	p.Y.Tick.Marker = labelledTicks(yTicks, label)

	// The same instants as the SVG; TimeTicks names them. Its labels are
	// placeholders: TimeTicks only formats ticks that have one.
	instants, layout := timeTicks(from, to)
	xTicks := make(plot.ConstantTicks, len(instants))
	for i, t := range instants {
		xTicks[i] = plot.Tick{Value: unix(t), Label: "t"}
	}
	p.X.Min, p.X.Max = unix(from), unix(to)
	p.X.Tick.Marker = plot.TimeTicks{Ticker: xTicks, Format: layout, Time: plot.UnixTimeIn(from.Location())}

	right, above := l.lastLabels(from, to)
	for i, s := range l.Series {
		ps := s.points()
		if len(ps) == 0 {
			continue
		}
		xys := make(plotter.XYs, len(ps))
		for k, pt := range ps {
			xys[k] = plotter.XY{X: unix(pt.At), Y: pt.Value}
		}
		line, dots, err := plotter.NewLinePoints(xys)
		if err != nil {
			return fmt.Errorf("chart %q: series %q: %w", l.Title, s.Name, err)
		}
		colour := hexColour(palette[i%len(palette)])
		line.LineStyle = draw.LineStyle{Color: colour, Width: vg.Points(2)}
		if s.Dashed {
			line.LineStyle.Dashes = []vg.Length{vg.Points(6), vg.Points(4)}
		}
		dots.GlyphStyle = draw.GlyphStyle{Color: colour, Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}
		p.Add(line, dots)
		p.Legend.Add(s.Name, line)
		last := ps[len(ps)-1] // the latest value is the one people ask about
		ls, err := addLabels(p, xys[len(xys)-1:], []string{label(last.Value)}, vg.Point{X: vg.Points(4), Y: vg.Points(4)})
		if err != nil {
			return fmt.Errorf("chart %q: series %q: %w", l.Title, s.Name, err)
		}
		ls.TextStyle[0].XAlign, ls.TextStyle[0].Color = text.XLeft, colour
		if right[i] {
			ls.Offset.X, ls.TextStyle[0].XAlign = -ls.Offset.X, text.XRight
		}
		if !above[i] {
			ls.Offset.Y, ls.TextStyle[0].YAlign = -ls.Offset.Y, text.YTop
		}
	}
	return writePNG(w, p, c, dc, false)
}

// sans replaces gonum's default serif, to match the web app's type.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.Padding = vg.Points(8)
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.Legend.Top = true
	for _, f := range []*font.Font{&p.Title.TextStyle.Font, &p.Legend.TextStyle.Font,
		&p.X.Label.TextStyle.Font, &p.X.Tick.Label.Font, &p.Y.Label.TextStyle.Font, &p.Y.Tick.Label.Font} {
		f.Typeface, f.Variant = sans.Typeface, sans.Variant
	}
	p.Title.TextStyle.Font.Size = vg.Points(14)
	return p
}

// legendRoom lifts the top of the value axis so that the legend, drawn in
// the top right corner, does not sit on the tallest bars.
func legendRoom(lo, hi float64, entries int) float64 {
	return (hi - lo) * 0.08 * float64(entries)
}

// labelledTicks marks the same values as the SVG axis, labelled the same way.
func labelledTicks(values []float64, label func(float64) string) plot.ConstantTicks {
	ticks := make(plot.ConstantTicks, len(values))
	for i, v := range values {
		ticks[i] = plot.Tick{Value: v, Label: label(v)}
	}
	return ticks
}

// addLabels prints value labels centred just above the given points.
func addLabels(p *plot.Plot, at plotter.XYs, labels []string, offset vg.Point) (*plotter.Labels, error) {
	if len(at) == 0 {
		return nil, nil
	}
	ls, err := plotter.NewLabels(plotter.XYLabels{XYs: at, Labels: labels})
	if err != nil {
		return nil, err
	}
	for i := range ls.TextStyle {
		ls.TextStyle[i].XAlign = text.XCenter
		ls.TextStyle[i].Font.Typeface, ls.TextStyle[i].Font.Variant = sans.Typeface, sans.Variant
	}
	ls.Offset = offset
	p.Add(ls)
	return ls, nil
}

// newCanvas is an image of exactly width×height pixels, and the area
// inside its margin where the plot goes.
func newCanvas(width, height int) (*vgimg.Canvas, draw.Canvas, error) {
	if width < 1 || height < 1 || width > maxSide || height > maxSide {
		return nil, draw.Canvas{}, fmt.Errorf("chart: PNG size %d×%d: want 1 to %d pixels a side", width, height, maxSide)
	}
	// gonum sizes text in points. Tying the resolution to the picture's size
	// keeps the layout of an 800×450 chart at 96 dpi: a bigger PNG is the same
	// chart sharper, a thumbnail the same chart smaller (down to 48 dpi).
	scale := min(float64(width)/800, float64(height)/450)
	dpi := int(math.Round(96 * max(0.5, min(3, scale))))
	c := vgimg.NewWith(vgimg.UseImage(image.NewRGBA(image.Rect(0, 0, width, height))), vgimg.UseDPI(dpi))
	margin := vg.Points(8)
	return c, draw.Crop(draw.New(c), margin, -margin, margin, -margin), nil
}

// writePNG draws p on c and encodes it.
func writePNG(w io.Writer, p *plot.Plot, c *vgimg.Canvas, dc draw.Canvas, empty bool) error {
	if empty {
		p.HideAxes()
	}
	p.Draw(dc)
	if empty {
		style := p.Title.TextStyle
		style.Color = hexColour(mutedColour)
		style.XAlign, style.YAlign = text.XCenter, text.YCenter
		dc.FillText(style, dc.Center(), noData)
	}
	_, err := vgimg.PngCanvas{Canvas: c}.WriteTo(w)
	return err
}

func unix(t time.Time) float64 { return float64(t.Unix()) }

// hexColour reads the "#rrggbb" colours shared with the SVG.
func hexColour(s string) color.Color {
	v, _ := strconv.ParseUint(s[1:], 16, 32)
	return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 0xff}
}
