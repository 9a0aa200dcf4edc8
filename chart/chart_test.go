package chart

import (
	"bytes"
	"encoding/xml"
	"flag"
	"fmt"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// persistence is an H1 chart: the team's touches before giving up beside
// the published baseline 44/22/14/12/8% (METHOD.md H1).
func persistence() Bars {
	return Bars{
		Title:      "Touches before giving up (H1)",
		XLabel:     "Touches before the prospect was dropped",
		YLabel:     "Share of dropped prospects",
		Categories: []string{"1", "2", "3", "4", "5+"},
		Series: []Series{
			{Name: "Your team", Values: []float64{0.5, 0.25, 0.125, 0.125, 0}},
			{Name: "Published baseline", Values: []float64{0.44, 0.22, 0.14, 0.12, 0.08}, Baseline: true},
		},
		Percent: true,
	}
}

// labourHours is an F2 value line: hours per week measured against the goal.
func labourHours() Lines {
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
	return Lines{
		Title:  "Labour hours per week (F2)",
		XLabel: "Measured on",
		YLabel: "Hours",
		Series: []TimeSeries{
			{Name: "Achieved", Points: []Point{{day(1, 5), 120}, {day(3, 2), 104}, {day(6, 1), 95.5}}},
			{Name: "Goal", Points: []Point{{day(1, 5), 90}, {day(6, 1), 90}}, Dashed: true},
		},
	}
}

type svgChart interface{ SVG(io.Writer) error }

// renderSVG renders c and checks what every chart must be: well-formed XML
// with an <svg> root, role="img", a <title> and a <desc>, no style
// attribute or element (the app's CSP forbids them) and no NaN or Inf.
// It returns the markup and its text content.
func renderSVG(t *testing.T, c svgChart) (markup, content string) {
	t.Helper()
	var buf bytes.Buffer
	if err := c.SVG(&buf); err != nil {
		t.Fatalf("SVG: %v", err)
	}
	var text strings.Builder
	var elements []string
	dec := xml.NewDecoder(bytes.NewReader(buf.Bytes()))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v\n%s", err, buf.String())
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			elements = append(elements, tok.Name.Local)
			if len(elements) == 1 {
				attrs := map[string]string{}
				for _, a := range tok.Attr {
					attrs[a.Name.Local] = a.Value
				}
				if tok.Name.Local != "svg" || tok.Name.Space != "http://www.w3.org/2000/svg" || attrs["role"] != "img" || attrs["viewBox"] == "" {
					t.Errorf("root element = %v %v, want <svg xmlns=… role=img viewBox=…>", tok.Name, attrs)
				}
			}
			for _, a := range tok.Attr {
				if a.Name.Local == "style" {
					t.Errorf("<%s> has a style attribute, which the CSP blocks", tok.Name.Local)
				}
			}
		case xml.CharData:
			text.Write(tok)
			text.WriteByte('\n')
		}
	}
	joined := "," + strings.Join(elements, ",") + ","
	for _, want := range []string{",svg,title,desc,"} {
		if !strings.HasPrefix(joined, want) {
			t.Errorf("elements start %q, want %q", joined[:min(len(joined), 40)], want)
		}
	}
	if strings.Contains(joined, ",style,") || strings.Contains(joined, ",script,") {
		t.Errorf("SVG has a <style> or <script> element")
	}
	for _, bad := range []string{"NaN", "Inf"} {
		if strings.Contains(buf.String(), bad) {
			t.Errorf("SVG contains %q", bad)
		}
	}
	return buf.String(), text.String()
}

func wantAll(t *testing.T, in string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(in, w) {
			t.Errorf("missing %q", w)
		}
	}
}

func TestBarsSVG(t *testing.T) {
	markup, content := renderSVG(t, persistence())
	wantAll(t, content,
		"Touches before giving up (H1)", "Touches before the prospect was dropped", "Share of dropped prospects",
		"1", "2", "3", "4", "5+", "Your team", "Published baseline",
		"44%", "22%", "14%", "12%", "8%", "50%", "25%", "12.5%",
		// y axis: 0% to 50% in steps of 10%
		"0%", "10%", "20%", "30%", "40%",
		// every bar has a tooltip naming series, category and value
		"Your team, 1: 50%", "Published baseline, 5+: 8%", "Your team, 5+: 0%",
		// the desc reads every value aloud
		"Bar chart of Share of dropped prospects by Touches before the prospect was dropped. Your team: 1 50%, 2 25%, 3 12.5%, 4 12.5%, 5+ 0%; Published baseline: 1 44%, 2 22%, 3 14%, 4 12%, 5+ 8%.",
	)
	// The baseline is hatched and outlined; the team's bars are solid.
	if got := strings.Count(markup, `fill="url(#`); got != 6 { // 5 bars + legend swatch
		t.Errorf("%d hatched shapes, want 6", got)
	}
	if got := strings.Count(markup, `fill="`+palette[0]+`"`); got != 6 {
		t.Errorf("%d solid shapes in %s, want 6", got, palette[0])
	}
}

