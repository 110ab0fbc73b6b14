// Live countdowns to first-response deadlines: a few lines, no framework.
(function () {
  "use strict";
  var body = document.body;
  var left = body.getAttribute("data-label-left") || "残り";
  var over = body.getAttribute("data-label-over") || "超過";
  var breached = body.getAttribute("data-label-breached") || "期限超過";
  // The server's clock decides deadlines: a browser whose clock is off counts from the
  // server's time at page load, not its own.
  var serverNow = Date.parse(body.getAttribute("data-server-now") || "");
  var skew = isNaN(serverNow) ? 0 : serverNow - Date.now();
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  // The deadline passed while the page was open: the badge (and a queue row) says 期限超過
  // on the spot, as the server would on the next load.
  function breach(el) {
    var badge = el.closest(".sla");
    if (!badge || badge.getAttribute("data-sla-state") === "breached") { return; }
    badge.className = badge.className.replace(/\bsla-[a-z_]+/g, "").trim() + " sla-breached";
    badge.setAttribute("data-sla-state", "breached");
    var label = badge.querySelector(".sla-label");
    if (label) { label.textContent = breached; }
    var row = el.closest("tr");
    if (row) {
      row.className = row.className.replace(/\brow-[a-z_]+/g, "").trim() + " row-breached";
    }
  }
  function tick() {
    var now = Date.now() + skew;
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      var ms = Date.parse(el.getAttribute("data-due")) - now;
      var late = ms < 0;
      var s = Math.floor(Math.abs(ms) / 1000);
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
      el.textContent = (late ? over : left) + " " + h + ":" + pad(m) + ":" + pad(s % 60);
      el.classList.toggle("over", late);
      if (late) { breach(el); }
    });
  }
  tick();
  setInterval(tick, 1000);
})();
