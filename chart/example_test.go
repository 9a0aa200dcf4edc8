package chart_test

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/nudgecrm/nudge/chart"
)

// The H1 persistence chart: a rep's touches before giving up beside the
// published baseline. The SVG goes straight into a page; PNG(w, 800, 450)
// draws the same numbers as a picture file.
func ExampleBars_SVG() {
	h1 := chart.Bars{
		Title:      "Touches before giving up (H1)",
		Categories: []string{"1", "2", "3", "4", "5+"},
		Series: []chart.Series{
			{Name: "Anna", Values: []float64{0.1, 0.1, 0.2, 0.2, 0.4}},
			{Name: "Published baseline", Values: []float64{0.44, 0.22, 0.14, 0.12, 0.08}, Baseline: true},
		},
		Percent: true,
	}
	var svg bytes.Buffer
	if err := h1.SVG(&svg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	// What a screen reader says:
	desc := svg.String()
	desc = desc[strings.Index(desc, "<desc"):]
	fmt.Println(desc[strings.Index(desc, ">")+1 : strings.Index(desc, "</desc>")])
	// Output:
	// Bar chart. Anna: 1 10%, 2 10%, 3 20%, 4 20%, 5+ 40%; Published baseline: 1 44%, 2 22%, 3 14%, 4 12%, 5+ 8%.
}
