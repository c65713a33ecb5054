// Alt+letter shortcuts declared in the page: an element with data-hotkey="n" is followed (a link),
// focused (a field) or pressed (a button) on Alt+N.  Installed once, whatever swaps it in again
// (the call pop is polled).  The element says its shortcut to assistive technology itself
// (aria-keyshortcuts) and shows it in a <kbd>.
(function () {
  if (window.hotlineHotkeys) { return; }
  window.hotlineHotkeys = true;
  document.addEventListener("keydown", function (e) {
    if (!e.altKey || e.ctrlKey || e.metaKey || !/^Key[A-Z]$/.test(e.code)) { return; }
    var el = document.querySelector('[data-hotkey="' + e.code.slice(3).toLowerCase() + '"]');
    if (!el) { return; }
    e.preventDefault();
    if (el.tagName === "A") { window.location.assign(el.href); }
    else if (el.matches("input, select, textarea")) { el.focus(); }
    else { el.click(); }
  });
})();
