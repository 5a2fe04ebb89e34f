"""The contract between static/apply.js and the Python side, read from both sources.

apply.js is the only JS bridge: ``boot()`` is read once, ``run(commands)`` executes what
``app.runtime.Browser`` queues, and ``describe()``/``describeUi()`` turn DOM events into
the JSON the runtime reads. A command or field renamed on one side only fails here,
without a browser, instead of silently doing nothing in the page.
"""

from __future__ import annotations

import ast
import dataclasses
import re

from app import reducer
from app.ports import UiEvent
from tests.support import ROOT, RecordingBrowser, make_controller
from tests.support.apply_js import APPLY_JS, commands, js_block, js_keys, js_params

RUNTIME = ROOT / "app" / "runtime"  # the seam's package: every module of it is read


def runtime_source() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(RUNTIME.glob("*.py")))


def runtime_sends() -> dict[str, set[int]]:
    """Every ``self._send("name", *args)`` in the runtime: name -> argument counts."""
    sends: dict[str, set[int]] = {}
    for node in ast.walk(ast.parse(runtime_source())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "_send"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            sends.setdefault(node.args[0].value, set()).add(len(node.args) - 1)
    return sends


def test_the_parsers_see_the_obvious() -> None:
    """Guard: the scans are not vacuous."""
    assert {"apply", "setTitle", "focusShard"} <= set(commands())
    assert commands()["apply"] == "applyOps"
    assert runtime_sends()["setTitle"] == {1}
    assert js_params("setFavicon") == 2


def test_every_command_the_runtime_sends_exists_with_its_arity() -> None:
    """Each queued command has a COMMANDS entry taking as many arguments as are sent, and
    every command apply.js offers is used."""
    table, sends = commands(), runtime_sends()
    assert set(sends) == set(table)
    for name, counts in sends.items():
        assert counts == {js_params(table[name])}, name


def test_ui_event_fields_match_describe_ui() -> None:
    """``describeUi`` sets exactly the fields ``UiEvent`` has (the runtime does
    ``UiEvent(**ui)``, so an extra JS field would raise and a missing one never arrive)."""
    body = js_block("function describeUi(event) {")
    assigned = set(re.findall(r"\bui\.([a-z_]+)\s*=", body)) | {"kind"}
    assert "const ui = { kind: event.type };" in body
    assert assigned == {f.name for f in dataclasses.fields(UiEvent)}


def test_event_description_fields_are_the_ones_the_runtime_reads() -> None:
    describe = js_block("function describe(event, target, id) {")
    described = js_keys(describe.split("JSON.stringify({", 1)[1].rsplit("}", 1)[0])
    runtime = runtime_source()
    read = set(re.findall(r'description(?:\["|\.get\(")([a-z_]+)"', runtime))
    read |= set(re.findall(r'\bevent\["([a-z_]+)"\]', runtime))
    assert described == read


def test_boot_fields_are_the_ones_the_runtime_reads() -> None:
    boot = js_keys(js_block("function boot() {").split("JSON.stringify({", 1)[1])
    runtime = runtime_source()
    read = set(re.findall(r'page\["([A-Za-z_]+)"\]', runtime))
    read |= set(re.findall(r'"statuspage-[a-z]+": "([a-z]+)"', runtime))
    assert boot == read


def test_ui_event_kinds_are_listened_for_and_reduced() -> None:
    """The kinds apply.js describes are the ones the controller listens for on the
    document (besides the page's own visibilitychange, and submit, which apply.js
    prevents) and the reducer handles."""
    match = re.search(r"const UI_KINDS = new Set\(\[([^\]]*)\]\)", APPLY_JS)
    assert match
    kinds = set(re.findall(r'"([a-z]+)"', match.group(1)))
    browser = RecordingBrowser()
    make_controller(browser).start()
    listened = browser.listened("document")
    assert len(listened) == len(set(listened))  # one listener per kind
    assert kinds == set(listened) - {"visibilitychange", "submit"}
    # The table itself: a kind without a handler would be reduced to no change at all.
    assert kinds == set(reducer._UI_HANDLERS)
