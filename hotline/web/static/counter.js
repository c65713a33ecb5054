// A live character counter for long text fields: <textarea data-maxchars="10000">.
// It counts characters as the server does (code points, CRLF as one) and, over the limit,
// says so and blocks the submit; nothing is ever cut.  The words come from the page
// (data-unit / data-over on the counter element), so they follow the console language.
(function () {
  function count(text) { return Array.from(text.replace(/\r\n/g, "\n")).length; }
  function wire(area) {
    var max = parseInt(area.getAttribute("data-maxchars"), 10);
    var box = document.getElementById(area.id + "-count");
    if (!max || !box || area.dataset.counterWired) { return; }
    area.dataset.counterWired = "1";
    var unit = box.getAttribute("data-unit") || "";
    var overText = box.getAttribute("data-over") || "";
    function update() {
      var n = count(area.value);
      var over = n - max;
      box.textContent = n + " / " + max + unit + (over > 0 ? " — " + overText.replace("{n}", over) : "");
      box.classList.toggle("over", over > 0);
      area.setCustomValidity(over > 0 ? overText.replace("{n}", over) : "");
    }
    area.addEventListener("input", update);
    update();
  }
  function wireAll(root) {
    (root || document).querySelectorAll("textarea[data-maxchars]").forEach(wire);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", function () { wireAll(); }); }
  else { wireAll(); }
  document.addEventListener("htmx:afterSwap", function (evt) { wireAll(evt.detail.target); });
})();
