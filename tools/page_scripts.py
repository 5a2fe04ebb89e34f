"""The page's own scripts as the build ships them (static/*.js).

- Plain scripts are minified (``minified_js``).
- Scripts written as modules (``PAGE_MODULES``) import app/seam.py's vocabulary as the
  JSON module ``statuspage-seam`` (``seam_for_js``) and the shared element builder, and
  esbuild bundles each into one classic script (``page_script``).
- static/head-start.js, the connection's head start, is bundled with the build's
  endpoints (``head_start_script``) and goes to the top of PyScript's worker, not to
  the page (tools/runtime_patches.py).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from app import seam
from app.model.config import Config
from app.model.format import RELATIVE_UNITS
from app.model.vocabulary import OverallStatus
from app.render import last_known
from app.runtime.network import TOKEN_REQUEST
from app.transport.browser_socket import SOCKET_EVENTS
from app.transport.engineio_ws import websocket_url
from app.transport.live import SOCKETIO_PATH

__all__ = [
    "HEAD_START",
    "PAGE_MODULES",
    "head_start_facts",
    "head_start_script",
    "minified_js",
    "page_script",
    "seam_for_js",
]

ROOT = Path(__file__).resolve().parent.parent
HEAD_START = "static/head-start.js"


def minified_js(source: bytes) -> bytes:
    """The page's own scripts as the browser gets them: esbuild's minifier, which keeps
    every top-level name (other scripts and the tests reach them) and changes no syntax.

    Their comments explain the code to its readers; a visitor's phone need not download
    them (the four scripts of the page: 14.6 KB gzip as written, 7.8 KB minified).
    """
    return _esbuild(source=source)


# The page's scripts written as modules: they import app/seam.py's vocabulary (as the
# JSON module "statuspage-seam") and the shared element builder (static/element.js), and
# esbuild bundles each into one classic script.
PAGE_MODULES = ("static/apply.js", "static/last-known.js")


def seam_for_js() -> dict[str, Any]:
    """What static/apply.js and static/last-known.js import as ``statuspage-seam``: the
    seam's vocabulary (app/seam.py), the relative-time rule and what the last known
    status's paint script must know (app/render/last_known.py)."""
    return {
        "commands": [[c.spelling, c.arity] for c in seam.Command],
        "hostCalls": {c.name: c.value for c in seam.HostCall},
        "uiKinds": [k.value for k in seam.UiKind],
        "needsShard": [k.value for k in seam.UiKind if k.needs_shard],
        "preventDefault": [k.value for k in seam.PageKind if k.prevents_default],
        "silent": [k.value for k in seam.PageKind if not k.reaches_python],
        "actions": {a.name: a.value for a in seam.Action},
        "lookupInput": seam.LOOKUP_INPUT,
        "lookupKind": seam.LOOKUP_KIND.value,
        "gridKeys": list(seam.GRID_KEYS),
        "svgTags": list(seam.SVG_TAGS),
        "trustedTypesPolicy": seam.TRUSTED_TYPES_POLICY,
        "relativeUnits": [list(unit) for unit in RELATIVE_UNITS],
        "lastKnown": {
            "key": last_known.STORAGE_KEY,
            "format": last_known.FORMAT,
            "maxAgeMs": last_known.MAX_AGE_MS,
            "futureSlackMs": last_known.FUTURE_SLACK_MS,
            "regions": [key[1:] for key in last_known.PAINTED],
            "htmlAttrs": list(last_known.HTML_ATTRS),
            "marker": last_known.MARKER[1:],
            "markerKeys": list(last_known.MARKER_KEYS),
            "statuses": [s.value for s in OverallStatus],
            "tags": list(last_known.TAGS),
            "attrPattern": last_known.ATTR_PATTERN,
        },
    }


def page_script(logical: str) -> bytes:
    """``logical`` (one of PAGE_MODULES) bundled, minified, with the seam built in."""
    return _bundled(logical, {"statuspage-seam": seam_for_js()})


def head_start_facts(config: Config) -> dict[str, Any] | None:
    """What static/head-start.js imports as ``statuspage-head-start``: where the
    connection's first requests go, as Python's transport makes them (the same URLs, so
    it can claim them: ``app.runtime.head_start``). None for a page that never connects."""
    if not config.connects:
        return None
    return {
        "global": seam.HEAD_START_GLOBAL,
        "tokenUrl": config.token_url,
        "tokenRequest": TOKEN_REQUEST,
        "socketUrl": websocket_url(config.ws_url, SOCKETIO_PATH),
        "socketEvents": list(SOCKET_EVENTS),
    }


def head_start_script(config: Config) -> str:
    """static/head-start.js bundled with its facts, for the top of PyScript's worker
    (tools/runtime_patches.py); empty for a page that never connects."""
    facts = head_start_facts(config)
    if facts is None:
        return ""
    return _bundled(HEAD_START, {"statuspage-head-start": facts}).decode()


def _bundled(logical: str, modules: dict[str, Any]) -> bytes:
    """``logical`` bundled by esbuild into one minified classic script, each of
    ``modules`` (name: JSON value) built in as the JSON module it imports by that name."""
    with tempfile.TemporaryDirectory() as work:
        aliases = []
        for number, (name, value) in enumerate(modules.items()):
            path = Path(work) / f"module{number}.json"
            path.write_text(json.dumps(value), encoding="utf-8")
            aliases.append(f"--alias:{name}={path}")
        return _esbuild(str(ROOT / logical), "--bundle", "--format=iife", *aliases)


def _esbuild(*args: str, source: bytes | None = None) -> bytes:
    """esbuild's minified output for ``args`` (or for ``source`` on its stdin); the build
    stops with esbuild's message when it fails."""
    result = subprocess.run(
        [str(ROOT / "node_modules" / ".bin" / "esbuild"), *args, "--minify", "--log-level=error"],
        input=source,
        capture_output=True,
        check=False,
        cwd=ROOT,
    )
    if result.returncode != 0:
        raise SystemExit(f"build: esbuild: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout
