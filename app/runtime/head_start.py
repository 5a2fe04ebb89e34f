"""The live connection's head start, as the worker's first line left it.

static/head-start.js, bundled at the top of PyScript's worker (tools/runtime_patches.py),
makes the connection's first token request and opens its first WebSocket while Pyodide
downloads and boots, and keeps both on the worker's global (``seam.HEAD_START_GLOBAL``)
until Python claims them, once each. ``HeadStart`` is Python's side of that object; the
rule for what may be used is ``app.model.head_start``. There is none on the main thread
(an engine without module workers), nor in a page that never connects.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from app.model.head_start import token_fresh
from app.runtime.ffi import is_null, js
from app.runtime.network import fetch_json
from app.seam import HEAD_START_GLOBAL

if TYPE_CHECKING:
    from app.transport.browser_socket import Claimed

__all__ = ["HeadStart"]


class HeadStart:
    """The requests the worker made before Python ran (``find`` returns None without)."""

    def __init__(self, made: Any) -> None:
        self._made = made

    @classmethod
    def find(cls) -> HeadStart | None:
        """This thread's head start, if the worker made one."""
        made = getattr(js.globalThis, HEAD_START_GLOBAL, None)
        return None if is_null(made) else cls(made)

    def first_token(self, timeout_s: float) -> Awaitable[object] | None:
        """Its token request, answered as ``fetch_json`` answers (the parsed body, or
        ``FetchError``); None once claimed, or when its answer is too old to use."""
        claimed = self._made.claimToken()
        if is_null(claimed):
            return None
        response, answered_ms_ago = claimed
        age = None if is_null(answered_ms_ago) else float(answered_ms_ago) / 1000
        if not token_fresh(age):
            return None
        return fetch_json(str(self._made.tokenUrl), timeout_s, made=response)

    def claim_websocket(self, url: str) -> Claimed | None:
        """Its socket, if it was opened for ``url``, with the events it received so far;
        None once claimed (``BrowserBridge.claim_websocket``)."""
        if url != str(self._made.socketUrl):
            return None
        claimed = self._made.claimSocket()
        if is_null(claimed):
            return None
        socket, events = claimed
        return socket, list(events)
