// Small behaviours for every page, wired by data attributes (no inline script, so the
// Content-Security-Policy can forbid it):
//   form[data-confirm]        asks before submitting
//   select[data-autosubmit]   submits its form when changed
//   input[data-select-all]    checks or unchecks every checkbox named by its value
//   button.copy[data-copy]    copies the text of the input with that id, then says
//                             data-copied ("Copied" in the page's language)
"use strict";

document.addEventListener("submit", function (e) {
  var form = e.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) { e.preventDefault(); }
});

document.addEventListener("change", function (e) {
  var t = e.target;
  if (t.matches("select[data-autosubmit]") && t.form) { t.form.submit(); }
  if (t.matches("input[data-select-all]")) {
    document.querySelectorAll('input[name="' + t.dataset.selectAll + '"]').forEach(function (c) {
      c.checked = t.checked;
    });
  }
});

document.addEventListener("click", function (e) {
  var b = e.target.closest("button.copy[data-copy]");
  if (!b) { return; }
  var input = document.getElementById(b.dataset.copy);
  input.select();
  var done = function () { b.textContent = b.dataset.copied || "Copied"; };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(input.value).then(done, function () {
      document.execCommand("copy"); done();
    });
  } else { document.execCommand("copy"); done(); }
});
