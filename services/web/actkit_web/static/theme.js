// Light or dark theme: the person's choice, kept in this browser; else the system's.
(function () {
  var stored = localStorage.getItem("actkit-theme");
  var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  document.documentElement.dataset.theme = stored || (dark ? "dark" : "light");
  // Listened for on the document (this runs in the head), so a press the moment the page shows counts.
  document.addEventListener("click", function (event) {
    if (!(event.target instanceof Element) || !event.target.closest("#theme-toggle")) return;
    var next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
    document.documentElement.dataset.theme = next;
    localStorage.setItem("actkit-theme", next);
  });
})();
