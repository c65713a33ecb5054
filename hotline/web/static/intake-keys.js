// Keyboard-fast intake (hotline/web/templates/partials/intake_keys.html lists the keys):
//   Alt+1…6 the kind (in the select's order), Alt+U toggles urgency, Alt+A adopts every top suggestion
//   of the assistant panel (its first "采用" per field), Alt+C/T/D jump to the category, territory and
//   unit pickers' filter boxes (pinyin initials work there: static/picker.js), Ctrl+Enter submits.
// Keys are read from e.code so they do not depend on the keyboard layout or an active IME.
(function () {
  if (window.hotlineIntakeKeys) { return; }
  window.hotlineIntakeKeys = true;
  var JUMP = {KeyC: "f-category", KeyT: "f-territory", KeyD: "f-lead"};

  function say(text) {
    var s = document.getElementById("intake-keys-status");
    if (s) { s.textContent = text; }
  }

  function set(select, value) {
    select.value = value;
    select.dispatchEvent(new Event("change", {bubbles: true}));
    select.classList.add("filled");
  }

  function adopt() {
    var done = {};
    document.querySelectorAll("#suggestions [data-fill]").forEach(function (b) {
      if (done[b.dataset.fill]) { return; }
      done[b.dataset.fill] = true;
      b.click();  // the page's own "采用" handler fills the field (with its fallback)
    });
    return Object.keys(done).length;
  }

  document.addEventListener("keydown", function (e) {
    var form = document.getElementById("intake-form");
    if (!form) { return; }
    if (e.ctrlKey && e.key === "Enter") {
      e.preventDefault();
      form.requestSubmit();
      return;
    }
    if (!e.altKey || e.ctrlKey || e.metaKey) { return; }
    var kind = document.getElementById("f-kind");
    var digit = /^Digit([1-9])$/.exec(e.code);
    if (digit && kind) {
      var opt = kind.options[Number(digit[1])];  // options[0] is "请选择"
      if (opt) { e.preventDefault(); set(kind, opt.value); say(opt.textContent); }
      return;
    }
    if (e.code === "KeyU") {
      var u = document.getElementById("f-urgency");
      if (u) {
        e.preventDefault();
        set(u, u.value === "urgent" ? "normal" : "urgent");
        say(u.options[u.selectedIndex].textContent);
      }
    } else if (e.code === "KeyA") {
      e.preventDefault();
      var n = adopt();
      var st = document.getElementById("intake-keys-status");
      say(n && st ? (st.dataset.adopted || "") + " " + n : "");
    } else if (JUMP[e.code]) {
      var sel = document.getElementById(JUMP[e.code]);
      if (!sel) { return; }
      e.preventDefault();
      var box = sel.previousElementSibling;
      (box && box.classList.contains("picker-filter") ? box : sel).focus();
    }
  });
})();
