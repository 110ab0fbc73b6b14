// Knowledge panel of the ticket page: "insert" appends an article's link or excerpt to the
// reply being written (the reply form's body), and opens that form.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".kb-insert") : null;
    if (!button) { return; }
    var body = document.getElementById("id_reply-body");
    if (!body) { return; }
    var text = button.getAttribute("data-insert-text") || "";
    body.value = body.value ? body.value.replace(/\s*$/, "") + "\n\n" + text : text;
    var details = document.getElementById("action-reply");
    if (details) { details.open = true; }
    body.focus();
  });
})();
