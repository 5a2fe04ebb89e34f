"""Answer "which shard is my server on, and how is it?" from one snapshot.

>>> from app.model.snapshot import Cluster, Shard, Snapshot
>>> from app.model.vocabulary import ClusterState, ShardState
>>> snap = Snapshot((Cluster(0, ClusterState.RUNNING, (0, 1), 1, 1, 1,
...     (Shard(0, 0, ShardState.READY, 40), Shard(1, 0, ShardState.RESUMING, None))),))
>>> locate_guild(snap, 81384788765712384).shard_id  # (81384788765712384 >> 22) % 2
0
"""

from __future__ import annotations

from dataclasses import dataclass

from app.model.shard_lookup import shard_for_guild, total_shards
from app.model.snapshot import Cluster, Shard, Snapshot

__all__ = ["Located", "LookupUnavailable", "locate_guild"]


@dataclass(frozen=True, slots=True)
class Located:
    """The guild's shard, the cluster hosting it and, while it runs, the shard's status."""

    shard_id: int
    cluster: Cluster | None = None
    shard: Shard | None = None


@dataclass(frozen=True, slots=True)
class LookupUnavailable:
    """The shard count cannot be trusted (IDs are not exactly 0..N-1), so no guess is made."""


def locate_guild(snapshot: Snapshot, guild_id: int) -> Located | LookupUnavailable:
    total = total_shards(c.shard_ids for c in snapshot.clusters)
    if total is None:
        return LookupUnavailable()
    shard_id = shard_for_guild(guild_id, total)
    cluster = next((c for c in snapshot.clusters if shard_id in c.shard_ids), None)
    shard = None
    if cluster is not None:
        shard = next((s for s in cluster.shards if s.id == shard_id), None)
    return Located(shard_id, cluster, shard)
