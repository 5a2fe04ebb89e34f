"""The network as Pyodide reaches it: WebSockets for engine.io, ``fetch`` for the rest."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from app.runtime.ffi import create_proxy, is_null, js, js_object

if TYPE_CHECKING:
    from app.runtime.head_start import HeadStart
    from app.transport.browser_socket import BrowserBridge

__all__ = ["TOKEN_REQUEST", "fetch_json", "http_get", "make_bridge"]

# How the token is asked for (``fetch_json``), here and in static/head-start.js, which
# the build hands it: never from the HTTP cache, each token is for one connection.
TOKEN_REQUEST = {"method": "GET", "cache": "no-store"}


def make_bridge(head_start: HeadStart | None = None) -> BrowserBridge:
    """The real browser capabilities for ``app.transport.browser_socket``; the socket that
    ``head_start`` opened before Python ran is handed over to the first attempt."""
    from app.transport.browser_socket import BrowserBridge

    def open_websocket(url: str) -> Any:
        return js.WebSocket.new(url)

    def message_data(event: Any) -> str | bytes:
        data = event.data
        if isinstance(data, str):  # text frame: Pyodide converts JS strings to str
            return data
        return bytes(data.to_bytes())  # binaryType "arraybuffer": a copy as bytes

    def to_js_bytes(data: bytes) -> Any:
        array = js.Uint8Array.new(len(data))
        array.assign(data)  # copied into JS memory: ws.send keeps no view of wasm memory
        return array

    handed_over = {"claim_websocket": head_start.claim_websocket} if head_start else {}
    return BrowserBridge(
        open_websocket=open_websocket,
        create_proxy=create_proxy,
        message_data=message_data,
        to_js_bytes=to_js_bytes,
        **handed_over,
    )


async def http_get(
    url: str, timeout_s: float, *, no_store: bool = False, made: Any = None
) -> tuple[Any, str]:
    """GET ``url`` with the browser's ``fetch``: the JS ``Response`` and its body as text.

    Past ``timeout_s`` the request is aborted and ``TimeoutError`` raised; a network
    failure or a CORS refusal raises ``JsException``. On ``fetch`` itself rather than
    ``pyodide.http``, whose import (base64, its XMLHttpRequest wrappers) cost the first
    request 20 to 60 ms in Chromium, once per page. ``made``: the promise of this very
    request, made earlier in JS (the connection's head start), awaited instead of a new
    one (its own timeout then ends the wait, not the request).
    """
    abort = None
    try:
        async with asyncio.timeout(timeout_s):
            if made is None:
                abort = js.AbortController.new()
                options = TOKEN_REQUEST if no_store else {"method": "GET"}
                made = js.fetch(url, js_object({**options, "signal": abort.signal}))
            response = await made
            return response, str(await response.text())
    except TimeoutError:
        if abort is not None:
            abort.abort()
        raise


async def fetch_json(url: str, timeout_s: float, *, made: Any = None) -> object:
    """GET ``url`` and parse its JSON body; raise ``FetchError(kind)`` on any failure.
    ``made``: as for ``http_get``."""
    from pyodide.ffi import JsException  # type: ignore[import-not-found]

    from app.transport.retry_client import FetchError

    try:
        response, text = await http_get(url, timeout_s, no_store=True, made=made)
    except TimeoutError as exc:
        raise FetchError("timeout", f"no answer within {timeout_s:g} s") from exc
    except (OSError, JsException) as exc:  # network failure, CORS refusal
        raise FetchError("network", str(exc)) from exc
    if not response.ok:
        raise FetchError("http", f"HTTP {response.status}", retry_after=_retry_after(response))
    try:
        return json.loads(text)
    except ValueError as exc:
        raise FetchError("bad-json", str(exc)) from exc


def _retry_after(response: Any) -> float | None:
    """The hold a 429 or 503 asks for; ``None`` for other statuses or a malformed header.

    A cross-origin page reads the header only if the token endpoint sends
    ``Access-Control-Expose-Headers: Retry-After``; without it, the normal waits apply.
    """
    from app.model.reconnect import RETRY_AFTER_STATUSES, retry_after_seconds

    if response.status not in RETRY_AFTER_STATUSES:
        return None
    value = response.headers.get("retry-after")  # JS null when absent
    return retry_after_seconds(None if is_null(value) else str(value), js.Date.now() / 1000)
