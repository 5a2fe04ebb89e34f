"""Reading ``static/apply.js`` from Python: its command table, its functions' arities,
the blocks of its functions. Used by the contract tests between apply.js and the Python
side, and by ``tests/unit/test_harness.py`` (``RecordingBrowser`` sends only commands
apply.js runs).
"""

from __future__ import annotations

import re

from tests.support.paths import ROOT

__all__ = ["APPLY_JS", "commands", "js_block", "js_keys", "js_params"]

APPLY_JS = (ROOT / "static" / "apply.js").read_text(encoding="utf-8")


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
    depth, keys, token = 0, set[str](), ""
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


def commands() -> dict[str, str]:
    """apply.js's COMMANDS: command name -> the function that runs it."""
    body = js_block("const COMMANDS = {")
    out: dict[str, str] = {}
    for item in body.replace("\n", " ").split(","):
        if item.strip():
            name, _, function = item.partition(":")
            out[name.strip()] = (function or name).strip()
    return out