func TestLinesSVG(t *testing.T) {
	markup, content := renderSVG(t, labourHours())
	wantAll(t, content,
		"Labour hours per week (F2)", "Measured on", "Hours", "Achieved", "Goal",
		"Feb 2026", "Mar 2026", "Apr 2026", "May 2026", "Jun 2026",
		"0", "20", "40", "60", "80", "100", "120",
		"Achieved, 5 Jan 2026: 120", "Achieved, 2 Mar 2026: 104", "Achieved, 1 Jun 2026: 95.5", "Goal, 1 Jun 2026: 90",
		"Line chart of Hours by Measured on. Achieved: 5 Jan 2026 120, 2 Mar 2026 104, 1 Jun 2026 95.5; Goal: 5 Jan 2026 90, 1 Jun 2026 90.",
	)
	// The goal line and its legend sample are dashed, the achieved line is not.
	if got := strings.Count(markup, `stroke-dasharray="6 4"`); got != 2 {
		t.Errorf("%d dashed shapes, want 2", got)
	}
}

func TestSVGEscapesText(t *testing.T) {
	hostile := `<script>alert("x")</script> & 'quotes'` + "\x01\xff"
	bars := Bars{Title: hostile, XLabel: hostile, YLabel: hostile, Categories: []string{hostile},
		Series: []Series{{Name: hostile, Values: []float64{3}}, {Name: hostile, Values: []float64{2}, Baseline: true}}}
	lines := Lines{Title: hostile, XLabel: hostile, YLabel: hostile,
		Series: []TimeSeries{{Name: hostile, Points: []Point{{time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), 1}}}}}
	for name, c := range map[string]svgChart{"bars": bars, "lines": lines} {
		t.Run(name, func(t *testing.T) {
			markup, content := renderSVG(t, c)
			if strings.Contains(markup, "<script") {
				t.Errorf("raw <script> in the output")
			}
			wantAll(t, markup, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;quotes&#39;")
			wantAll(t, content, `<script>alert("x")</script> & 'quotes'`+"\uFFFD\uFFFD")
		})
	}
}

func TestSVGEmpty(t *testing.T) {
	at := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	for name, c := range map[string]svgChart{
		"bars without categories": Bars{Title: "Wins by touch (H2)"},
		"bars without series":     Bars{Title: "Wins by touch (H2)", Categories: []string{"1", "2"}},
		"bars all zero":           Bars{Title: "Wins by touch (H2)", Categories: []string{"1", "2"}, Series: []Series{{Name: "Team", Values: []float64{0, 0}}}, Percent: true},
		"bars not numbers":        Bars{Title: "Wins by touch (H2)", Categories: []string{"1", "2"}, Series: []Series{{Name: "Team", Values: []float64{math.NaN(), math.Inf(1)}}}},
		"lines without series":    Lines{Title: "Value (F2)"},
		"lines without points":    Lines{Title: "Value (F2)", Series: []TimeSeries{{Name: "Achieved"}}},
		"lines not numbers":       Lines{Title: "Value (F2)", Series: []TimeSeries{{Name: "Achieved", Points: []Point{{at, math.NaN()}}}}},
	} {
		t.Run(name, func(t *testing.T) {
			_, content := renderSVG(t, c)
			wantAll(t, content, "No data yet")
		})
	}
}

// A missing value leaves a gap, not a NaN label, and its neighbours still draw.
func TestSVGSkipsNonFiniteValues(t *testing.T) {
	b := Bars{Title: "Contact rate by attempt (H3)", Categories: []string{"1", "2", "3"}, Percent: true,
		Series: []Series{{Name: "Team", Values: []float64{0.3, math.NaN(), math.Inf(-1)}}}}
	_, content := renderSVG(t, b)
	wantAll(t, content, "Team, 1: 30%", "Team: 1 30%, 2 no value, 3 no value.")
	if strings.Contains(content, "Team, 2:") {
		t.Errorf("a bar was drawn for a missing value")
	}
}

func TestBarsRejectMisalignedSeries(t *testing.T) {
	b := Bars{Title: "Reply rate by step", Categories: []string{"Step 1", "Step 2"},
		Series: []Series{{Name: "Email", Values: []float64{0.1}}}}
	const want = `chart "Reply rate by step": series "Email" has 1 values for 2 categories`
	if err := b.SVG(io.Discard); err == nil || err.Error() != want {
		t.Errorf("SVG error = %v, want %q", err, want)
	}
	if err := b.PNG(io.Discard, 400, 300); err == nil || err.Error() != want {
		t.Errorf("PNG error = %v, want %q", err, want)
	}
}

func TestSVGGolden(t *testing.T) {
	for file, c := range map[string]svgChart{"persistence.svg": persistence(), "value.svg": labourHours()} {
		t.Run(file, func(t *testing.T) {
			got, _ := renderSVG(t, c)
			path := filepath.Join("testdata", file)
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./chart -run TestSVGGolden -update)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the rendering; review and run with -update\ngot:\n%s", path, got)
			}
		})
	}
}

type pngChart interface {
	PNG(io.Writer, int, int) error
}

