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
