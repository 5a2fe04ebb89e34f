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
from pathlib import Path

from app import controller, reducer
from app.ports import UiEvent

ROOT = Path(__file__).resolve().parents[2]
APPLY_JS = (ROOT / "static" / "apply.js").read_text(encoding="utf-8")
RUNTIME = ROOT / "app" / "runtime"  # the seam's package: every module of it is read


def runtime_source() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(RUNTIME.glob("*.py")))


def js_block(opening: str) -> str:
    """The text of the brace block that starts at ``opening`` (which ends with "{")."""
    start = APPLY_JS.index(opening) + len(opening)
    depth, i = 1, start
    while depth:
        depth += {"{": 1, "}": -1}.get(APPLY_JS[i], 0)
        i += 1
    return APPLY_JS[start : i - 1]


def js_keys(object_literal: str) -> set[str]:
    """Top-level keys of a JS object literal body (``key: value`` or shorthand ``key``)."""
    depth, keys, token = 0, set(), ""
    for char in object_literal + ",":
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if depth == 0 and char == ",":
            name = token.split(":", 1)[0].strip()
            if name:
                keys.add(name)
            token = ""
        elif depth == 0 or token.count(":") == 0:
            token += char
    return keys


def js_params(function_name: str) -> int:
    match = re.search(rf"function {function_name}\(([^)]*)\)", APPLY_JS)
    assert match, function_name
    return len([p for p in match.group(1).split(",") if p.strip()])


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


def commands() -> dict[str, str]:
    """apply.js's COMMANDS: command name -> the function that runs it."""
    body = js_block("const COMMANDS = {")
    out = {}
    for item in body.replace("\n", " ").split(","):
        if item.strip():
            name, _, function = item.partition(":")
            out[name.strip()] = (function or name).strip()
    return out


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
    """The kinds apply.js describes are the ones the controller listens for and the
    reducer handles."""
    match = re.search(r"const UI_KINDS = new Set\(\[([^\]]*)\]\)", APPLY_JS)
    assert match
    kinds = set(re.findall(r'"([a-z]+)"', match.group(1)))
    assert kinds == set(controller._UI_EVENT_KINDS)
    assert kinds == set(reducer._UI_HANDLERS)
