// Review tools: a reveal counts toward the break reminder; videos unmuted only when the reviewer chose so.
(function () {
  "use strict";
  var prefs = document.getElementById("review-prefs");
  if (!prefs) return;
  document.querySelectorAll(".media video").forEach(function (v) {
    v.autoplay = false;
    v.muted = prefs.getAttribute("data-video-muted") !== "0";
  });
  var token = document.querySelector("input[name=csrf_token]");
  var reminder = document.getElementById("break-reminder");
  document.querySelectorAll(".media").forEach(function (fig) {
    var btn = fig.querySelector("button.reveal");
    if (!btn || !token) return;
    fig.addEventListener("click", function (ev) {  // after console.js's own handlers have toggled it
      if (ev.target !== btn && ev.target.tagName !== "IMG") return;
      if (!fig.classList.contains("revealed")) return;  // blurring again is not a hard item
      var body = new URLSearchParams({csrf_token: token.value, id: fig.getAttribute("data-evidence") || ""});
      fetch("/console/wellness/hard", {method: "POST", body: body, credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) {
          if (!s || !reminder) return;
          document.getElementById("break-text").textContent = s.text;
          if (s.due) reminder.hidden = false;
        })
        .catch(function () {});
    });
  });
})();
