"""Probes for the controls that wait for Python (static/boot-status.js), in every engine.

Each probe is a JS function body (``return …``): the engine drivers of
``tests/support/engines.py`` run it as it is (``Engine.eval``), and Chromium's tests
through ``in_page`` (Playwright's ``page.evaluate`` takes a function). One set of probes,
so the three engines check the same things.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = [
    "CONTROLS",
    "ENTER",
    "HELD_RUNTIME",
    "PYTHONS_CONTROLS",
    "THEME",
    "WAITING_ID",
    "in_page",
    "type_lookup",
]

# The element that describes a waiting control (index.html), and the controls of
# index.html that only Python serves.
WAITING_ID = "controls-waiting"
PYTHONS_CONTROLS = ("watch", "problems-only", "fold-healthy", "copy-diagnostics")
# The runtime download a test holds (tools/serve.py's "hold" fault) until it releases it.
HELD_RUNTIME = ("*/pyodide.asm.wasm", "hold")

# Every [data-action] element (index.html's and any the last known status painted) and
# the lookup: whether each is marked as waiting, what describes it, whether it is shown.
CONTROLS = """const state = el => el && {
  disabled: el.getAttribute('aria-disabled'),
  describedby: el.getAttribute('aria-describedby'),
  shown: el.getClientRects().length > 0,
};
return {
  controls: [...document.querySelectorAll('[data-action]')].map(el => ({
    id: el.id, action: el.dataset.action, ...state(el) })),
  waiting: document.getElementById('controls-waiting')?.textContent ?? null,
  lookup: state(document.getElementById('lookup')),
  field: document.getElementById('guild-input').value,
  result: document.getElementById('lookup-result').textContent,
  boot: document.documentElement.dataset.boot,
  theme: document.documentElement.dataset.theme ?? null,
  themePressed: document.getElementById('theme-toggle').getAttribute('aria-pressed'),
  search: location.search,
};"""

# The lookup form submitted as Enter in its field submits it (implicit submission):
# whether the page prevented the navigation, seen by a listener that runs after the
# page's own (window, bubbling). ``window.stayed`` survives only in the same document.
ENTER = """window.stayed = true;
let prevented = null;
addEventListener('submit', event => { prevented = event.defaultPrevented; }, {once: true});
document.getElementById('lookup-form').requestSubmit();
return prevented;"""

# A press of the theme toggle.
THEME = "document.getElementById('theme-toggle').click(); return true;"


def type_lookup(text: str) -> str:
    """Text put into the lookup field as typing does (value, then an input event)."""
    return f"""const field = document.getElementById('guild-input');
field.value = {json.dumps(text)};
field.dispatchEvent(new InputEvent('input', {{bubbles: true, data: {json.dumps(text)}}}));
return true;"""


def in_page(page: Any, body: str) -> Any:
    """Run a probe in a Playwright page."""
    return page.evaluate(f"() => {{ {body} }}")
