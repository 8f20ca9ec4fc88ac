/* Keyboard shortcuts, click-to-reveal and small form helpers for the facetrade review app.
   Loaded from a file (the Content-Security-Policy forbids inline script). */
(function () {
  "use strict";

  function typing(target) {
    if (!target) return false;
    var tag = (target.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function submit(id) {
    var form = document.getElementById(id);
    if (form) form.requestSubmit();
    return !!form;
  }

  function toggleHelp(force) {
    var help = document.getElementById("help");
    if (help) help.hidden = force === undefined ? !help.hidden : !force;
  }

  function move(selector, step, onto) {
    var items = Array.prototype.slice.call(document.querySelectorAll(selector));
    if (!items.length) return;
    var current = items.findIndex(function (el) { return el.classList.contains("selected"); });
    var next = Math.max(0, Math.min(items.length - 1, current + step));
    if (current < 0) next = step > 0 ? 0 : items.length - 1;
    items.forEach(function (el) { el.classList.remove("selected"); });
    items[next].classList.add("selected");
    items[next].scrollIntoView({block: "nearest"});
    if (onto) items[next].focus({preventScroll: true});
  }

  function onQueueKey(key) {
    if (key === "j") move("#queue-table tr.row", 1, false);
    else if (key === "k") move("#queue-table tr.row", -1, false);
    else if (key === "Enter") {
      var row = document.querySelector("#queue-table tr.row.selected");
      if (row) window.location.assign(row.getAttribute("data-href"));
      else return false;
    } else return false;
    return true;
  }

  function onItemKey(key) {
    if (key === "1") return submit("decide-violation");
    if (key === "2") {
      var reason = document.getElementById("not-reason");
      if (reason && !reason.value) { reason.focus(); return true; }
      return submit("decide-not");
    }
    if (key === "3") return submit("decide-escalate");
    if (key === "s") return submit("skip-form");
    if (key === "j") { move(".nav-section", 1, true); return true; }
    if (key === "k") { move(".nav-section", -1, true); return true; }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "Escape") { toggleHelp(false); return; }
    if (event.key === "?") { toggleHelp(); event.preventDefault(); return; }
    var page = document.body.getAttribute("data-page");
    var handled = page === "queue" ? onQueueKey(event.key) : page === "item" ? onItemKey(event.key) : false;
    if (handled) event.preventDefault();
  });

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function revealImages(form) {
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: {"X-CSRF-Token": csrfToken(), "X-Requested-With": "fetch"}
    }).then(function (response) {
      if (!response.ok) throw new Error("reveal refused: " + response.status);
      document.querySelectorAll("img.blurred").forEach(function (img) { img.classList.remove("blurred"); });
      form.hidden = true;
    }).catch(function () { form.submit(); });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.classList.contains("reveal-images")) { event.preventDefault(); revealImages(form); return; }
    if (form.classList.contains("decide-form")) {
      var note = document.getElementById("note");
      var hidden = form.querySelector('input[type="hidden"][name="note"]');
      if (note && hidden) hidden.value = note.value;
    }
    if (form.dataset.sent) { event.preventDefault(); return; }  // no double decisions
    form.dataset.sent = "1";
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-help-toggle]")) { toggleHelp(); return; }
    if (target.matches && target.matches("img.blurred")) {
      var form = document.querySelector("form.reveal-images");
      if (form) revealImages(form);
    }
    var row = target.closest && target.closest("#queue-table tr.row");
    if (row && target.tagName !== "A") window.location.assign(row.getAttribute("data-href"));
  });
})();
