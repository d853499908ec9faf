// Keyboard shortcuts (listed on /help/). They never fire while the user types in a field.
(function () {
  "use strict";

  function typing(target) {
    if (!target || !target.closest) { return false; }
    return Boolean(target.isContentEditable || target.closest("input, textarea, select, [contenteditable]"));
  }
  function click(selector) {
    var element = document.querySelector(selector);
    if (element && !element.disabled) { element.click(); return true; }
    return false;
  }
  function follow(selector) {
    var link = document.querySelector(selector);
    if (link && link.href) { window.location.assign(link.href); return true; }
    return false;
  }
  function focus(selector) {
    var element = document.querySelector(selector);
    if (element) { element.focus(); if (element.select) { element.select(); } return true; }
    return false;
  }

  // Inbox rows: j/k move a highlight, Enter or o opens the highlighted ticket. The highlight lives in
  // the page (class "selected"), so the inbox's auto-refresh can carry it over to the new rows.
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr.ticket-row")); }
  function move(step) {
    var list = rows();
    if (!list.length) { return false; }
    var current = list.findIndex(function (row) { return row.classList.contains("selected"); });
    if (current >= 0) { list[current].classList.remove("selected"); }
    current = Math.max(0, Math.min(list.length - 1, current + step));
    list[current].classList.add("selected");
    var link = list[current].querySelector("a");
    if (link) { link.focus(); }
    return true;
  }

  var actions = {
    "/": function () { return focus("#id_q"); },
    "j": function () { return move(1); },
    "k": function () { return move(-1); },
    "o": function () { return follow("tr.ticket-row.selected a"); },
    "n": function () { return follow("[data-shortcut=next]"); },
    "u": function () { return follow("[data-shortcut=inbox]"); },
    "m": function () { return click("[data-shortcut=assign-me]"); },
    "e": function () { return focus("[data-shortcut=edit-draft]"); },
    "a": function () { return click("[data-shortcut=approve]"); },
    "r": function () { return focus("[data-shortcut=reject-reason]"); },
    "?": function () { return follow("[data-shortcut=help]"); }
  };

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && typing(event.target)) { event.target.blur(); return; }
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      return;
    }
    var action = actions[event.key];
    if (action && action()) { event.preventDefault(); }
  });
})();
