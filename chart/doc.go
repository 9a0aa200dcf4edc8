// Package chart draws the charts of nudge's reports: grouped bars for the
// rep's figures beside the published baselines (H1 touches before giving up,
// H2 wins by touch, H3 contact rate by attempt, reply rate by cadence step)
// and time lines for a customer's value achieved against the agreed goal (F2).
//
// One description of a chart (Bars or Lines) renders two ways, from the same
// numbers, scale and labels:
//
//   - SVG, written by hand. The web app inlines it in the page, so it needs no
//     JavaScript and no third-party code, obeys the app's Content-Security-Policy
//     (style-src 'self': the markup uses presentation attributes such as fill=
//     and stroke=, never style= or <style>), stays crisp at any size on a phone
//     because it is vector with a viewBox, and reads aloud: role="img" with a
//     <title>, a <desc> that lists every value, and a tooltip on every bar.
//   - PNG, drawn with gonum.org/v1/plot, for `nudge report … --png FILE` and
//     anywhere a picture file is wanted (mail, slides).
//
// Data that cannot be drawn (no categories, every value zero, no points) gives
// a chart that says "No data yet" rather than an error or an empty frame.
// Values that are not finite numbers are left out, never printed as NaN.
package chart
