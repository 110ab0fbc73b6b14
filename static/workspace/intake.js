// Phone intake: the selected subscription's scope is the one shown, and a category outside it
// is flagged before the agent submits (the service refuses it anyway, Art. 3.1).
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form) { return; }
  var subscription = form.querySelector("select[name=subscription]");
  var category = form.querySelector("select[name=category]");
  var warning = document.getElementById("category-warning");
  var blocks = document.querySelectorAll(".subscription-scope[data-subscription]");
  function update() {
    var chosen = subscription ? subscription.value : "";
    var admitted = null;
    blocks.forEach(function (block) {
      var match = block.getAttribute("data-subscription") === chosen;
      block.hidden = chosen !== "" && !match;
      block.classList.toggle("current", match);
      if (match) { admitted = (block.getAttribute("data-categories") || "").split(" "); }
    });
    var out = admitted !== null && category && category.value !== "" &&
      admitted.indexOf(category.value) === -1;
    if (warning) {
      warning.hidden = !out;
      warning.textContent = out ? warning.getAttribute("data-text") : "";
    }
  }
  if (subscription) { subscription.addEventListener("change", update); }
  if (category) { category.addEventListener("change", update); }
  update();
})();
