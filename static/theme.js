"use strict";
// Runs in <head> before first paint: applies the remembered theme choice so the page
// never flashes the wrong colours.
(() => {
  const THEME_KEY = "statuspage-theme";
  try {
    const choice = localStorage.getItem(THEME_KEY);
    if (choice === "light" || choice === "dark") document.documentElement.dataset.theme = choice;
  } catch (_) { /* storage disabled: follow prefers-color-scheme */ }

  // The toggle works before Python runs, and when it cannot start: until Python's first
  // call (<html data-boot="running">, static/boot-status.js) this serves it, keeping the
  // choice where Python reads it at boot (data-theme; boot() in static/apply.js). From
  // then on Python serves it (app/reducer.py) and draws it (app/render/regions/header.py).
  const html = document.documentElement;
  const pythonServes = () => html.dataset.boot === "running";
  const dark = () => (html.dataset.theme
    ? html.dataset.theme === "dark" : matchMedia("(prefers-color-scheme: dark)").matches);
  let messages = null;
  const t = key => {
    try { messages ??= JSON.parse(document.getElementById("statuspage-messages").textContent); }
    catch (_) { messages = {}; }
    return messages[key] ?? "";
  };
  function show() {
    const button = document.getElementById("theme-toggle");
    if (!button || pythonServes()) return;
    button.setAttribute("aria-pressed", dark() ? "true" : "false");
    button.title = t(dark() ? "theme.to_light" : "theme.to_dark");
  }
  document.addEventListener("click", event => {
    if (pythonServes() || event.target?.closest?.("#theme-toggle") == null) return;
    const theme = dark() ? "light" : "dark";
    html.dataset.theme = theme;
    try { localStorage.setItem(THEME_KEY, theme); } catch (_) { /* this visit only */ }
    show();
  });
  document.addEventListener("DOMContentLoaded", show);
})();
// Until Python takes over the language links, make them keep the query (e.g. ?guild=…).
document.addEventListener("DOMContentLoaded", () => {
  if (!location.search) return;
  for (const link of document.querySelectorAll("a[data-locale]")) {
    link.setAttribute("href", link.getAttribute("href").split("?")[0] + location.search);
  }
});
