// A little comfort on top of pages that work without it: the countdown to
// the next appointment (C2: never late) ticks every second.
(function () {
  "use strict";
  function fmt(ms) {
    if (ms <= 0) return "now";
    var s = Math.floor(ms / 1000), d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
    if (d >= 2) return d + " days";
    if (h > 0 || d > 0) return (d * 24 + h) + " h " + String(m).padStart(2, "0") + " min";
    return m + " min " + String(s % 60).padStart(2, "0") + " s";
  }
  function tick() {
    document.querySelectorAll(".countdown[data-at]").forEach(function (el) {
      // The server's clock may differ from the browser's (tests, demos):
      // count from the server's "now" rendered into the page, moved on by
      // the time the page has been open.
      if (!el.dataset.offset) {
        var server = Date.parse(el.dataset.now || "") || Date.now();
        el.dataset.offset = String(server - Date.now());
      }
      var now = Date.now() + Number(el.dataset.offset);
      el.textContent = fmt(Date.parse(el.dataset.at) - now);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 1000); });
})();
