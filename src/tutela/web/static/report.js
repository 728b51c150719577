// Progressive enhancement for the thank-you page: a "copy" button for the reference code.
// Without JavaScript the code is simply shown large, to write down or select.
(function () {
  document.querySelectorAll("button[data-copy]").forEach(function (btn) {
    if (!navigator.clipboard) return;
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var text = document.getElementById(btn.dataset.copy).textContent.trim();
      navigator.clipboard.writeText(text).then(function () { btn.textContent = btn.dataset.done; });
    });
  });
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
