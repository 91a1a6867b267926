// Book batch page: follows the batch's progress without reloading the page.
(function () {
  "use strict";
  var box = document.getElementById("batch-progress");
  if (!box) { return; }
  var bar = document.getElementById("batch-bar");
  var failedBox = document.getElementById("batch-failed");
  var download = document.getElementById("batch-download");
  var cancel = document.getElementById("cancel-batch");
  var failedSeen = box.getAttribute("data-failed");
  // the page's language: labels come from the page, not from this file
  var stateNames = {
    running: box.getAttribute("data-state-running"),
    finished: box.getAttribute("data-state-finished"),
    cancelled: box.getAttribute("data-state-cancelled")
  };
  var etaText = box.getAttribute("data-eta-text");

  function field(name, text) {
    var el = box.querySelector('[data-field="' + name + '"]');
    if (el) { el.textContent = text; }
  }

  function refreshFailed() {
    fetch(box.getAttribute("data-failed-url"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) { failedBox.innerHTML = html; } });
  }

  function show(p) {
    bar.value = p.percent;
    bar.textContent = p.percent + "%";
    field("percent", String(p.percent));
    ["done", "reused", "failed", "remaining", "total"].forEach(function (k) {
      field(k, String(p[k]));
    });
    field("state", stateNames[p.state] || p.state);
    field("eta", p.eta_seconds ? " · " + etaText.replace("{s}", String(p.eta_seconds)) : "");
    box.setAttribute("data-state", p.state);
    if (String(p.failed) !== failedSeen) {
      failedSeen = String(p.failed);
      refreshFailed();
    }
    if (p.state !== "running") {
      if (download) { download.hidden = false; }
      if (cancel) { cancel.closest("form").hidden = true; }
      // once, at the end: the list of finished books comes with the page
      if (!box.querySelector(".finished-books") && !document.querySelector(".finished-books")) {
        window.setTimeout(function () { window.location.reload(); }, 600);
      }
    }
  }

  function poll() {
    fetch(box.getAttribute("data-progress-url"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (p) {
        if (p) { show(p); }
        if (!p || p.state === "running") { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  if (box.getAttribute("data-state") === "running") { window.setTimeout(poll, 500); }
}());
