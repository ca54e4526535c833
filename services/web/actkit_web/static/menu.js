// The main menu: on a wide screen open or closed as the person left it in this browser; on a
// narrow one (a tablet) closed at each page, since it then covers the page. Without this script
// the menu still shows and hides (details and summary), open at first.
(function () {
  var menu = document.getElementById("main-menu");
  if (!menu) return;
  var narrow = window.matchMedia("(max-width: 1023px)");
  var stored = localStorage.getItem("actkit-menu");
  menu.open = narrow.matches ? false : stored !== "closed";
  menu.addEventListener("toggle", function () {
    if (!narrow.matches) localStorage.setItem("actkit-menu", menu.open ? "open" : "closed");
  });
})();
