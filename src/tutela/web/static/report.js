// Progressive enhancement for the public pages: a "copy" button for the reference code, a quick exit
// that leaves no "back" entry, focus on the error summary, and help now shown (and scrolled to) the
// moment an urgent category is chosen. Without JavaScript everything still works (CSS and the server).
(function () {
  document.querySelectorAll("button[data-copy]").forEach(function (btn) {
    if (!navigator.clipboard) return;
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var text = document.getElementById(btn.dataset.copy).textContent.trim();
      navigator.clipboard.writeText(text).then(function () { btn.textContent = btn.dataset.done; });
    });
  });
  // Quick exit: replace this page in the history, so "back" does not bring it up again.
  var exit = document.getElementById("quick-exit");
  if (exit) exit.addEventListener("click", function (ev) { ev.preventDefault(); window.location.replace(exit.href); });
  var help = document.getElementById("help-first") || document.getElementById("help-now");
  var summary = document.getElementById("error-summary");
  if (summary && !help) summary.focus();

  var form = document.getElementById("f-form");
  var box = document.getElementById("urgent-help");
  var country = document.getElementById("f-country");
  if (!form || !box || !country) return;
  var urgent = box.dataset.urgent.split(" ");
  function showCountry() {
    var key = country.value === "other" ? "" : country.value;
    box.querySelectorAll(".help-country").forEach(function (el) {
      el.classList.toggle("shown", el.dataset.country === key);
    });
  }
  form.addEventListener("change", function (ev) {
    if (ev.target === country) showCountry();
    if (ev.target.name !== "category") return;
    var on = urgent.indexOf(ev.target.value) >= 0;
    box.classList.toggle("shown", on);
    if (on) box.scrollIntoView({ block: "start" });
  });
})();
