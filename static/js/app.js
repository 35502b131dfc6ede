// Small progressive enhancements; every page works without this file.

// The header menu is a <details>: it opens and closes without JavaScript. These make it
// behave like other menus: Escape closes it (focus back on its button), so does a click
// anywhere else.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  document.querySelectorAll("details.site-menu[open]").forEach((menu) => {
    menu.open = false;
    menu.querySelector("summary").focus();
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

// The report's filters: a preset period picked clears the From and To dates, which would
// otherwise keep the period custom (typed dates are custom dates). In the capture phase,
// so the dates are gone before htmx sends the form on the same change.
document.addEventListener(
  "change",
  (event) => {
    const select = event.target;
    if (!select.matches("[data-report-filters] select[name=period]")) return;
    if (select.value === "custom") return;
    select.form.querySelectorAll("input[name=start], input[name=end]").forEach((input) => {
      input.value = "";
    });
  },
  true,
);
