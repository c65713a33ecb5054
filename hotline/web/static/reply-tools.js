// The reply form's tools (hotline/phrases): insert a 常用语 (already filled for this order by the
// server) or a knowledge answer into the reply textarea at the cursor.  Event delegation, installed once.
(function () {
  if (window.hotlineReplyTools) { return; }
  window.hotlineReplyTools = true;

  function target(el) {
    var box = el.closest(".reply-tools");
    return box ? document.getElementById(box.dataset.target) : null;
  }

  function insert(area, text) {
    if (!area || !text) { return; }
    var start = area.selectionStart || 0, end = area.selectionEnd || 0, v = area.value;
    var sep = start > 0 && v.charAt(start - 1) !== "\n" ? "\n" : "";
    area.value = v.slice(0, start) + sep + text + v.slice(end);
    var at = start + sep.length + text.length;
    area.setSelectionRange(at, at);
    area.dispatchEvent(new Event("input", {bubbles: true}));
    area.dispatchEvent(new Event("change", {bubbles: true}));
    area.focus();
  }

  document.addEventListener("click", function (e) {
    var b = e.target.closest("[data-insert-from], [data-insert-template]");
    if (!b) { return; }
    var area = target(b);
    if (b.dataset.insertFrom) {
      var sel = document.getElementById(b.dataset.insertFrom);
      insert(area, sel && sel.value);
    } else {
      var tpl = document.getElementById(b.dataset.insertTemplate);
      insert(area, tpl && tpl.content.textContent.trim());
    }
  });
})();
