"""What one render pass knows, worked out once and handed to every region.

A region is a function of the pass's ``Frame`` alone. ``count`` works out the ``Counts``
that the summary, the legend and the banner show, once per snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.model.changelog import ChangeLog
from app.model.lookup import Located, locate_guild
from app.model.page_state import PageState, SourceKind
from app.model.shard_lookup import GuildInput
from app.model.snapshot import Shard, Snapshot, healthy_cluster_ids, healthy_shards_by_cluster
from app.model.ui_state import UiState
from app.model.vocabulary import ClusterState, ShardState, is_healthy
from app.render.memo import Memo
from app.render.wording import Wording

Shards = tuple[Shard, ...]

__all__ = ["Counts", "Frame", "Shards", "attrs", "count", "found_shard", "link"]


@dataclass(frozen=True, slots=True)
class Counts:
    healthy: int
    ready: int
    running: int
    guilds: int
    members: int
    average_ping: int | None
    by_state: dict[ShardState, int]
    healthy_by_cluster: dict[int, int]
    healthy_clusters: frozenset[int]


def count(snapshot: Snapshot) -> Counts:
    by_state = dict.fromkeys(ShardState, 0)
    for shard in snapshot.shards:
        by_state[shard.state] += 1
    pings = [s.ping_ms for s in snapshot.shards if s.ping_ms is not None]
    clusters = snapshot.clusters
    healthy_by_cluster = healthy_shards_by_cluster(snapshot)
    return Counts(
        healthy=sum(n for st, n in by_state.items() if is_healthy(st)),
        ready=by_state[ShardState.READY],
        running=sum(1 for c in clusters if c.state is ClusterState.RUNNING),
        guilds=sum(c.guilds or 0 for c in clusters),
        members=sum(c.members or 0 for c in clusters),
        average_ping=round(sum(pings) / len(pings)) if pings else None,
        by_state=by_state,
        healthy_by_cluster=healthy_by_cluster,
        healthy_clusters=healthy_cluster_ids(snapshot, healthy_by_cluster),
    )


def found_shard(snapshot: Snapshot | None, lookup: GuildInput | None) -> int | None:
    """The shard the visitor's server is on, when the lookup can tell."""
    if snapshot is None or lookup is None or lookup.guild_id is None:
        return None
    found = locate_guild(snapshot, lookup.guild_id)
    return found.shard_id if isinstance(found, Located) else None


def link(state: PageState) -> str:
    """The connection indicator's state; mock data has no connection to speak of."""
    return "preview" if state.source is SourceKind.MOCK else state.connection.value


def attrs(*pairs: tuple[str, str | None]) -> tuple[tuple[str, str], ...]:
    return tuple((k, v) for k, v in pairs if v is not None)


@dataclass(frozen=True, slots=True)
class Frame:
    """One render pass: the page's state and the visitor's choices at ``now_ms``.

    ``memo`` is the only thing a region may change, and only through ``memo.call``.
    """

    w: Wording
    memo: Memo
    state: PageState
    ui: UiState
    now_ms: float
    changes: ChangeLog
    counts: Counts | None  # None until data has arrived
    found: int | None
    lookup: tuple[str | None, str]  # the lookup's answer: (kind, text); kind None: not asked
    stale: bool
    # The cut of each huge grid, by (cluster, found, open shard), kept by the view for
    # one snapshot and checked against the identity of the shards it was cut from.
    capped: dict[tuple[int, int | None, int | None], tuple[Shards, Shards]]
