"""Controls say when they cannot work yet: the page's controls while Python downloads.

Until Python's first call (``boot()`` in static/apply.js), every control only Python
serves is marked as waiting (``aria-disabled``, described by #controls-waiting) and does
nothing; the theme toggle and the language links work without Python. The lookup field
takes typing at any time: Enter does not navigate, the field says the answer comes once
the page has started, and what it holds is answered when Python starts, without pressing
anything again. After a failed boot Python's controls and the lookup are hidden.

The runtime's wasm is held by the server (tools/serve.py's ``hold`` fault) while the
waiting page is checked, then released. Firefox and WebKit run the same probes
(``tests/support/controls.py``) in tests/engines/test_engines.py.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from app.model.format import FallbackFormatter
from app.model.page_state import PageState, SourceKind
from app.model.snapshot import Snapshot, parse_ack
from app.model.ui_state import UiState
from app.render.last_known import STORAGE_KEY, snapshot_payload
from app.render.page import PageView
from tests.support import ROOT, english, messages
from tests.support.controls import (
    CONTROLS,
    HELD_RUNTIME,
    PYTHONS_CONTROLS,
    THEME,
    WAITING_ID,
    in_page,
)
from tests.support.pages import BOOT_TIMEOUT_MS, READY, Watched
from tests.support.site import FAST_FAIL, Served, built_site, serve

pytestmark = pytest.mark.browser

EN = messages("en")
DEGRADED: list[dict[str, Any]] = json.loads((ROOT / "mock" / "degraded.json").read_text())
# (guild >> 22) % 16 == 1: cluster 0's shard 1 in mock/degraded.json (tests/unit/test_lookup.py).
GUILD = 1174109841002598546
FOUND = EN["lookup.found"].split(":")[0].format(shard=1, cluster=0)
FAILED = "html[data-boot=failed]"


@pytest.fixture
def held(sites_dir: Path) -> Iterator[Served]:
    """The preview site behind a server that holds the runtime's wasm until released."""
    served = serve(built_site(sites_dir, STATUSPAGE_MOCK="always"), faults=[HELD_RUNTIME])
    yield served
    served.close()


@pytest.fixture
def stalled(sites_dir: Path) -> Iterator[Served]:
    """The fast-failing preview site behind a server whose wasm never finishes."""
    served = serve(built_site(sites_dir, **FAST_FAIL), faults=[("*/pyodide.asm.wasm", "stall")])
    yield served
    served.close()


def waiting_page(watched: Watched, url: str) -> dict[str, Any]:
    """Open ``url`` while the runtime is held; the controls as the parsed page has them."""
    watched.page.goto(url, wait_until="domcontentloaded")
    state: dict[str, Any] = in_page(watched.page, CONTROLS)
    assert state["boot"] == "loading", state
    return state


def pythons(state: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in state["controls"] if c["id"] != "theme-toggle"]


def is_waiting(control: dict[str, Any]) -> bool:
    return control["disabled"] == "true" and WAITING_ID in (control["describedby"] or "").split()


