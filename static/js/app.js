// Small progressive enhancements; every page works without this file.
document.addEventListener("keydown", (event) => {
  // Escape closes an open account menu.
  if (event.key === "Escape") {
    document.querySelectorAll("details.user-menu[open]").forEach((menu) => {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    });
  }
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
