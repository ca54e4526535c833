// A rule's condition or action shows the fields of the type chosen, as soon as it is chosen.
// The page already shows those of the type it came with; without this script, "Show its
// fields" sends the form back with the new type (this script removes those buttons).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form button.choose").forEach(function (button) { button.remove(); });
  document.querySelectorAll("form fieldset select[name$='-type']").forEach(function (select) {
    var show = function () {
      select.closest("fieldset").querySelectorAll(".field[data-types]").forEach(function (field) {
        field.hidden = field.dataset.types.split(" ").indexOf(select.value) < 0;
      });
    };
    select.addEventListener("change", show);
    show();
  });
});
