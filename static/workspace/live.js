// The workspace's live parts, without inline scripts (CSP): confirmations, Ctrl+Enter,
// the ticket's own address after a failed action, and presence (二重対応防止) by polling.
(function () {
  "use strict";
  var INTERVAL = 4000;
  var TYPING_MS = 6000;
  // The queue's rows: a whole page's queries, so less often than presence.
  var LIVE_INTERVAL = parseInt(
    (document.body && document.body.getAttribute("data-live-interval")) || "10000", 10);

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // A form with data-confirm asks first (resolve, close, refuse, taking over).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);

  // Ctrl+Enter (⌘+Enter) in a text box sends its form.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) &&
        target.tagName === "TEXTAREA" && target.form) {
      event.preventDefault();
      if (target.form.requestSubmit) { target.form.requestSubmit(); } else { target.form.submit(); }
    }
  });

  // A failed action is shown at the ticket's own address, so a reload does not re-post.
  var canonical = document.body.getAttribute("data-canonical-url");
  if (canonical && window.location.pathname !== canonical) {
    window.history.replaceState(null, "", canonical);
  }

  // The nav bell: its unread count rides on the page's own polls (presence, the queue's rows);
  // a page with neither polls the bell alone, once per LIVE_INTERVAL.
  var bellPolled = false;
  function bellUpdate(data) {
    var item = document.getElementById("notifications-item");
    if (!item || !data || typeof data.bell !== "string") { return; }
    var holder = document.createElement("ul");
    holder.innerHTML = data.bell.trim();
    var fresh = holder.querySelector("#notifications-link");
    var link = item.querySelector("#notifications-link");
    // The link's content only: the link itself stays, and keeps the keyboard focus.
    if (fresh && link && fresh.innerHTML !== link.innerHTML) { link.innerHTML = fresh.innerHTML; }
  }

  function personText(person, labels) {
    return person.user + " " + (person.typing ? labels.typing : labels.viewing);
  }

  // The ticket page: report, and show who else is here.
  var box = document.getElementById("presence");
  if (box) {
    var labels = {
      viewing: box.getAttribute("data-label-viewing"),
      typing: box.getAttribute("data-label-typing"),
      changed: box.getAttribute("data-label-changed")
    };
    var version = parseInt(box.getAttribute("data-version") || "0", 10);
    var typingUntil = 0;
    var reportedTyping = false;
    var render = function (data) {
      if (!data) { return; }
      box.textContent = "";
      data.others.forEach(function (person) {
        var item = document.createElement("span");
        item.className = "presence-person" + (person.typing ? " typing" : "");
        item.setAttribute("data-user", person.user);
        item.textContent = personText(person, labels);
        box.appendChild(item);
      });
      if (data.version > version) {
        var banner = document.createElement("p");
        banner.className = "presence-changed";
        banner.textContent = labels.changed;
        box.appendChild(banner);
      }
    };
    var report = function () {
      var body = new URLSearchParams();
      reportedTyping = Date.now() < typingUntil;
      body.set("typing", reportedTyping ? "1" : "0");
      fetch(box.getAttribute("data-url"), {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken() }
      }).then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) { render(data); bellUpdate(data); })
        .catch(function () { /* the next report tries again */ });
    };
    bellPolled = true;
    var reply = document.getElementById("id_reply-body");
    if (reply) {
      reply.addEventListener("input", function () {
        typingUntil = Date.now() + TYPING_MS;
        if (!reportedTyping) { report(); }
      });
    }
    report();
    window.setInterval(report, INTERVAL);
    // Closing the tab or leaving the page says so at once, so the others see it go within
    // their next report rather than when the entry expires. A beacon outlives the page; its
    // form body carries the CSRF token (no custom header is possible). Should the browser
    // refuse the beacon, a keepalive fetch does the same.
    window.addEventListener("pagehide", function () {
      var body = new URLSearchParams();
      body.set("leave", "1");
      body.set("csrfmiddlewaretoken", csrfToken());
      var url = box.getAttribute("data-url");
      if (!(navigator.sendBeacon && navigator.sendBeacon(url, body))) {
        fetch(url, { method: "POST", body: body, credentials: "same-origin", keepalive: true })
          .catch(function () { /* the entry expires on its own */ });
      }
    });
    // Back from the back/forward cache: here again, say so now rather than at the next tick.
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) { report(); }
    });
  }

  // A queue page: who has each row's ticket open, and the rows themselves kept current
  // (new tickets, changed states, unread markers) without reloading.
  var table = document.querySelector("table.tickets[data-presence-url]");
  if (table) {
    var queueLabels = {
      viewing: table.getAttribute("data-label-viewing"),
      typing: table.getAttribute("data-label-typing")
    };
    var slotsNow = function () { return table.querySelectorAll("[data-presence-for]"); };
    var poll = function () {
      var slots = slotsNow();
      var numbers = Array.prototype.map.call(slots, function (slot) {
        return slot.getAttribute("data-presence-for");
      });
      if (!numbers.length) { return; }
      var url = table.getAttribute("data-presence-url") + "?numbers=" +
        encodeURIComponent(numbers.join(","));
      fetch(url, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          slots.forEach(function (slot) {
            var people = data.tickets[slot.getAttribute("data-presence-for")] || [];
            slot.textContent = people.map(function (p) { return personText(p, queueLabels); })
              .join(", ");
            slot.classList.toggle("typing", people.some(function (p) { return p.typing; }));
          });
        }).catch(function () { /* the next poll tries again */ });
    };
    poll();
    window.setInterval(poll, INTERVAL);

    var tbody = table.querySelector("tbody");
    var emptyNote = document.getElementById("queue-empty");
    var countNote = document.getElementById("result-count");
    var refresh = function () {
      fetch(table.getAttribute("data-live-url"), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          bellUpdate(data);
          var before = {};
          var checked = {};
          tbody.querySelectorAll("tr[data-number]").forEach(function (row) {
            before[row.getAttribute("data-number")] = row.getAttribute("data-status");
          });
          tbody.querySelectorAll("input[name=numbers]:checked").forEach(function (box) {
            checked[box.value] = true;
          });
          tbody.innerHTML = data.rows;
          tbody.querySelectorAll("tr[data-number]").forEach(function (row) {
            var number = row.getAttribute("data-number");
            if (!(number in before)) {
              row.classList.add("row-new");
            } else if (before[number] !== row.getAttribute("data-status")) {
              row.classList.add("row-changed");
            }
            var box = row.querySelector("input[name=numbers]");
            if (box && checked[number]) { box.checked = true; }
          });
          var any = tbody.querySelector("tr[data-number]") !== null;
          table.hidden = !any;
          if (emptyNote) { emptyNote.hidden = any; }
          if (countNote) { countNote.textContent = data.count; }
          Object.keys(data.counts).forEach(function (slug) {
            var badge = document.querySelector('[data-queue="' + slug + '"] .queue-count');
            if (badge && data.counts[slug] !== null) { badge.textContent = data.counts[slug]; }
          });
          poll();
        }).catch(function () { /* the next refresh tries again */ });
    };
    window.setInterval(refresh, LIVE_INTERVAL);
    bellPolled = true;
  }

  var bell = document.getElementById("notifications-item");
  if (bell && !bellPolled && bell.getAttribute("data-live-url")) {
    window.setInterval(function () {
      fetch(bell.getAttribute("data-live-url"), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(bellUpdate).catch(function () { /* the next poll tries again */ });
    }, LIVE_INTERVAL);
  }
})();

