// "Get from system": send this computer's clock, in UTC, when the form is submitted.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("clock-from-system");
  form?.addEventListener("submit", () => {
    document.getElementById("clock-browser").value = new Date().toISOString();
  });
});
