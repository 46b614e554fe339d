// Small behaviours for the clinic pages. No inline script anywhere: the CSP forbids it.
(function () {
  "use strict";

  // Show and hide "shown when" items from the list the server sends with each suggestion update.
  function applyVisibility() {
    var holder = document.getElementById("visibility");
    if (!holder) return;
    var hidden = new Set((holder.dataset.hidden || "").split(" ").filter(Boolean));
    document.querySelectorAll("[data-item]").forEach(function (el) {
      el.hidden = hidden.has(el.dataset.item);
    });
  }
  document.addEventListener("htmx:afterSettle", applyVisibility);

  // "Answer the rest No": every visible yes/no question of the section still unanswered becomes No,
  // then the form reports a change so the suggestions update as for a click.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-rest-no]");
    if (!button) return;
    var section = button.closest("fieldset");
    section.querySelectorAll("[data-item]:not([hidden])").forEach(function (item) {
      var no = item.querySelector('input[type=radio][value="no"]');
      var answered = item.querySelector('input[type=radio][value="yes"]:checked, input[type=radio][value="no"]:checked');
      if (no && !answered) no.checked = true;
    });
    dirty = true;
    button.form.dispatchEvent(new Event("change", { bubbles: true }));
  });

  // "Mark all as ordered": the common case in one click; each choice can still be changed.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-order-all]");
    if (!button) return;
    button.form.querySelectorAll('input[type=radio][value="ordered"]').forEach(function (radio) {
      radio.checked = true;
    });
  });

  // A clinician should never lose typed answers by navigating away by mistake.
  var dirty = false;
  document.addEventListener("input", function (event) {
    if (event.target.closest("form[data-warn-unsaved]")) dirty = true;
  });
  document.addEventListener("submit", function () { dirty = false; });
  document.addEventListener("answers:saved", function () { dirty = false; });

  // Enter in the signing password box signs (the form's first button would only save the decisions,
  // and a hurried clinician would believe the record signed).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !event.target.matches("input[name=password]")) return;
    var sign = event.target.form && event.target.form.querySelector("button[name=sign]");
    if (!sign) return;
    event.preventDefault();
    event.target.form.requestSubmit(sign);
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
})();
