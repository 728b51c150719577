// Review console enhancements: reveal media per item, keyboard shortcuts. Everything works without it.
(function () {
  "use strict";

  // Words in the reviewer's language, written by the server into the navigation (data-words).
  var nav = document.querySelector("[data-words]");
  var words = {};
  try { words = JSON.parse(nav ? nav.getAttribute("data-words") : "{}"); } catch (e) { words = {}; }
  var lang = document.documentElement.lang || "en";
  function w(key, fallback, n) {
    var text = words[key] || fallback;
    return n === undefined ? text : text.replace("{n}", n).replace("{t}", n);
  }
  // Persian is written with Persian digits.
  function digits(text) {
    return lang === "fa" ? String(text).replace(/[0-9]/g, function (d) { return "۰۱۲۳۴۵۶۷۸۹"[d]; }) : String(text);
  }

  // Reveal / blur one media item at a time.
  document.querySelectorAll(".media").forEach(function (fig) {
    var btn = fig.querySelector("button.reveal");
    var link = fig.querySelector("a.reveal-link");
    if (!btn) return;
    btn.hidden = false;
    if (link) link.hidden = true;
    var toggle = function () {
      var on = fig.classList.toggle("revealed");
      btn.setAttribute("aria-pressed", on ? "true" : "false");
      btn.textContent = on ? w("blur", "Blur") : w("reveal", "Reveal");
    };
    btn.addEventListener("click", toggle);
    var img = fig.querySelector("img");
    if (img) img.addEventListener("click", toggle);
  });

  // Times: the server writes UTC; show the reviewer's local time, and deadlines as a countdown.
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  // Persian dates in the Solar Hijri calendar (the browser's Intl knows it), as on the server.
  var persian = null;
  if (lang === "fa" && window.Intl) {
    try {
      persian = new Intl.DateTimeFormat("en-US-u-ca-persian", { year: "numeric", month: "numeric", day: "numeric" });
    } catch (e) { persian = null; }
  }
  function local(d) {
    var time = pad(d.getHours()) + ":" + pad(d.getMinutes());
    if (persian) {
      var p = {};
      persian.formatToParts(d).forEach(function (x) { p[x.type] = x.value; });
      return digits(parseInt(p.year, 10) + "/" + pad(+p.month) + "/" + pad(+p.day) + " " + time);
    }
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + time;
  }
  function span(ms) {
    var min = Math.round(Math.abs(ms) / 60000);
    var m = function (n) { return w("min", "{n} min", n); };
    var hr = function (n) { return w("h", "{n} h", n); };
    var out;
    if (min < 60) out = m(min);
    else if (min < 48 * 60) out = hr(Math.floor(min / 60)) + " " + m(min % 60);
    else out = w("d", "{n} d", Math.floor(min / 1440)) + " " + hr(Math.floor(min / 60) % 24);
    return digits(out);
  }
  function times() {
    var now = Date.now();
    document.querySelectorAll("time[data-local], time[data-countdown]").forEach(function (t) {
      var d = new Date(t.getAttribute("datetime"));
      if (isNaN(d)) return;
      t.title = t.getAttribute("datetime").replace("T", " ").slice(0, 16) + " UTC";
      if (t.hasAttribute("data-countdown")) {
        var left = d.getTime() - now;
        t.textContent = (left >= 0 ? w("in", "in {t}", span(left)) : w("ago", "{t} ago", span(left))) + " (" + local(d) + ")";
      } else {
        t.textContent = local(d);
      }
    });
  }
  times();
  setInterval(times, 60000);

  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.case-row"));
  var current = -1;
  function select(i) {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (r, n) { r.classList.toggle("current", n === current); });
    var link = rows[current].querySelector("a.case-link");
    if (link) link.focus();
  }
  function typing(el) {
    return el && (el.tagName === "INPUT" && el.type !== "checkbox" || el.tagName === "TEXTAREA" || el.tagName === "SELECT");
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(document.activeElement)) return;
    var help = document.getElementById("shortcuts");
    switch (ev.key) {
      case "j": select(current + 1); break;
      case "k": select(current - 1); break;
      case "o":
        if (current >= 0 && rows[current]) { window.location = rows[current].dataset.href; } else { return; }
        break;
      case "x":
        var box = current >= 0 && rows[current].querySelector("input[type=checkbox]");
        if (box) { box.checked = !box.checked; } else { return; }
        break;
      case "a":
        var assign = document.getElementById("assign-me");
        if (assign) assign.submit(); else return;
        break;
      case "v":
        var first = document.querySelector(".media button.reveal");
        if (first) first.click(); else return;
        break;
      case "r":
        var refer = document.querySelector("#refer-form input[type=checkbox]");
        if (refer) refer.focus(); else return;
        break;
      case "u": window.location = "/console"; break;
      case "?":
        if (help) { help.hidden = !help.hidden; if (!help.hidden) help.focus(); }
        break;
      case "Escape": if (help) help.hidden = true; return;
      default: return;
    }
    ev.preventDefault();
  });
})();
