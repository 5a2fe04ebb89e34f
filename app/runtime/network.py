"""The network as Pyodide reaches it: WebSockets for engine.io, ``fetch`` for JSON."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from app.runtime.ffi import create_proxy, js

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
            raise FetchError("http", f"HTTP {response.status}")
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
