"""What changed while I watched: shard state transitions and cluster ping history.

A ``ChangeLog`` is fed one snapshot per refresh (``observe``) and answers ``shard_history``,
``ping_series`` and ``recent``. It keeps ``PING_SAMPLES`` (40) ping samples per cluster and the
last ``RECENT_CAP`` (50) changes.

States are plain ints (discord.js ``Status`` numbers, ``ShardState`` in ``vocabulary.py``), so
this module depends on nothing else.  The first time a shard is seen its state is a baseline,
not a change: nothing is known about what it was before.  Only shards and clusters present in the
latest snapshot are remembered, so memory is bounded by the bot's size plus the capped list, and
each ``observe`` costs O(shards).  A cluster's ping sample is the mean of its shards' known pings
(``None`` or negative -- discord.js reports -1 before the first heartbeat -- count as unknown),
or ``None`` when no shard's ping is known.

Example:

>>> log = ChangeLog()
>>> log.observe(0.0, [(0, [(0, 0, 40), (1, 0, 60)])])
[]
>>> log.observe(15.0, [(0, [(0, 0, 45), (1, 5, None)])])
[Change(at=15.0, shard_id=1, cluster_id=0, old_state=0, new_state=5)]
>>> log.shard_history(1), log.ping_series(0)
(ShardHistory(last_change_at=15.0, transitions=1), (50.0, 45.0))
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["PING_SAMPLES", "RECENT_CAP", "Change", "ChangeLog", "ShardHistory"]

PING_SAMPLES = 40
RECENT_CAP = 50


@dataclass(frozen=True, slots=True)
class Change:
    """Shard ``shard_id`` of cluster ``cluster_id`` went from ``old_state`` to ``new_state``."""

    at: float
    shard_id: int
    cluster_id: int
    old_state: int
    new_state: int


@dataclass(frozen=True, slots=True)
class ShardHistory:
    """When a shard's state last changed (``None``: not since first seen) and how many times."""

    last_change_at: float | None
    transitions: int


@dataclass(slots=True)
class _ShardRecord:
    state: int
    last_change_at: float | None = None
    transitions: int = 0


def _mean_known(pings: list[float | None]) -> float | None:
    known = [p for p in pings if p is not None and math.isfinite(p) and p >= 0]
    return sum(known) / len(known) if known else None


class ChangeLog:
    """Accumulates shard transitions and cluster pings over refreshes; see the module docstring."""

    __slots__ = ("_ping_samples", "_pings", "_recent", "_shards")

    def __init__(self, *, ping_samples: int = PING_SAMPLES, recent_cap: int = RECENT_CAP) -> None:
        if ping_samples < 1 or recent_cap < 1:
            raise ValueError("ping_samples and recent_cap must be >= 1")
        self._ping_samples = ping_samples
        self._shards: dict[int, _ShardRecord] = {}
        self._pings: dict[int, deque[float | None]] = {}
        # Newest first: appendleft, and the maxlen drops the oldest from the right.
        self._recent: deque[Change] = deque(maxlen=recent_cap)

    def observe(
        self,
        at: float,
        clusters: Iterable[tuple[int, Iterable[tuple[int, int, float | None]]]],
    ) -> list[Change]:
        """Record one snapshot: ``clusters`` is ``[(cluster_id, [(shard_id, state, ping), ...])]``.

        Returns this snapshot's changes in snapshot order.  A shard listed twice counts once
        (first occurrence wins); a cluster listed twice gets one ping sample over all its shards;
        shards and clusters absent from the snapshot are forgotten.
        """
        changes: list[Change] = []
        seen_shards: dict[int, _ShardRecord] = {}
        cluster_pings: dict[int, list[float | None]] = {}
        for cluster_id, shards in clusters:
            pings = cluster_pings.setdefault(cluster_id, [])
            for shard_id, state, ping in shards:
                if shard_id in seen_shards:
                    continue
                pings.append(ping)
                record = self._shards.get(shard_id)
                if record is None:
                    record = _ShardRecord(state)
                elif record.state != state:
                    changes.append(Change(at, shard_id, cluster_id, record.state, state))
                    record.state = state
                    record.last_change_at = at
                    record.transitions += 1
                seen_shards[shard_id] = record
        seen_series: dict[int, deque[float | None]] = {}
        for cluster_id, pings in cluster_pings.items():
            series = self._pings.get(cluster_id)
            if series is None:
                series = deque(maxlen=self._ping_samples)
            series.append(_mean_known(pings))
            seen_series[cluster_id] = series
        self._shards = seen_shards
        self._pings = seen_series
        # Reversed so that one snapshot's changes keep their snapshot order in ``recent``.
        self._recent.extendleft(reversed(changes))
        return changes

    def shard_history(self, shard_id: int) -> ShardHistory:
        """History of a shard in the latest snapshot; ``ShardHistory(None, 0)`` if unknown."""
        record = self._shards.get(shard_id)
        if record is None:
            return ShardHistory(None, 0)
        return ShardHistory(record.last_change_at, record.transitions)

    def ping_series(self, cluster_id: int) -> tuple[float | None, ...]:
        """The cluster's last ping samples, oldest first; empty if the cluster is unknown."""
        return tuple(self._pings.get(cluster_id, ()))

    @property
    def recent(self) -> tuple[Change, ...]:
        """The latest changes, newest snapshot first (snapshot order within one), at most
        ``recent_cap`` of them."""
        return tuple(self._recent)
