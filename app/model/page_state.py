"""What the page knows at one moment: the last good data and how fresh it is.

Data flows one way: a source answers, ``PageState`` is updated by pure transitions,
the renderer draws it. Nothing here touches the DOM.

Public names:
    SourceKind, PageState (Connection and Reason live in ``app.model.link``)
    PageState.initial(...)            nothing received yet
    PageState.with_snapshot(...)      a good answer arrived
    PageState.with_rejection(...)     an answer with nothing usable arrived
    PageState.with_connection(...)    the link to the status server changed
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from app.model.freshness import is_stale
from app.model.link import Connection, Reason
from app.model.snapshot import Problem, Snapshot
from app.model.vocabulary import OverallStatus

__all__ = ["Connection", "PageState", "SourceKind"]


class SourceKind(StrEnum):
    LIVE = "live"
    MOCK = "mock"


@dataclass(frozen=True, slots=True)
class PageState:
    snapshot: Snapshot | None
    source: SourceKind | None
    connection: Connection
    last_success_ms: float | None
    refresh_seconds: float
    error: Reason | None = None  # why the latest attempt failed, None once it clears
    rejection: Problem | None = None  # the latest ack that had nothing usable

    @staticmethod
    def initial(refresh_seconds: float) -> PageState:
        return PageState(None, None, Connection.CONNECTING, None, refresh_seconds)

    @property
    def failing(self) -> bool:
        """The latest attempt failed: the link broke, or the answer had nothing usable."""
        return self.error is not None or self.rejection is not None

    @property
    def overall(self) -> OverallStatus:
        return self.snapshot.overall if self.snapshot else OverallStatus.UNKNOWN

    def is_stale(self, now_ms: float) -> bool:
        """No refresh has succeeded for twice the interval (never having data is not stale)."""
        return is_stale(self.last_success_ms, now_ms, self.refresh_seconds * 1000)

    def with_snapshot(self, snapshot: Snapshot, source: SourceKind, now_ms: float) -> PageState:
        return replace(
            self,
            snapshot=snapshot,
            source=source,
            last_success_ms=now_ms,
            error=None,
            rejection=None,
            connection=Connection.CONNECTED if source is SourceKind.LIVE else self.connection,
        )

    def with_rejection(self, problem: Problem) -> PageState:
        return replace(self, rejection=problem, error=None)

    def with_connection(self, connection: Connection, error: Reason | None = None) -> PageState:
        # A newer reason supersedes the rejected answer's; the notice shows only the latest.
        return replace(self, connection=connection, error=error, rejection=None)
