// The inbox refreshes its results in place (htmx polls #inbox-results, see home.html) while the tab is
// visible, keeping the operator's filters (they are in the polled address), scroll position, the
// highlighted row and the focused ticket link. Without JavaScript the page is plain links and forms.
(function () {
  "use strict";

  var lastRefresh = Date.now();
  var kept = null;

  function results() { return document.getElementById("inbox-results"); }
  function isRefresh(event) { return event.detail && event.detail.elt === results() && event.detail.elt.hasAttribute("data-refresh-seconds"); }
  function rowOf(element) { return element && element.closest ? element.closest("tr.ticket-row") : null; }

  // No request while the tab is hidden: nobody would see it, and it costs the server.
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (isRefresh(event) && document.visibilityState !== "visible") { event.preventDefault(); }
  });

  // Remember what the operator had highlighted and focused, and put it back on the new rows.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!isRefresh(event)) { kept = null; return; }
    var selected = document.querySelector("tr.ticket-row.selected");
    var focused = rowOf(document.activeElement);
    kept = {
      selected: selected ? selected.dataset.ticket : null,
      focused: focused ? focused.dataset.ticket : null,
      x: window.scrollX,
      y: window.scrollY
    };
  });
  document.addEventListener("htmx:afterSwap", function () {
    lastRefresh = Date.now();
    if (!kept) { return; }
    var state = kept;
    kept = null;
    if (state.selected) {
      var row = document.querySelector('tr.ticket-row[data-ticket="' + state.selected + '"]');
      if (row) { row.classList.add("selected"); }
    }
    if (state.focused) {
      var link = document.querySelector('tr.ticket-row[data-ticket="' + state.focused + '"] a');
      if (link) { link.focus({ preventScroll: true }); }
    }
    window.scrollTo(state.x, state.y);
  });

  // Coming back to a tab whose list is older than one interval refreshes it at once.
  document.addEventListener("visibilitychange", function () {
    var element = results();
    if (!element || document.visibilityState !== "visible" || !window.htmx) { return; }
    var seconds = Number(element.dataset.refreshSeconds) || 30;
    if (Date.now() - lastRefresh >= seconds * 1000) { window.htmx.trigger(element, "inbox:refresh"); }
  });
})();
