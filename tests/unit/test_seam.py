"""The Python-JS seam, compared as data: static/apply.js and static/last-known.js, as the
build bundles them with app/seam.py's vocabulary, run under Node (jsdom) in the page's
own HTML, and what they do is compared with the Python side's declarations.

A command, an event field or a boot field renamed on one side only fails here, without a
browser, instead of silently doing nothing in the page.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, get_type_hints

import pytest

from app.model.format import RELATIVE_UNITS, FallbackFormatter, relative_unit
from app.model.page_state import PageState, SourceKind
from app.model.snapshot import Snapshot, parse_ack
from app.model.ui_state import UiState
from app.ports import UiEvent
from app.render.last_known import FORMAT, PAINTED, STORAGE_KEY, snapshot_payload
from app.render.page import PageView
from app.runtime.worker_host import WorkerHost
from app.seam import (
    LOOKUP_INPUT,
    LOOKUP_KIND,
    Action,
    Command,
    EventDescription,
    HostCall,
    PageAtBoot,
    PageKind,
    UiKind,
)
from tests.support import NOW, RecordingBrowser, english, make_controller, messages
from tests.support import grid_ack as ack
from tests.support.node import page_html, run_in_page, seam_for_js
from tests.support.trees import expand

APPLY = "static/apply.js"
LAST_KNOWN = "static/last-known.js"
VERSION = "1.0+seam"


def page(**storage: str) -> dict[str, Any]:
    return {
        "html": page_html({"version": VERSION}, messages("en")),
        "storage": storage,
    }


def in_page(probe: str, scripts: tuple[str, ...] = (LAST_KNOWN, APPLY), **storage: str) -> Any:
    p = page(**storage)
    return run_in_page(p["html"], scripts, probe, p["storage"], now_ms=NOW)


# -- apply.js --------------------------------------------------------------------------------


def test_apply_js_implements_every_declared_command_with_its_arity() -> None:
    implemented = in_page("window.statuspage.implemented")
    assert implemented == {c.spelling: c.arity for c in Command}


def test_the_runtime_sends_only_declared_commands() -> None:
    """Every command the Python side can queue is a ``Command`` (the recording browser
    checks each against its declared arity), and the page answers every host call."""
    host = in_page(
        "Object.keys(window.statuspage).filter(k => typeof window.statuspage[k] === 'function')"
    )
    calls = {
        HostCall.BOOT,
        HostCall.CONNECT,
        HostCall.RUN,
        HostCall.COPY,
        HostCall.REQUEST_NOTIFICATIONS,
    }
    assert {c.value for c in calls} <= set(host)
    for call in calls:  # the worker's host offers the same calls under the same names
        assert callable(getattr(WorkerHost, call.value)), call


def test_boot_answers_exactly_the_fields_python_reads() -> None:
    booted = json.loads(in_page("window.statuspage.boot()"))
    assert set(booted) == set(get_type_hints(PageAtBoot))
    assert booted["config"] == {"version": VERSION}
    assert booted["lang"] == "en" and booted["lastKnown"] is False


DESCRIBE = """(() => {
  const seen = [];
  window.statuspage.connect(description => seen.push(JSON.parse(description)));
  window.statuspage.run(JSON.stringify([
    ["listen", 1, "document", "click"], ["listen", 2, "document", "input"],
    ["listen", 3, "document", "submit"], ["listen", 4, "document", "keydown"],
  ]));
  const click = new MouseEvent("click", { bubbles: true, cancelable: true });
  document.getElementById("%(button)s").dispatchEvent(click);
  const field = document.getElementById("%(field)s");
  field.value = "123";
  field.dispatchEvent(new Event("input", { bubbles: true }));
  const submit = new Event("submit", { bubbles: true, cancelable: true });
  field.form.dispatchEvent(submit);
  const key = new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true, cancelable: true });
  document.body.dispatchEvent(key);
  return { seen, submitPrevented: submit.defaultPrevented, keyPrevented: key.defaultPrevented };
})()"""


def test_event_descriptions_carry_exactly_what_python_reads() -> None:
    """A click on a control, typing in the lookup field: each description has the fields
    ``EventDescription`` declares, its ``ui`` only ``UiEvent``'s, with the seam's action
    names; the form's submission is prevented and never sent, as ``PageKind`` declares;
    a keydown outside a shard grid is not sent (``UiKind.needs_shard``'s rule)."""
    result = in_page(DESCRIBE % {"button": "problems-only", "field": "guild-input"})
    click, typed = result["seen"]
    assert set(click) == set(get_type_hints(EventDescription))
    ui_fields = {f.name for f in dataclasses.fields(UiEvent)}
    assert set(click["ui"]) <= ui_fields and set(typed["ui"]) <= ui_fields
    assert UiEvent.from_json(click["kind"], click["ui"]).action is Action.PROBLEMS_ONLY
    typed_event = UiEvent.from_json(typed["kind"], typed["ui"])
    assert (typed_event.kind, typed_event.action, typed_event.value) == (
        UiKind.INPUT,
        Action.LOOKUP,
        "123",
    )
    assert result["submitPrevented"] is PageKind.SUBMIT.prevents_default is True
    assert not result["keyPrevented"]


def test_every_action_in_the_page_is_declared() -> None:
    """The static controls' data-action values are ``Action``s (the regions' are typed)."""
    found = in_page("[...document.querySelectorAll('[data-action]')].map(e => e.dataset.action)")
    assert found and set(found) <= {a.value for a in Action}


def test_the_controller_listens_for_the_declared_kinds_once_each() -> None:
    browser = RecordingBrowser()
    make_controller(browser).start()
    listened = browser.listened("document") + browser.listened("window")
    assert len(listened) == len(set(listened))
    assert set(listened) == {k.value for k in UiKind} | {k.value for k in PageKind}


def test_the_seam_handed_to_js_is_json() -> None:
    seam = seam_for_js()
    assert json.loads(json.dumps(seam)) == seam
    assert seam["commands"] == [[c.spelling, c.arity] for c in Command]


# -- last-known.js ---------------------------------------------------------------------------

SERIALISE = """(() => {
  const tree = el => [el.tagName.toLowerCase(),
    Object.fromEntries([...el.attributes].map(a => [a.name, a.value])),
    el.children.length ? null : el.textContent,
    [...el.children].map(tree)];
  return {
    reason: window.statuspageLastKnown.reason,
    html: Object.fromEntries(["data-status", "data-source", "data-stale"].map(
      n => [n, document.documentElement.getAttribute(n)])),
    marker: document.getElementById("updated").textContent,
    regions: Object.fromEntries(%(regions)s.map(
      id => [id, [...document.getElementById(id).children].map(tree)])),
  };
})()"""


def rendered(body: dict[str, Any]) -> PageView:
    snapshot = parse_ack(body, NOW)
    assert isinstance(snapshot, Snapshot)
    view = PageView(english(), FallbackFormatter("en"))
    view.render(
        PageState.initial(15.0).with_snapshot(snapshot, SourceKind.LIVE, NOW), UiState(), NOW
    )
    return view


def as_lists(el: Any) -> list[Any]:
    """An ``El`` as SERIALISE writes a DOM element."""
    text = None if el.children else (el.text or "")
    return [el.tag, dict(el.attrs), text, [as_lists(c) for c in el.children]]


@pytest.mark.parametrize("age_s", [42, 126, 5400])
def test_last_known_js_paints_pythons_payload_as_python_reads_it(age_s: int) -> None:
    """The payload Python stores, painted by the script as the next visit would: every
    region holds exactly the trees ``expand`` reads back (the view's own, as a next visit
    starts), the page is marked as showing the last known status, and the marker words the
    age by ``relative_unit``, the rule the live page's "Updated … ago" follows."""
    saved_at = NOW - age_s * 1000
    payload = snapshot_payload(
        rendered(ack(3, 4)).rendered(), saved_at_ms=saved_at, locale="en", version=VERSION
    )
    assert payload is not None
    regions = [key[1:] for key in PAINTED]
    painted = in_page(
        SERIALISE % {"regions": json.dumps(regions)},
        scripts=(LAST_KNOWN,),
        **{STORAGE_KEY: payload},
    )
    assert painted["reason"] == "shown"
    data = json.loads(payload)
    assert data["format"] == FORMAT
    assert painted["html"] == {
        "data-status": data["status"],
        "data-source": "cache",
        "data-stale": "",
    }
    expected = expand(data)
    for region in regions:
        stored = [as_lists(c) for c in expected[region].children]
        # Appended after what the HTML itself has there (#overall's glyph, for one).
        drawn = painted["regions"][region]
        assert drawn[len(drawn) - len(stored) :] == stored, region
    assert json.dumps(painted["regions"]["clusters"]).count('"data-shard-id"') == 12  # 3 x 4
    count, unit = relative_unit(age_s)
    ago = run_in_page(
        "<!doctype html>",
        (),
        f'new Intl.RelativeTimeFormat("en", {{numeric: "auto"}}).format({-count}, "{unit}")',
    )
    assert painted["marker"] == messages("en")["last_known.marker"].replace("{ago}", ago)


def test_one_relative_time_rule_on_both_sides() -> None:
    """The table last-known.js reads is the one ``relative_unit`` follows."""
    assert seam_for_js()["relativeUnits"] == [list(u) for u in RELATIVE_UNITS]
    assert [relative_unit(s) for s in (59, 60, 3599, 3600)] == [
        (59, "second"),
        (1, "minute"),
        (60, "minute"),
        (1, "hour"),
    ]


def test_a_payload_with_a_tag_python_never_draws_shows_nothing() -> None:
    """Storage is data: a node whose tag is not one the views draw fails the whole payload,
    and nothing of it is painted."""
    payload = snapshot_payload(
        rendered(ack(1, 2)).rendered(), saved_at_ms=NOW, locale="en", version=VERSION
    )
    assert payload is not None
    data = json.loads(payload)
    clusters = next(r for r in data["regions"] if r[0] == "clusters")
    clusters[3][0][0] = "script"  # the first cluster card
    result = in_page(
        "({reason: window.statuspageLastKnown.reason,"
        " source: document.documentElement.getAttribute('data-source'),"
        " painted: document.querySelectorAll('#clusters > *').length})",
        scripts=(LAST_KNOWN,),
        **{STORAGE_KEY: json.dumps(data)},
    )
    assert result == {"reason": "invalid", "source": None, "painted": 0}


TYPED_UNTIL_LISTENING = """(() => {
  const field = document.getElementById("%(field)s");
  field.value = "%(at_boot)s";
  window.statuspage.boot();
  field.value = "%(later)s";  // typed after boot() read the field, before Python listens
  const seen = [];
  window.statuspage.connect(description => seen.push(JSON.parse(description).ui));
  window.statuspage.run(JSON.stringify([["listen", 1, "document", "%(kind)s"]]));
  return seen;
})()"""


@pytest.mark.parametrize(("later", "heard"), [("4567", [("lookup", "4567")]), ("123", [])])
def test_what_is_typed_before_python_listens_reaches_it(
    later: str, heard: list[tuple[str, str]]
) -> None:
    """boot() reports the lookup field's text; what the visitor typed after that, before
    Python's listener existed, is sent as soon as it listens (and nothing if unchanged)."""
    seen = in_page(
        TYPED_UNTIL_LISTENING
        % {"field": LOOKUP_INPUT, "at_boot": "123", "later": later, "kind": LOOKUP_KIND.value}
    )
    assert [(ui["action"], ui["value"]) for ui in seen] == heard
