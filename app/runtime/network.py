"""The network as Pyodide reaches it: WebSockets for engine.io, ``fetch`` for JSON."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from app.runtime.ffi import create_proxy, is_null, js

if TYPE_CHECKING:
    from app.transport.engineio_ws import BrowserBridge

__all__ = ["fetch_json", "make_bridge"]


def make_bridge() -> BrowserBridge:
    """The real browser capabilities for ``app.transport.engineio_ws``."""
    from app.transport.engineio_ws import BrowserBridge

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

    return BrowserBridge(
        open_websocket=open_websocket,
        create_proxy=create_proxy,
        message_data=message_data,
        to_js_bytes=to_js_bytes,
    )


async def fetch_json(url: str, timeout_s: float) -> object:
    """GET ``url`` and parse its JSON body; raise ``FetchError(kind)`` on any failure."""
    from pyodide.ffi import JsException  # type: ignore[import-not-found]
    from pyodide.http import pyfetch  # type: ignore[import-not-found]

    from app.transport.retry_client import FetchError

    async def get() -> object:
        try:
            response = await pyfetch(url, method="GET", cache="no-store")
        except (OSError, JsException) as exc:  # network failure, CORS refusal, abort
            raise FetchError("network", str(exc)) from exc
        if not response.ok:
            raise FetchError("http", f"HTTP {response.status}", retry_after=_retry_after(response))
        try:
            text = await response.string()
        except (OSError, JsException) as exc:
            raise FetchError("network", str(exc)) from exc
        try:
            return json.loads(text)
        except ValueError as exc:
            raise FetchError("bad-json", str(exc)) from exc

    try:
        # Cancelling pyfetch aborts the request through its AbortController.
        return await asyncio.wait_for(get(), timeout_s)
    except TimeoutError as exc:
        raise FetchError("timeout", f"no answer within {timeout_s:g} s") from exc


def _retry_after(response: Any) -> float | None:
    """The hold a 429 or 503 asks for; ``None`` for other statuses or a malformed header.

    A cross-origin page reads the header only if the token endpoint sends
    ``Access-Control-Expose-Headers: Retry-After``; without it, the normal waits apply.
    """
    from app.model.reconnect import RETRY_AFTER_STATUSES, retry_after_seconds

    if response.status not in RETRY_AFTER_STATUSES:
        return None
    value = response.js_response.headers.get("retry-after")  # JS null when absent
    return retry_after_seconds(None if is_null(value) else str(value), js.Date.now() / 1000)
