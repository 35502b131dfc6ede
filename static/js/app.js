// Small progressive enhancements; every page works without this file.

// The header menu and the two-click confirmations (Delete…, Withdraw…, Leave…, Decline…)
// are <details>: they open and close without JavaScript. These make them behave like
// other menus and dialogs: Escape closes them (focus back on their button), and a click
// anywhere else closes the menu.
const CLOSED_BY_ESCAPE = ["site-menu", "confirm-box", "decline-box"]
  .map((name) => `details.${name}[open]`)
  .join(", ");
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  document.querySelectorAll(CLOSED_BY_ESCAPE).forEach((box) => {
    const held = box.contains(document.activeElement);
    box.open = false;
    if (held || box.matches(".site-menu")) box.querySelector("summary").focus();
  });
});
document.addEventListener("click", (event) => {
  document.querySelectorAll("details.site-menu[open]").forEach((menu) => {
    if (!menu.contains(event.target)) menu.open = false;
  });
});

// Skill pickers: a filter box narrows a long list of checkboxes (the chosen ones stay).
document.querySelectorAll("[data-picker]").forEach((picker) => {
  const filter = picker.querySelector("[data-picker-filter]");
  const labels = picker.querySelectorAll(".picker-choices label");
  filter.hidden = false;
  filter.addEventListener("input", () => {
    const text = filter.value.trim().toLowerCase();
    labels.forEach((label) => {
      const chosen = label.querySelector("input").checked;
      label.hidden = Boolean(text) && !chosen && !label.textContent.toLowerCase().includes(text);
    });
  });
});

// The propose page: a mentor picked among the suggestions is named under "Who can help" at
// once, and the one marked as the choice before is no longer marked. Every redraw from the
// server says the same (and moves the pick's radio under "Who can help").
document.addEventListener("change", (event) => {
  const radio = event.target;
  if (!radio.matches(".proposal-form input[name=mentor]")) return;
  const name = document.createElement("strong");
  name.textContent = radio.dataset.name;
  document.getElementById("mentor-summary").replaceChildren("Your mentor: ", name);
  document.querySelectorAll("[data-chosen-mentor]").forEach((item) => {
    item.hidden = item.dataset.chosenMentor !== radio.value;
  });
});

// The report's filters, in the capture phase, before htmx sends the form on the same
// change: a preset period picked clears the From and To dates, which would otherwise keep
// the period custom (typed dates are custom dates); "Custom dates", or one date typed,
// waits for both dates instead of asking at once (the answer would be that a custom
// period needs both dates), the focus on the missing one. Show still sends the form.
document.addEventListener(
  "change",
  (event) => {
    const changed = event.target;
    const form = changed.closest("[data-report-filters]");
    if (!form) return;
    const dates = [...form.querySelectorAll("input[name=start], input[name=end]")];
    if (changed.matches("select[name=period]") && changed.value !== "custom") {
      dates.forEach((input) => {
        input.value = "";
      });
      return;
    }
    const missing = dates.find((input) => !input.value);
    const custom = changed.matches("select[name=period]") || dates.includes(changed);
    if (custom && missing) {
      event.stopPropagation(); // htmx, listening on the form, does not hear it
      if (!dates.includes(changed)) missing.focus();
    }
  },
  true,
);

// When htmx redraws the part of the page that held the focus ("+ Add a goal", a row's
// Remove, a card's Accept or Decline, Log meeting), the focus would fall to the page's
// start and the next Tab would begin at the top. It goes instead, in the redrawn part, to
// the field the server marked autofocus (the row just added), else the first field in
// error, else its first message (an error, "You accepted…"), else the part itself.
let focusWasIn = null;
document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  focusWasIn = target && target.id && target.contains(document.activeElement) ? target.id : null;
});
document.addEventListener("htmx:afterSettle", () => {
  const part = focusWasIn && document.getElementById(focusWasIn);
  focusWasIn = null;
  if (!part || (document.activeElement && document.activeElement !== document.body)) return;
  const order = ["[autofocus]", "[aria-invalid='true']", "[role='alert']", "[role='status']"];
  const next = order.map((selector) => part.querySelector(selector)).find(Boolean) || part;
  if (!next.matches("a[href], button, input, select, textarea, [tabindex]")) {
    next.setAttribute("tabindex", "-1");
  }
  next.focus();
});

// Enter in a search box inside the propose form (a mentor, a peer) searches, redrawing
// its part, instead of sending the whole form back (the page would return at its top).
document.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || !event.target.matches(".inline-search input")) return;
  event.preventDefault();
  htmx.trigger(event.target, "search");
});
