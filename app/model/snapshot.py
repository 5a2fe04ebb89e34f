"""Parse the ``get-cluster-status`` acknowledgement into validated values.

Wire format (the bot's Socket.IO server answers the emit with one argument)::

    {"success": true,  "data": [ClusterStatus, ...]}
    {"success": false, "error": "<anything>"}

    ClusterStatus = {
        "id": int, "status": "starting" | "running" | "stopped",
        "shardList": [int, ...], "createdAt": <Unix ms>,
        # only while running:
        "guilds": int, "members": int,
        "shards": [{"id": int, "ping": int, "status": <discord.js Status 0..8>}, ...],
    }

``parse_ack`` gives a ``Snapshot`` of ``Cluster`` and ``Shard`` values, or ``AckRejected``
for an ack with nothing usable in it (``success: false``, not an object…). Bad entries are
skipped and good ones kept; every skip or repair is recorded as a ``Problem`` (a code,
where it was, the offending value as text) so the page can show why. Extra fields are
ignored: the backend may grow.

>>> snap = parse_ack({"success": True, "data": [{"id": 0, "status": "running",
...     "shardList": [0], "createdAt": 1_700_000_000_000, "guilds": 5, "members": 9,
...     "shards": [{"id": 0, "ping": -1, "status": 0}]}]}, now_ms=1_700_000_060_000)
>>> snap.overall, snap.clusters[0].shards[0].ping_ms
(<OverallStatus.OPERATIONAL: 'operational'>, None)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeGuard

from app.model.vocabulary import ClusterState, OverallStatus, ShardState, is_healthy

__all__ = [
    "MAX_PLAUSIBLE_PING_MS",
    "AckRejected",
    "Cluster",
    "Problem",
    "ProblemCode",
    "Shard",
    "Snapshot",
    "healthy_cluster_ids",
    "healthy_shards_by_cluster",
    "overall_status",
    "parse_ack",
    "parse_clusters",
]

# A heartbeat ping beyond a minute is not a measurement; discord.js would have
# declared the connection dead long before.
MAX_PLAUSIBLE_PING_MS = 60_000
# A createdAt below this is before 1973 in ms, but a plausible date in seconds.
_SECONDS_NOT_MS_BELOW = 100_000_000_000
# Clock skew we forgive between the bot and the visitor before calling it "future".
_FUTURE_TOLERANCE_MS = 5 * 60 * 1000
_MAX_DETAIL_CHARS = 120


class ProblemCode(StrEnum):
    """Why something was skipped or repaired; ``problem.<value>`` is its message key."""

    ACK_NOT_OBJECT = "ack_not_object"
    ACK_ERROR = "ack_error"
    ACK_MALFORMED = "ack_malformed"
    DATA_NOT_LIST = "data_not_list"
    CLUSTER_NOT_OBJECT = "cluster_not_object"
    CLUSTER_BAD_ID = "cluster_bad_id"
    CLUSTER_DUPLICATE = "cluster_duplicate"
    CLUSTER_BAD_STATUS = "cluster_bad_status"
    SHARD_LIST_INVALID = "shard_list_invalid"
    CREATED_AT_INVALID = "created_at_invalid"
    CREATED_AT_SECONDS = "created_at_seconds"
    CREATED_AT_FUTURE = "created_at_future"
    COUNT_INVALID = "count_invalid"
    SHARDS_NOT_LIST = "shards_not_list"
    SHARDS_ON_IDLE_CLUSTER = "shards_on_idle_cluster"
    SHARD_NOT_OBJECT = "shard_not_object"
    SHARD_BAD_ID = "shard_bad_id"
    SHARD_DUPLICATE = "shard_duplicate"
    SHARD_BAD_STATE = "shard_bad_state"
    PING_INVALID = "ping_invalid"


@dataclass(frozen=True, slots=True)
class Problem:
    """One diagnostic. ``skipped`` is True when an entry was dropped, False when repaired."""

    code: ProblemCode
    skipped: bool
    cluster_id: int | None = None
    shard_id: int | None = None
    index: int | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Shard:
    id: int
    cluster_id: int
    state: ShardState
    ping_ms: int | None  # None: not measured yet (discord.js reports -1)


@dataclass(frozen=True, slots=True)
class Cluster:
    id: int
    state: ClusterState
    shard_ids: tuple[int, ...]
    created_at_ms: int | None
    guilds: int | None
    members: int | None
    shards: tuple[Shard, ...]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Every valid cluster, sorted by id, and what was skipped on the way."""

    clusters: tuple[Cluster, ...]
    problems: tuple[Problem, ...] = ()
    # Every shard of every cluster, in cluster order: derived once, read on every render.
    shards: tuple[Shard, ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "shards", tuple(s for c in self.clusters for s in c.shards))

    @property
    def overall(self) -> OverallStatus:
        return overall_status(self.clusters)


