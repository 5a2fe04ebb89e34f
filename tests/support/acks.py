"""Answers to ``get-cluster-status``, as the bot's server acknowledges it.

``ack(*clusters)`` wraps cluster entries (``cluster(...)``) in a successful answer;
``grid_ack`` builds a big bot's answer; ``ack_text`` wraps JSON text, for tests that must
see exactly what the wire carries (``NaN``, duplicate keys...).

>>> ack(cluster(0, range(2), states={1: 2}))["data"][0]["shards"][1]
{'id': 1, 'ping': 40, 'status': 2}
>>> "shards" in cluster(1, [4, 5], status="stopped")
False
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tests.support.clock import CREATED, NOW

__all__ = ["ack", "ack_text", "cluster", "grid_ack"]


def cluster(
    cluster_id: int,
    shard_ids: Iterable[int],
    *,
    status: str = "running",
    states: Mapping[int, int] | None = None,
    ping: int = 40,
    created: int = CREATED,
    guilds: int = 10,
    members: int = 100,
) -> dict[str, Any]:
    """One cluster entry; a running one lists its shards, Ready (discord.js status 0) but
    for ``states`` (shard id -> discord.js status number)."""
    ids = list(shard_ids)
    entry: dict[str, Any] = {
        "id": cluster_id,
        "status": status,
        "shardList": ids,
        "createdAt": created,
        "guilds": guilds,
        "members": members,
    }
    if status == "running":
        states = states or {}
        entry["shards"] = [{"id": s, "ping": ping, "status": states.get(s, 0)} for s in ids]
    return entry


def ack(*clusters: dict[str, Any]) -> dict[str, Any]:
    """A successful answer listing ``clusters``."""
    return {"success": True, "data": list(clusters)}


def grid_ack(clusters: int, shards_per_cluster: int, problem_every: int = 7) -> dict[str, Any]:
    """A big bot: every shard whose id is a multiple of ``problem_every`` is Reconnecting,
    pings vary with the shard id, and the clusters have been up for an hour."""
    data = []
    for c in range(clusters):
        ids = range(c * shards_per_cluster, (c + 1) * shards_per_cluster)
        entry = cluster(
            c,
            ids,
            created=NOW - 3_600_000,
            guilds=1000 + c,
            members=50_000 + c,
            states={s: 2 for s in ids if s % problem_every == 0},
        )
        for shard in entry["shards"]:
            shard["ping"] = 40 + shard["id"] % 200
        data.append(entry)
    return ack(*data)


def ack_text(data_json: str) -> str:
    """A successful answer around ``data_json`` (a JSON array literal), as text."""
    return '{"success": true, "data": ' + data_json + "}"
