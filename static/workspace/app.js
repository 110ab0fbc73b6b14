// Live countdowns to first-response deadlines: a few lines, no framework.
(function () {
  "use strict";
  var body = document.body;
  var left = body.getAttribute("data-label-left") || "残り";
  var over = body.getAttribute("data-label-over") || "超過";
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      var ms = Date.parse(el.getAttribute("data-due")) - now;
      var late = ms < 0;
      var s = Math.floor(Math.abs(ms) / 1000);
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
      el.textContent = (late ? over : left) + " " + h + ":" + pad(m) + ":" + pad(s % 60);
      el.classList.toggle("over", late);
    });
  }
  tick();
  setInterval(tick, 1000);
})();