@dataclass(frozen=True, slots=True)
class AckRejected:
    """An acknowledgement with nothing usable in it; the last good data stays on screen."""

    problem: Problem


def overall_status(clusters: tuple[Cluster, ...]) -> OverallStatus:
    """The seed's rule: none → unknown, all running → operational, all stopped → outage."""
    if not clusters:
        return OverallStatus.UNKNOWN
    states = {c.state for c in clusters}
    if states == {ClusterState.RUNNING}:
        return OverallStatus.OPERATIONAL
    if states == {ClusterState.STOPPED}:
        return OverallStatus.OUTAGE
    return OverallStatus.DEGRADED


def healthy_shards_by_cluster(snapshot: Snapshot) -> dict[int, int]:
    """How many of each cluster's reported shards are healthy, by cluster id."""
    return {c.id: sum(1 for s in c.shards if is_healthy(s.state)) for c in snapshot.clusters}


def healthy_cluster_ids(
    snapshot: Snapshot, healthy_by_cluster: dict[int, int] | None = None
) -> frozenset[int]:
    """Clusters with at least one shard, every one of them healthy (what folds away).

    ``healthy_by_cluster``, when the caller already has it, saves a second pass over
    every shard."""
    if healthy_by_cluster is None:
        healthy_by_cluster = healthy_shards_by_cluster(snapshot)
    return frozenset(
        c.id for c in snapshot.clusters if c.shards and healthy_by_cluster[c.id] == len(c.shards)
    )


def parse_ack(ack: object, now_ms: float) -> Snapshot | AckRejected:
    """Validate the whole acknowledgement envelope, then its clusters."""
    if not isinstance(ack, dict):
        return AckRejected(Problem(ProblemCode.ACK_NOT_OBJECT, True, detail=_describe(ack)))
    success = ack.get("success")
    if success is False:
        return AckRejected(
            Problem(ProblemCode.ACK_ERROR, True, detail=_describe(ack.get("error", "")))
        )
    if success is not True:
        return AckRejected(Problem(ProblemCode.ACK_MALFORMED, True, detail=_describe(ack)))
    data = ack.get("data")
    if not isinstance(data, list):
        return AckRejected(Problem(ProblemCode.DATA_NOT_LIST, True, detail=_describe(data)))
    return parse_clusters(data, now_ms)


def parse_clusters(data: list[object], now_ms: float) -> Snapshot:
    """Keep every valid cluster (first of each id wins) and record the rest."""
    problems: list[Problem] = []
    clusters: dict[int, Cluster] = {}
    seen_shards: set[int] = set()
    for index, raw in enumerate(data):
        cluster = _parse_cluster(raw, index, now_ms, problems, seen_shards, clusters)
        if cluster is not None:
            clusters[cluster.id] = cluster
    ordered = tuple(clusters[k] for k in sorted(clusters))
    return Snapshot(ordered, tuple(problems))


def _parse_cluster(
    raw: object,
    index: int,
    now_ms: float,
    problems: list[Problem],
    seen_shards: set[int],
    clusters: dict[int, Cluster],
) -> Cluster | None:
    if not isinstance(raw, dict):
        problems.append(
            Problem(ProblemCode.CLUSTER_NOT_OBJECT, True, index=index, detail=_describe(raw))
        )
        return None
    cid = raw.get("id")
    if not _is_int(cid) or cid < 0:
        problems.append(
            Problem(ProblemCode.CLUSTER_BAD_ID, True, index=index, detail=_describe(cid))
        )
        return None
    if cid in clusters:
        problems.append(Problem(ProblemCode.CLUSTER_DUPLICATE, True, cluster_id=cid, index=index))
        return None
    raw_state = raw.get("status")
    try:
        state = ClusterState(raw_state) if isinstance(raw_state, str) else None
    except ValueError:
        state = None
    if state is None:
        problems.append(
            Problem(
                ProblemCode.CLUSTER_BAD_STATUS,
                True,
                cluster_id=cid,
                index=index,
                detail=_describe(raw_state),
            )
        )
        return None

    shard_ids = _parse_shard_list(raw.get("shardList"), cid, problems)
    created_at = _parse_created_at(raw.get("createdAt"), cid, now_ms, problems)
    guilds = members = None
    shards: tuple[Shard, ...] = ()
    raw_shards = raw.get("shards")
    if state is ClusterState.RUNNING:
        guilds = _parse_count(raw.get("guilds"), "guilds", cid, problems)
        members = _parse_count(raw.get("members"), "members", cid, problems)
        shards = _parse_shards(raw_shards, cid, problems, seen_shards)
    elif raw_shards:
        # A cluster that is not running has no live gateway connections; whatever
        # it claims about shards is stale and would contradict its own state.
        problems.append(Problem(ProblemCode.SHARDS_ON_IDLE_CLUSTER, True, cluster_id=cid))
    return Cluster(cid, state, shard_ids, created_at, guilds, members, shards)


