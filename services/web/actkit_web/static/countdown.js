// Counts down every element with data-countdown="<seconds>" once a second, then reloads the page.
document.addEventListener("DOMContentLoaded", () => {
  for (const element of document.querySelectorAll("[data-countdown]")) {
    let left = Number(element.dataset.countdown);
    const timer = setInterval(() => {
      left = Math.max(0, left - 1);
      element.textContent = String(left);
      if (left === 0) { clearInterval(timer); window.location.reload(); }
    }, 1000);
  }
});
