"""The live source started before anything listens to it.

``app.main`` starts the connection as soon as the config is read, before the view, the
controller and their imports, so its round trips overlap that work. Until the
controller listens, the source's connection events wait here: only the last one, since
each says the whole state of the link.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from app.ports import OnConnection
from app.transport.live import ConnectionEvent, LiveSource

__all__ = ["EarlyConnection"]


class EarlyConnection:
    """``make(hear)`` builds the live source with ``hear`` as its ``on_connection``; it is
    started at once. ``listen`` hands it to the controller (``SourceFactory.live``)."""

    def __init__(self, make: Callable[[Callable[[ConnectionEvent], None]], LiveSource]) -> None:
        self._listener: OnConnection | None = None
        self._missed: ConnectionEvent | None = None
        self.source = make(self._hear)
        # Held, so the task is not garbage-collected while the source starts.
        self._starting = asyncio.ensure_future(self.source.start())

    async def under_way(self) -> None:
        """Return once the connection's first requests have left (``LiveSource.under_way``)."""
        await self.source.under_way()

    def listen(self, on_connection: OnConnection) -> LiveSource:
        """The source; from now on its events go to ``on_connection``, starting with the
        last one it missed."""
        self._listener = on_connection
        if self._missed is not None:
            missed, self._missed = self._missed, None
            on_connection(missed.state, missed.reason, missed.retry_in)
        return self.source

    def _hear(self, event: ConnectionEvent) -> None:
        if self._listener is None:
            self._missed = event
        else:
            self._listener(event.state, event.reason, event.retry_in)
