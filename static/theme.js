"use strict";
// Runs in <head> before first paint: applies the remembered theme choice so the page
// never flashes the wrong colours. The toggle itself is wired up from Python.
(() => {
  try {
    const choice = localStorage.getItem("statuspage-theme");
    if (choice === "light" || choice === "dark") document.documentElement.dataset.theme = choice;
  } catch (_) { /* storage disabled: follow prefers-color-scheme */ }
})();
// Until Python takes over the language links, make them keep the query (e.g. ?guild=…).
document.addEventListener("DOMContentLoaded", () => {
  if (!location.search) return;
  for (const link of document.querySelectorAll("a[data-locale]")) {
    link.setAttribute("href", link.getAttribute("href").split("?")[0] + location.search);
  }
});
