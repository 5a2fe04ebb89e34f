"""``window.statuspage`` (static/apply.js) reached from a Web Worker, by messages."""

from __future__ import annotations

import asyncio
from typing import Any

from app.runtime.ffi import is_null, js, proxy, to_js
from app.seam import HostCall

__all__ = ["WorkerHost", "maybe_await"]


async def maybe_await(value: Any) -> Any:
    """A JS promise or a Python awaitable is awaited; anything else is returned as is."""
    if hasattr(value, "then") or asyncio.iscoroutine(value) or isinstance(value, asyncio.Future):
        return await value
    return value


class WorkerHost:
    """``window.statuspage`` (static/apply.js) reached from a worker by messages.

    Every message is a JS array ``["statuspage", name, ...args]`` on the worker's own
    ``postMessage``; apply.js answers on the same channel (``attachWorker``). Nothing
    here blocks, so PyScript's synchronous proxies, and with them ``SharedArrayBuffer``
    and cross-origin isolation, are not needed. ``boot``, ``copy`` and
    ``requestNotifications`` resolve when the answer arrives; ``run`` and ``connect`` need
    none. Events arrive as ``["statuspage", "event", description]``.
    """

    def __init__(self) -> None:
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self._next = 1
        self._sink: Any = None
        self._listener = proxy(self._on_message)
        # PyScript's worker already listens to "message" and hands every message to
        # ``xworker.onmessage``, looked up by name in ``__main__``'s globals (it logs an
        # error for each message when there is none): so that is where we listen.
        from polyscript import xworker  # type: ignore[import-not-found]

        import __main__

        xworker.onmessage = self._listener
        __main__.xworker = xworker

    def _post(self, *message: Any) -> None:
        js.postMessage(to_js(["statuspage", *message]))

    def _ask(self, name: HostCall, *args: Any) -> asyncio.Future[Any]:
        call_id, self._next = self._next, self._next + 1
        future: asyncio.Future[Any] = asyncio.get_event_loop().create_future()
        self._waiting[call_id] = future
        self._post(name.value, call_id, *args)
        return future

    def _on_message(self, event: Any) -> None:
        data = event.data
        if not hasattr(data, "to_py"):
            return  # not ours (a string, or PyScript's own traffic)
        message = data.to_py()
        if len(message) < 2 or message[0] != "statuspage":
            return
        if message[1] == HostCall.EVENT:
            if self._sink is not None:
                self._sink(message[2])
        elif message[1] == HostCall.ANSWER:
            future = self._waiting.pop(int(message[2]), None)
            if future is not None and not future.done():
                future.set_result(message[3])

    def boot(self) -> asyncio.Future[Any]:
        return self._ask(HostCall.BOOT)

    def copy(self, text: str) -> asyncio.Future[Any]:
        return self._ask(HostCall.COPY, text)

    def requestNotifications(self) -> asyncio.Future[Any]:  # HostCall's spelling
        return self._ask(HostCall.REQUEST_NOTIFICATIONS)

    def run(self, commands: str) -> None:
        self._post(HostCall.RUN.value, commands)

    def connect(self, sink: Any) -> None:
        self._sink = None if is_null(sink) else sink
        self._post(HostCall.CONNECT.value, self._sink is not None)
