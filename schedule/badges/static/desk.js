// The badge desk: scan a QR code with the camera where the browser can
// (BarcodeDetector); typing the badge number always works without this file.
(function () {
  "use strict";
  var form = document.getElementById("desk-form");
  var input = document.getElementById("desk-badge");
  var button = document.getElementById("desk-scan");
  var video = document.getElementById("desk-camera");
  var note = document.getElementById("desk-camera-note");
  if (!form || !input) { return; }
  input.value = "";
  input.focus();
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) { return; }

  var stream = null;
  var detector = null;

  function stop() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
    stream = null;
    video.hidden = true;
  }

  function say(text) {
    note.textContent = text;
    note.hidden = !text;
  }

  function look() {
    if (!stream) { return; }
    detector.detect(video).then(function (codes) {
      if (codes.length) {
        input.value = codes[0].rawValue;
        stop();
        form.submit();
      } else {
        window.setTimeout(look, 200);
      }
    }).catch(function () { window.setTimeout(look, 400); });
  }

  window.BarcodeDetector.getSupportedFormats().then(function (formats) {
    if (formats.indexOf("qr_code") < 0) { return; }
    detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    button.hidden = false;
    button.addEventListener("click", function () {
      if (stream) { stop(); return; }
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } })
        .then(function (s) {
          stream = s;
          video.srcObject = s;
          video.hidden = false;
          say("");
          return video.play();
        })
        .then(look)
        .catch(function () { say(note.getAttribute("data-unavailable")); });
    });
  }).catch(function () { /* no detector: typing works */ });
})();