def test_controls_wait_marked_while_python_downloads_then_work(
    held: Served, watched: Watched
) -> None:
    """While the wasm is held: Python's controls are marked and inert, the theme toggle
    works, a lookup typed and entered stays on the page and says when it is answered.
    Once Python runs: the marks are gone, the lookup is answered without pressing
    anything, the controls work, and Python took over the theme chosen meanwhile."""
    page = watched.page
    state = waiting_page(watched, f"{held.url}/?scenario=degraded")
    assert {c["id"] for c in pythons(state)} >= set(PYTHONS_CONTROLS)
    assert all(is_waiting(c) for c in pythons(state)), pythons(state)
    assert state["waiting"] == EN["boot.controls_waiting"]
    description = page.evaluate(
        "id => document.getElementById(id).getAttribute('aria-describedby')", "problems-only"
    )
    assert description == WAITING_ID
    # What assistive technology hears: the hidden sentence describes each of them.
    for control in PYTHONS_CONTROLS:
        expect(page.locator(f"#{control}")).to_have_accessible_description(
            EN["boot.controls_waiting"]
        )
    # Pressed anyway (a real click, past Playwright's own aria-disabled check): nothing.
    page.click("#problems-only", force=True)
    assert page.get_attribute("#problems-only", "aria-pressed") == "false"

    # The theme toggle is not Python's: it works now, and says so.
    (theme,) = [c for c in state["controls"] if c["id"] == "theme-toggle"]
    assert not is_waiting(theme) and state["theme"] is None
    page.click("#theme-toggle")
    state = in_page(page, CONTROLS)
    assert (state["theme"], state["themePressed"]) == ("dark", "true")

    # Typed early, then Enter: no navigation, the text stays, the field says when.
    page.fill("#guild-input", str(GUILD))
    page.wait_for_function(
        "text => document.getElementById('lookup-result').textContent === text",
        arg=EN["lookup.until_started"],
    )
    page.evaluate("""() => { window.stayed = true;
        addEventListener('submit', e => { window.prevented = e.defaultPrevented; },
                         {once: true}); }""")
    page.press("#guild-input", "Enter")
    assert page.evaluate("[window.prevented, window.stayed]") == [True, True]
    state = in_page(page, CONTROLS)
    assert (state["field"], state["result"]) == (str(GUILD), EN["lookup.until_started"])
    assert state["search"] == "?scenario=degraded"
    assert state["boot"] == "loading"

    held.release_held()
    page.wait_for_selector(READY, state="attached", timeout=BOOT_TIMEOUT_MS)
    state = in_page(page, CONTROLS)
    assert not any(is_waiting(c) or WAITING_ID in (c["describedby"] or "") for c in pythons(state))
    assert page.get_attribute("#watch", "aria-describedby") == "watch-status"
    # Answered without pressing anything: the shard marked, said, and put in the URL.
    found = page.eval_on_selector_all("[data-found]", "els => els.map(e => e.dataset.shardId)")
    assert found == ["1"]
    assert state["result"].startswith(FOUND + ":"), state["result"]
    assert f"guild={GUILD}" in state["search"] and state["field"] == str(GUILD)
    # The controls work, and the theme chosen before Python is Python's now.
    page.click("#problems-only")
    page.wait_for_selector("#problems-only[aria-pressed=true]", state="attached")
    assert page.get_attribute("#theme-toggle", "aria-pressed") == "true"
    in_page(page, THEME)
    page.wait_for_selector("html[data-theme=light]", state="attached")
    assert page.evaluate("localStorage.getItem('statuspage-theme')") == "light"
    watched.assert_clean()


def last_known_payload(site: Path) -> str:
    """The last known status as a live visit to ``site`` would have stored it just now:
    mock/degraded.json rendered by the page's own view (with fold and filter buttons)."""
    html = (site / "index.html").read_text(encoding="utf-8")
    match = re.search(r'id="statuspage-config">(.*?)</script>', html)
    assert match
    version = json.loads(match.group(1))["version"]
    now_ms = time.time() * 1000
    snapshot = parse_ack({"success": True, "data": DEGRADED}, now_ms)
    assert isinstance(snapshot, Snapshot)
    view = PageView(english(), FallbackFormatter("en"))
    state = PageState.initial(15.0).with_snapshot(snapshot, SourceKind.LIVE, now_ms)
    view.render(state, UiState(), now_ms)
    payload = snapshot_payload(view.rendered(), saved_at_ms=now_ms, locale="en", version=version)
    assert payload is not None
    return payload


def test_controls_the_last_known_status_painted_wait_too(held: Served, watched: Watched) -> None:
    """A returning visit paints the last known status before Python (fold and legend
    buttons among it): those wait like the page's own, and are live once Python runs."""
    seed = json.dumps(last_known_payload(held.root))
    watched.page.add_init_script(f"localStorage.setItem({json.dumps(STORAGE_KEY)}, {seed});")
    state = waiting_page(watched, f"{held.url}/?scenario=degraded")
    assert watched.page.evaluate("window.statuspageLastKnown.shown") is True
    painted = {c["action"] for c in pythons(state)}
    assert {"fold", "filter-state"} <= painted, painted
    assert all(is_waiting(c) for c in pythons(state)), pythons(state)
    held.release_held()
    watched.page.wait_for_selector(READY, state="attached", timeout=BOOT_TIMEOUT_MS)
    state = in_page(watched.page, CONTROLS)
    assert {"fold", "filter-state"} <= {c["action"] for c in pythons(state)}
    assert not any(WAITING_ID in (c["describedby"] or "") for c in state["controls"])


def test_after_a_failed_boot_pythons_controls_are_hidden_the_rest_works(
    stalled: Served, watched: Watched
) -> None:
    """The wasm never finishes: once the page says it could not start, Python's controls
    and the lookup are gone; Reload, the language links and the theme toggle remain."""
    page = watched.page
    page.goto(stalled.url + "/")
    page.wait_for_selector(FAILED, state="attached", timeout=BOOT_TIMEOUT_MS)
    state = in_page(page, CONTROLS)
    assert {c["id"] for c in pythons(state)} >= set(PYTHONS_CONTROLS)
    assert not any(c["shown"] for c in pythons(state)), pythons(state)
    assert state["lookup"]["shown"] is False
    assert page.is_visible("#boot-reload")
    assert page.locator("a[data-locale]:visible").count() == 4
    page.click("#theme-toggle")
    page.wait_for_selector("html[data-theme=dark]", state="attached")
    assert page.get_attribute("#theme-toggle", "aria-pressed") == "true"
