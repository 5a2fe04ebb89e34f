"use strict";
// Runs in <head> before first paint: applies the remembered theme choice so the page
// never flashes the wrong colours. The toggle itself is wired up from Python.
(() => {
  try {
    const choice = localStorage.getItem("statuspage-theme");
    if (choice === "light" || choice === "dark") document.documentElement.dataset.theme = choice;
  } catch (_) { /* storage disabled: follow prefers-color-scheme */ }
})();
