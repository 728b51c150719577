// Progressive enhancement for the public pages: a "copy" button for the reference code, a quick exit
// that leaves no "back" entry, focus on the error summary. Without JavaScript everything still works.
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
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