// Reply templates (定型文): choosing one puts its text in the reply box (at the cursor, or in
// place of an empty box) and, for a request for logs, ticks お客様回答待ち. Alt+T goes to it; on
// the closed list the arrow keys move between templates and Enter inserts the one shown (a
// browser fires "change" on every arrow there, which must not insert); a choice made in the
// opened list (a click, or Enter in it) inserts at once.
(function () {
  "use strict";
  var picker = document.getElementById("reply-template");
  if (!picker) { return; }
  var target = document.getElementById(picker.getAttribute("data-target"));
  var flag = document.getElementById(picker.getAttribute("data-flag"));
  var MOVES = ["ArrowDown", "ArrowUp", "Home", "End", "PageDown", "PageUp"];
  var moving = false;
  function insert() {
    var option = picker.options[picker.selectedIndex];
    var text = option && option.getAttribute("data-body");
    if (!text || !target) { return; }
    if (!target.value.trim()) {
      target.value = text;
    } else {
      var start = target.selectionStart, end = target.selectionEnd;
      target.value = target.value.slice(0, start) + text + target.value.slice(end);
    }
    if (flag && option.getAttribute("data-requests-information") === "1") { flag.checked = true; }
    picker.selectedIndex = 0;
    target.focus();
    target.dispatchEvent(new Event("input", { bubbles: true }));
  }
  picker.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      moving = false;
      insert();
      return;
    }
    // Alt+ArrowDown opens the list: what is chosen there inserts on its own "change".
    moving = !event.altKey && (MOVES.indexOf(event.key) >= 0 || event.key.length === 1);
  });
  picker.addEventListener("mousedown", function () { moving = false; });
  picker.addEventListener("change", function () {
    if (moving) { moving = false; return; }
    insert();
  });
  document.addEventListener("keydown", function (event) {
    if (event.altKey && (event.key === "t" || event.key === "T" || event.code === "KeyT")) {
      event.preventDefault();
      picker.focus();
    }
  });
})();
