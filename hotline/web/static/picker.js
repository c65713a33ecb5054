// Searchable pickers for the long unit (~100) and category (~190) selects.
// Each enhanced <select> gets a filter box in front of it: typing keeps only the options whose
// name or code contains the text (case-insensitive substring) or, where the page carries pinyin keys
// (<script id="picker-pinyin">: option code → initials and full pinyin, e.g. "cgj chengguanju" for
// 城管局), whose keys contain it; Enter or a single match selects.  The routing suggestion stored for the order (<script id="routing-suggested">) is moved
// to the top of its picker in its own group, and the "采用" buttons ([data-pick]) fill the picker.
// Plain JS, no dependency; the words come from <body data-picker-*> so they follow the language.
(function () {
  var NAMES = ["lead_unit", "co_units", "category_code", "unit", "category", "territory_code"];
  var PINYIN = null;

  function pinyin() {
    if (PINYIN === null) {
      var el = document.getElementById("picker-pinyin");
      try { PINYIN = el ? JSON.parse(el.textContent) : {}; } catch (e) { PINYIN = {}; }
    }
    return PINYIN;
  }

  function suggested() {
    var el = document.getElementById("routing-suggested");
    if (!el) { return null; }
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function putSuggestedFirst(select, codes, label) {
    if (!codes || !codes.length || select.querySelector("optgroup[data-suggested]")) { return; }
    var group = document.createElement("optgroup");
    group.label = label;
    group.setAttribute("data-suggested", "1");
    codes.forEach(function (code) {
      var opt = Array.prototype.find.call(select.options, function (o) { return o.value === code; });
      if (opt) {
        var copy = opt.cloneNode(true);
        copy.selected = opt.selected;  // a choice the server pre-filled (派单 to the suggestion) stays chosen
        copy.setAttribute("data-suggested", "1");
        group.appendChild(copy);
        opt.remove();
      }
    });
    if (!group.children.length) { return; }
    var first = select.options[0];
    var anchor = first && first.value === "" ? first.nextSibling : select.firstChild;
    select.insertBefore(group, anchor);
  }

  function enhance(select) {
    if (select.dataset.pickerWired || select.options.length < 12) { return; }
    select.dataset.pickerWired = "1";
    var body = document.body.dataset;
    var box = document.createElement("input");
    box.type = "search";
    box.className = "picker-filter";
    box.placeholder = body.pickerPlaceholder || "";
    // Named by its placeholder only, so the field's own label still names just the select.
    box.setAttribute("aria-label", body.pickerPlaceholder || body.pickerLabel || "");
    box.setAttribute("aria-controls", select.id || "");
    box.setAttribute("data-for", select.name);
    var none = document.createElement("div");
    none.className = "picker-none muted small";
    none.hidden = true;
    none.setAttribute("role", "status");
    none.textContent = body.pickerNone || "";
    select.parentNode.insertBefore(box, select);
    select.parentNode.insertBefore(none, select.nextSibling);

    function filter() {
      var q = box.value.trim().toLowerCase();
      var py = pinyin();
      var latin = /^[a-z]+$/.test(q);
      var visible = [];
      Array.prototype.forEach.call(select.options, function (o) {
        if (o.value === "") { o.hidden = false; return; }
        var hit = !q || o.textContent.toLowerCase().indexOf(q) >= 0 || o.value.toLowerCase().indexOf(q) >= 0 ||
          (latin && (py[o.value] || "").indexOf(q) >= 0);
        o.hidden = !hit;
        if (hit) { visible.push(o); }
      });
      select.querySelectorAll("optgroup").forEach(function (g) {
        g.hidden = !Array.prototype.some.call(g.children, function (o) { return !o.hidden; });
      });
      none.hidden = !q || visible.length > 0;
      if (!select.multiple && q && visible.length === 1) { choose(visible[0]); }
      return visible;
    }
    function choose(opt) {
      if (select.multiple) { opt.selected = true; } else { select.value = opt.value; }
      select.dispatchEvent(new Event("change", {bubbles: true}));
    }
    box.addEventListener("input", filter);
    box.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {
        e.preventDefault();  // Enter picks the first match rather than submitting a half-filled form
        var v = filter();
        if (v.length) { choose(v[0]); select.focus(); }
      }
    });
  }

  function wireAll(root) {
    var s = suggested();
    NAMES.forEach(function (name) {
      (root || document).querySelectorAll('select[name="' + name + '"]').forEach(function (sel) {
        if (s && s[name]) { putSuggestedFirst(sel, s[name], s.label || ""); }
        enhance(sel);
      });
    });
  }

  document.addEventListener("click", function (e) {
    var b = e.target.closest("[data-pick]");
    if (!b) { return; }
    var sel = document.querySelector('form select[name="' + b.dataset.pick + '"]');
    if (!sel) { return; }
    var box = sel.previousElementSibling;
    if (box && box.classList.contains("picker-filter") && box.value) { box.value = ""; box.dispatchEvent(new Event("input")); }
    sel.value = b.dataset.value;
    sel.dispatchEvent(new Event("change", {bubbles: true}));
    sel.scrollIntoView({block: "center"});
    sel.focus();
  });

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", function () { wireAll(); }); }
  else { wireAll(); }
  document.addEventListener("htmx:afterSwap", function (evt) { wireAll(evt.detail.target); });
})();
