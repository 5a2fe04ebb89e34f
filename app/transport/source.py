"""The one interface every status source offers, live or mock.

Nothing above a source knows which kind it has: the controller asks ``fetch()`` for
the raw acknowledgement and hands it to ``app.model.snapshot.parse_ack``.
"""

from __future__ import annotations

from typing import Protocol

from app.model.link import Reason
from app.model.page_state import SourceKind

__all__ = ["SourceUnavailable", "StatusSource"]


class SourceUnavailable(Exception):
    """The source cannot answer now; ``reason`` is a stable code the page localizes."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason = reason


class StatusSource(Protocol):
    kind: SourceKind

    async def start(self) -> None: ...
    async def fetch(self) -> object: ...
    async def close(self) -> None: ...
