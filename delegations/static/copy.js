// "Copy link" buttons: <button class="copy" data-copy="ID-of-a-readonly-input">.
document.querySelectorAll("button.copy").forEach(function (b) {
  b.addEventListener("click", function () {
    var input = document.getElementById(b.dataset.copy);
    input.select();
    var done = function () { b.textContent = "Copied"; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
    } else { document.execCommand("copy"); done(); }
  });
});
