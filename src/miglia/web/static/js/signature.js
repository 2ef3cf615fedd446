// The signature pad of the hand-over page: a finger (or a mouse, a pen) draws on a small canvas; when the
// form is sent, the drawing goes with it as a PNG data URL (field "signature"), only if something was drawn.
// Without JavaScript the pad stays hidden and the hand-over is recorded unsigned.
// The site's Content-Security-Policy allows no inline style in the page: the canvas is styled from here.
(function () {
  "use strict";
  var MAX_CHARS = 200 * 1024; // what the server accepts (domain/items.py MAX_SIGNATURE_CHARS)

  function setUp(pad) {
    var canvas = pad.querySelector("canvas");
    var field = pad.querySelector("input[name=signature]");
    var state = pad.querySelector("[data-signature-state]");
    var form = pad.closest("form");
    var pen = canvas.getContext("2d");
    var drawn = false;
    var last = null;

    pad.hidden = false;
    canvas.style.width = "100%";
    canvas.style.maxWidth = "600px";
    canvas.style.aspectRatio = "3 / 1";
    canvas.style.background = "#fff";
    canvas.style.border = "2px dashed #8a8578";
    canvas.style.borderRadius = "8px";
    canvas.style.touchAction = "none"; // the finger draws; it does not scroll the page
    canvas.style.cursor = "crosshair";
    pen.lineWidth = 4;
    pen.lineCap = "round";
    pen.lineJoin = "round";
    pen.strokeStyle = "#14205a";

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return {
        x: ((event.clientX - box.left) * canvas.width) / box.width,
        y: ((event.clientY - box.top) * canvas.height) / box.height,
      };
    }

    function show() {
      state.textContent = drawn ? "Signed" : "Not signed";
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      last = point(event);
      pen.beginPath();
      pen.arc(last.x, last.y, pen.lineWidth / 2, 0, 2 * Math.PI);
      pen.fillStyle = pen.strokeStyle;
      pen.fill();
      drawn = true;
      show();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (last === null) return;
      var next = point(event);
      pen.beginPath();
      pen.moveTo(last.x, last.y);
      pen.lineTo(next.x, next.y);
      pen.stroke();
      last = next;
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
      canvas.addEventListener(name, function () {
        last = null;
      });
    });
    pad.querySelector("[data-clear]").addEventListener("click", function () {
      pen.clearRect(0, 0, canvas.width, canvas.height);
      drawn = false;
      field.value = "";
      show();
    });
    form.addEventListener("submit", function (event) {
      field.value = "";
      if (!drawn) return;
      var url = canvas.toDataURL("image/png");
      if (url.length > MAX_CHARS) {
        event.preventDefault();
        state.textContent = "The signature is too large: clear it and sign again, smaller.";
        return;
      }
      field.value = url;
    });
    show();
  }

  document.querySelectorAll("[data-signature]").forEach(setUp);
})();