func TestPNG(t *testing.T) {
	nan := Bars{Title: "Reply rate by step", Categories: []string{"1", "2"}, Percent: true,
		Series: []Series{{Name: "Email", Values: []float64{0.2, math.NaN()}}}}
	for name, tc := range map[string]struct {
		chart      pngChart
		wantColour string // a colour that only the data draws; "" for an empty chart
	}{
		"bars":        {persistence(), palette[0]},
		"bars NaN":    {nan, palette[0]},
		"lines":       {labourHours(), palette[0]},
		"bars empty":  {Bars{Title: "Wins by touch (H2)"}, ""},
		"lines empty": {Lines{Title: "Value (F2)"}, ""},
	} {
		for _, size := range [][2]int{{800, 450}, {321, 203}} {
			t.Run(fmt.Sprintf("%s %dx%d", name, size[0], size[1]), func(t *testing.T) {
				var buf bytes.Buffer
				if err := tc.chart.PNG(&buf, size[0], size[1]); err != nil {
					t.Fatalf("PNG: %v", err)
				}
				img, err := png.Decode(&buf)
				if err != nil {
					t.Fatalf("not a PNG: %v", err)
				}
				if b := img.Bounds(); b.Dx() != size[0] || b.Dy() != size[1] {
					t.Fatalf("size %dx%d, want %dx%d", b.Dx(), b.Dy(), size[0], size[1])
				}
				colours := map[color.RGBA]bool{}
				for y := 0; y < size[1]; y++ {
					for x := 0; x < size[0]; x++ {
						colours[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)] = true
					}
				}
				if len(colours) < 2 {
					t.Fatalf("the image is a single colour")
				}
				if tc.wantColour != "" && !colours[hexColour(tc.wantColour).(color.RGBA)] {
					t.Errorf("no pixel of the first series' colour %s", tc.wantColour)
				}
			})
		}
	}
}

func TestPNGRejectsSize(t *testing.T) {
	for _, size := range [][2]int{{0, 300}, {400, -1}, {maxSide + 1, 300}} {
		if err := persistence().PNG(io.Discard, size[0], size[1]); err == nil {
			t.Errorf("PNG %dx%d: no error", size[0], size[1])
		}
	}
}

func TestFormatValue(t *testing.T) {
	for _, tc := range []struct {
		v       float64
		percent bool
		want    string
	}{
		{0.44, true, "44%"}, {0.14, true, "14%"}, {0.125, true, "12.5%"}, {1.0 / 3, true, "33.3%"},
		{0, true, "0%"}, {0.1 + 0.2, true, "30%"}, {1, true, "100%"},
		{1.3, false, "1.3"}, {12, false, "12"}, {1.0 / 3, false, "0.33"}, {-0.001, false, "0"}, {1e6, false, "1000000"},
	} {
		if got := formatValue(tc.v, tc.percent); got != tc.want {
			t.Errorf("formatValue(%v, %v) = %q, want %q", tc.v, tc.percent, got, tc.want)
		}
	}
}

func TestNiceScale(t *testing.T) {
	for _, tc := range []struct {
		lo, hi         float64
		wantLo, wantHi float64
		wantTicks      int
	}{
		{0, 0.44, 0, 0.5, 6},
		{0, 0.5, 0, 0.5, 6},
		{0, 120, 0, 120, 7},
		{0, 0, 0, 1, 6},
		{0, 1, 0, 1, 6},
		{-3, 10, -4, 10, 8},
		{0, 7, 0, 7, 8},
		{0, 1e6, 0, 1e6, 6},
	} {
		lo, hi, ticks := niceScale(tc.lo, tc.hi)
		if math.Abs(lo-tc.wantLo) > 1e-9 || math.Abs(hi-tc.wantHi) > 1e-9 || len(ticks) != tc.wantTicks {
			t.Errorf("niceScale(%v, %v) = %v, %v, %v; want %v, %v and %d ticks",
				tc.lo, tc.hi, lo, hi, ticks, tc.wantLo, tc.wantHi, tc.wantTicks)
		}
	}
}

func TestTimeTicks(t *testing.T) {
	at := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		from, to time.Time
		want     string
	}{
		{at(2026, 1, 5, 0), at(2026, 1, 20, 0), "5 Jan|8 Jan|11 Jan|14 Jan|17 Jan|20 Jan"},
		{at(2026, 1, 5, 0), at(2026, 6, 1, 0), "Feb 2026|Mar 2026|Apr 2026|May 2026|Jun 2026"},
		{at(2020, 3, 1, 0), at(2026, 6, 1, 0), "2022|2024|2026"},
		{at(2026, 1, 5, 9), at(2026, 1, 5, 17), "5 Jan 09:00|5 Jan 17:00"},
	} {
		ticks, layout := timeTicks(tc.from, tc.to)
		var got []string
		for _, tick := range ticks {
			got = append(got, tick.Format(layout))
		}
		if strings.Join(got, "|") != tc.want {
			t.Errorf("timeTicks(%v, %v) = %s, want %s", tc.from, tc.to, strings.Join(got, "|"), tc.want)
		}
	}
}
