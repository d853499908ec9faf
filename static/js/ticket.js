// Ticket page behaviour that htmx attributes cannot express. No inline script: the CSP forbids it.
(function () {
  "use strict";

  // Mail HTML is shown in sandboxed, same-origin frames without scripts; size each to its content.
  function fit(frame) {
    try {
      var doc = frame.contentDocument;
      if (doc && doc.body) {
        frame.style.height = Math.min(doc.documentElement.scrollHeight + 4, 4000) + "px";
      }
    } catch (error) {
      // A frame we cannot read keeps its CSS height.
    }
  }
  function watchFrames(root) {
    root.querySelectorAll("iframe.email-html").forEach(function (frame) {
      frame.addEventListener("load", function () { fit(frame); });
      if (frame.contentDocument && frame.contentDocument.readyState === "complete") { fit(frame); }
    });
  }

  // Presence: "editing" while a draft or note field has focus, "viewing" otherwise.
  function setMode(mode) {
    var input = document.getElementById("presence-mode");
    if (input) { input.value = mode; }
  }
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("textarea, [data-editing]")) { setMode("editing"); }
  });
  document.addEventListener("focusout", function (event) {
    if (event.target.matches && event.target.matches("textarea, [data-editing]")) { setMode("viewing"); }
  });

  // Leaving the page tells the server at once, so the others do not see this view for another
  // fifteen seconds. A page restored from the back/forward cache is a new view with a new id.
  window.addEventListener("pagehide", function () {
    var form = document.getElementById("presence");
    if (form && form.dataset.leave && navigator.sendBeacon) {
      navigator.sendBeacon(form.dataset.leave, new FormData(form));
    }
  });
  window.addEventListener("pageshow", function (event) {
    var input = document.querySelector("#presence input[name=view]");
    if (event.persisted && input && window.crypto) {
      var bytes = new Uint8Array(12);
      window.crypto.getRandomValues(bytes);
      // The next heartbeat (within seconds) announces the new view.
      input.value = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    }
  });

  // Buttons that ask before acting (data-confirm) use the browser's own dialog.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) { event.preventDefault(); event.stopImmediatePropagation(); }
  }, true);

  document.addEventListener("DOMContentLoaded", function () { watchFrames(document); });
  document.addEventListener("htmx:afterSettle", function (event) { watchFrames(event.target); });
})();

// The undo window's countdown ("Sending in 8 s"); the server decides, this only counts.
(function () {
  "use strict";
  function tick() {
    document.querySelectorAll("[data-countdown]").forEach(function (element) {
      var left = Math.max(0, Math.round((Date.parse(element.dataset.countdown) - Date.now()) / 1000));
      element.textContent = element.dataset.template.replace("{seconds}", String(left));
    });
  }
  window.setInterval(tick, 1000);
})();
