// The spectators' vote: this browser's device token, made once and kept in its storage, is put into
// every vote form of the page (input name="device"). Without JavaScript or storage, the cookie alone.
(function () {
  "use strict";
  var token = "";
  try {
    token = window.localStorage.getItem("miglia.device") || "";
    if (!/^[A-Za-z0-9_-]{16,128}$/.test(token)) {
      var bytes = new Uint8Array(16);
      window.crypto.getRandomValues(bytes);
      token = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
      window.localStorage.setItem("miglia.device", token);
    }
  } catch (e) {
    return;
  }
  var inputs = document.querySelectorAll("form input[name=device]");
  for (var i = 0; i < inputs.length; i++) inputs[i].value = token;
})();