def _parse_shard_list(raw: object, cid: int, problems: list[Problem]) -> tuple[int, ...]:
    if isinstance(raw, list) and all(_is_int(x) and x >= 0 for x in raw):
        return tuple(dict.fromkeys(raw))
    problems.append(
        Problem(ProblemCode.SHARD_LIST_INVALID, False, cluster_id=cid, detail=_describe(raw))
    )
    return ()


def _parse_created_at(raw: object, cid: int, now_ms: float, problems: list[Problem]) -> int | None:
    if not _is_number(raw) or raw <= 0:
        problems.append(
            Problem(ProblemCode.CREATED_AT_INVALID, False, cluster_id=cid, detail=_describe(raw))
        )
        return None
    try:
        value = float(raw)
    except OverflowError:  # an int beyond float range (JSON allows it): far in the future
        value = math.inf
    if value < _SECONDS_NOT_MS_BELOW:
        problems.append(
            Problem(ProblemCode.CREATED_AT_SECONDS, False, cluster_id=cid, detail=_describe(raw))
        )
        value *= 1000
    if value > now_ms + _FUTURE_TOLERANCE_MS:
        problems.append(
            Problem(ProblemCode.CREATED_AT_FUTURE, False, cluster_id=cid, detail=_describe(raw))
        )
        return None
    return int(value)


def _parse_count(raw: object, field: str, cid: int, problems: list[Problem]) -> int | None:
    if _is_int(raw) and raw >= 0:
        return int(raw)
    problems.append(
        Problem(
            ProblemCode.COUNT_INVALID,
            False,
            cluster_id=cid,
            detail=f"{field}: {_describe(raw)}",
        )
    )
    return None


def _parse_shards(
    raw: object, cid: int, problems: list[Problem], seen: set[int]
) -> tuple[Shard, ...]:
    if not isinstance(raw, list):
        problems.append(
            Problem(ProblemCode.SHARDS_NOT_LIST, True, cluster_id=cid, detail=_describe(raw))
        )
        return ()
    shards: list[Shard] = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            problems.append(
                Problem(
                    ProblemCode.SHARD_NOT_OBJECT,
                    True,
                    cluster_id=cid,
                    index=index,
                    detail=_describe(item),
                )
            )
            continue
        sid = item.get("id")
        if not _is_int(sid) or sid < 0:
            problems.append(
                Problem(
                    ProblemCode.SHARD_BAD_ID,
                    True,
                    cluster_id=cid,
                    index=index,
                    detail=_describe(sid),
                )
            )
            continue
        if sid in seen:
            problems.append(
                Problem(ProblemCode.SHARD_DUPLICATE, True, cluster_id=cid, shard_id=sid)
            )
            continue
        raw_state = item.get("status")
        if not _is_int(raw_state) or raw_state not in _SHARD_STATES:
            problems.append(
                Problem(
                    ProblemCode.SHARD_BAD_STATE,
                    True,
                    cluster_id=cid,
                    shard_id=sid,
                    detail=_describe(raw_state),
                )
            )
            continue
        seen.add(sid)
        ping = _parse_ping(item.get("ping"), cid, sid, problems)
        shards.append(Shard(sid, cid, _SHARD_STATES[raw_state], ping))
    shards.sort(key=lambda s: s.id)
    return tuple(shards)


def _parse_ping(raw: object, cid: int, sid: int, problems: list[Problem]) -> int | None:
    if raw == -1 and _is_number(raw):
        return None
    if _is_number(raw) and 0 <= raw <= MAX_PLAUSIBLE_PING_MS:
        return round(raw)
    # Keep the shard (its state is real); only the ping is unknown.
    problems.append(
        Problem(
            ProblemCode.PING_INVALID, False, cluster_id=cid, shard_id=sid, detail=_describe(raw)
        )
    )
    return None


_SHARD_STATES = {int(s): s for s in ShardState}


def _is_int(value: object) -> TypeGuard[int]:
    # bool is an int subclass in Python; JSON true is not an id.
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> TypeGuard[int | float]:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and math.isfinite(value)


def _describe(value: object) -> str:
    """The offending value as short plain text (it is rendered as text, never as HTML)."""
    if isinstance(value, str):
        text = value
    elif value is None:
        text = "null"
    else:
        text = repr(value)
    if len(text) > _MAX_DETAIL_CHARS:
        text = text[: _MAX_DETAIL_CHARS - 1] + "…"
    return text
