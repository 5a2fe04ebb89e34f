"""Deterministic cluster-status data for the SupportMail status page mocks.

Pure standard library. Every function here is deterministic given its inputs
(``seed`` / the ``random.Random`` passed in, and ``now_ms``), so tests and the
static mock files are reproducible.

The payload contract (one ``ClusterStatus`` per cluster)::

    {"id": int, "status": "starting" | "running" | "stopped",
     "shardList": [int, ...], "createdAt": <Unix ms the process spawned>,
     # only when status == "running":
     "guilds": int, "members": int,
     "shards": [{"id": int, "ping": int, "status": int}, ...]}

Shard ``status`` is discord.js ``Status``; ``ping`` is -1 until measured.

CLI: ``python mock/scenarios.py --write mock/`` writes the page's static mock
data (``operational.json``, ``degraded.json``, ``outage.json``, ``empty.json``,
each the ``data`` array of a successful acknowledgement).
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
from pathlib import Path
from typing import Any, Final, TypeGuard

# discord.js Status
READY: Final = 0
CONNECTING: Final = 1
RECONNECTING: Final = 2
IDLE: Final = 3
NEARLY: Final = 4
DISCONNECTED: Final = 5
WAITING_FOR_GUILDS: Final = 6
IDENTIFYING: Final = 7
RESUMING: Final = 8

SCENARIOS: Final = ("operational", "degraded", "outage", "empty")

#: Fixed "now" for the static mock files: 2026-11-26T12:00:00Z.
FIXED_NOW_MS: Final = 1_795_694_400_000

MINUTE_MS: Final = 60_000
HOUR_MS: Final = 60 * MINUTE_MS
DAY_MS: Final = 24 * HOUR_MS

Cluster = dict[str, Any]


def _shard_ids(cluster_id: int, shards_per_cluster: int) -> list[int]:
    start = cluster_id * shards_per_cluster
    return list(range(start, start + shards_per_cluster))


def _guilds_for(rng: random.Random, shard_count: int) -> int:
    # Discord allows at most 2,500 guilds per shard; a healthy sharded bot
    # sits around 1,000-1,400 per shard.
    return sum(rng.randint(950, 1400) for _ in range(shard_count))


def _members_for(rng: random.Random, guilds: int) -> int:
    # Mostly small and mid-sized servers: 60-190 members on average.
    return guilds * rng.randint(60, 190) + rng.randint(0, 999)


def _ping(rng: random.Random) -> int:
    # Mostly 40-90 ms with a tail up to 180 ms.
    return min(180, max(30, int(rng.gauss(68, 22))))


def _running(
    rng: random.Random, cluster_id: int, shard_list: list[int], created_at: int
) -> Cluster:
    guilds = _guilds_for(rng, len(shard_list))
    return {
        "id": cluster_id,
        "status": "running",
        "shardList": list(shard_list),
        "createdAt": created_at,
        "guilds": guilds,
        "members": _members_for(rng, guilds),
        "shards": [{"id": s, "ping": _ping(rng), "status": READY} for s in shard_list],
    }


def _not_running(status: str, cluster_id: int, shard_list: list[int], created_at: int) -> Cluster:
    return {
        "id": cluster_id,
        "status": status,
        "shardList": list(shard_list),
        "createdAt": created_at,
    }


def _uptime_ms(rng: random.Random) -> int:
    # Spawned 1-9 days ago, at a random second.
    return rng.randint(1 * DAY_MS, 9 * DAY_MS) // 1000 * 1000


def build_clusters(
    scenario: str,
    clusters: int = 4,
    shards_per_cluster: int = 4,
    now_ms: int = FIXED_NOW_MS,
    seed: int = 1,
) -> list[Cluster]:
    """Build the cluster list for ``scenario`` (see ``SCENARIOS``).

    - ``operational``: every cluster running, every shard Ready, pings 30-180.
    - ``degraded``: the last cluster stopped, every fourth cluster starting, and a
      few shards of the running ones Reconnecting / Resuming / Identifying, two of
      them with ping -1 (not measured yet).
    - ``outage``: every cluster stopped (no ``guilds`` / ``members`` / ``shards``).
    - ``empty``: ``[]``.
    """
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; expected one of {SCENARIOS}")
    if clusters < 0 or shards_per_cluster < 0:
        raise ValueError("clusters and shards_per_cluster must be >= 0")
    rng = random.Random(f"{scenario}:{seed}")
    if scenario == "empty":
        return []

    # All clusters of a deployment spawn within a minute of each other.
    deploy_at = now_ms - _uptime_ms(rng)
    created = [deploy_at + i * rng.randint(2_000, 9_000) for i in range(clusters)]

    if scenario == "operational":
        return [
            _running(rng, i, _shard_ids(i, shards_per_cluster), created[i]) for i in range(clusters)
        ]

    if scenario == "outage":
        # Processes died; createdAt stays the spawn time of the dead process.
        return [
            _not_running("stopped", i, _shard_ids(i, shards_per_cluster), created[i])
            for i in range(clusters)
        ]

    # degraded
    out: list[Cluster] = []
    for i in range(clusters):
        shard_list = _shard_ids(i, shards_per_cluster)
        if clusters >= 3 and i == clusters - 1:
            # Crashed 7 minutes ago and has not come back.
            out.append(_not_running("stopped", i, shard_list, now_ms - 7 * MINUTE_MS - 31_000))
        elif clusters >= 2 and i % 4 == (2 if clusters >= 3 else 1):
            # Respawned 42 s ago and still logging in.
            out.append(_not_running("starting", i, shard_list, now_ms - 42_000 - i * 1_000))
        else:
            out.append(_running(rng, i, shard_list, created[i]))

    running_shards = [s for c in out if c["status"] == "running" for s in c["shards"]]
    # A few troubled shards, spread over the running clusters.
    troubles = [
        (RECONNECTING, -1),
        (RESUMING, None),
        (IDENTIFYING, -1),
        (RECONNECTING, None),
    ]
    if running_shards:
        step_by = max(1, len(running_shards) // len(troubles))
        picks = running_shards[1::step_by][: len(troubles)]
        for shard, (status, ping) in zip(picks, troubles, strict=False):
            shard["status"] = status
            if ping is not None:
                shard["ping"] = ping
            else:
                shard["ping"] = min(400, shard["ping"] + rng.randint(90, 220))
    return out


# --------------------------------------------------------------------------- evolution

#: What a shard in a given state turns into, and how likely per step.
_SHARD_TRANSITIONS: Final[dict[int, tuple[int, float]]] = {
    RECONNECTING: (RESUMING, 0.6),
    RESUMING: (READY, 0.6),
    CONNECTING: (IDENTIFYING, 0.7),
    IDENTIFYING: (WAITING_FOR_GUILDS, 0.6),
    WAITING_FOR_GUILDS: (READY, 0.7),
    NEARLY: (READY, 0.7),
    IDLE: (CONNECTING, 0.5),
    DISCONNECTED: (CONNECTING, 0.4),
}


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _step_shard(shard: dict[str, Any], rng: random.Random) -> None:
    status = shard.get("status")
    ping = shard.get("ping")
    if not _is_int(status) or not _is_int(ping):
        return
    if status == READY:
        roll = rng.random()
        if roll < 0.015:
            shard["status"] = RECONNECTING
        elif roll < 0.02:
            shard["status"] = DISCONNECTED
            shard["ping"] = -1
            return
        if shard["ping"] < 0:
            shard["ping"] = _ping(rng)
        else:
            jitter = int(rng.gauss(0, 9))
            shard["ping"] = min(400, max(25, shard["ping"] + jitter))
        return
    transition = _SHARD_TRANSITIONS.get(status)
    if transition is not None and rng.random() < transition[1]:
        shard["status"] = transition[0]
        if transition[0] == READY:
            shard["ping"] = _ping(rng)


def step(
    clusters: list[Any],
    rng: random.Random,
    now_ms: int,
    *,
    crash_probability: float = 0.004,
    respawn_probability: float = 0.35,
) -> list[Any]:
    """Return the next state of ``clusters`` (the input is not modified).

    Per step: Ready shards occasionally flip to Reconnecting (then Resuming, then
    Ready again) or Disconnected (then Connecting, Identifying, WaitingForGuilds,
    Ready); pings jitter; guild and member counts drift; a running cluster
    occasionally crashes (``stopped``); a stopped cluster respawns (``starting``,
    new ``createdAt``) with ``respawn_probability``; a starting cluster comes up
    (``running`` with its shards Connecting / Identifying, pings -1). Pass
    ``respawn_probability=0`` to keep an outage an outage.

    Entries that do not look like a ``ClusterStatus`` are passed through as is.
    """
    out: list[Any] = []
    for original in clusters:
        cluster = copy.deepcopy(original)
        out.append(cluster)
        if not isinstance(cluster, dict):
            continue
        status = cluster.get("status")
        shard_list = cluster.get("shardList")
        if not isinstance(shard_list, list) or not all(_is_int(s) for s in shard_list):
            continue
        if status == "running":
            if rng.random() < crash_probability:
                for key in ("guilds", "members", "shards"):
                    cluster.pop(key, None)
                cluster["status"] = "stopped"
                continue
            shards = cluster.get("shards")
            if isinstance(shards, list):
                for shard in shards:
                    if isinstance(shard, dict):
                        _step_shard(shard, rng)
            guilds = cluster.get("guilds")
            members = cluster.get("members")
            if _is_int(guilds) and _is_int(members):
                delta = rng.choice((-1, 0, 0, 1, 1, 2))
                cluster["guilds"] = max(0, guilds + delta)
                cluster["members"] = max(0, members + delta * rng.randint(5, 300))
        elif status == "stopped":
            if rng.random() < respawn_probability:
                cluster["status"] = "starting"
                cluster["createdAt"] = now_ms
        elif status == "starting" and rng.random() < 0.5:
            guilds = _guilds_for(rng, len(shard_list))
            cluster["status"] = "running"
            cluster["guilds"] = guilds
            cluster["members"] = _members_for(rng, guilds)
            cluster["shards"] = [
                {"id": s, "ping": -1, "status": rng.choice((CONNECTING, IDENTIFYING))}
                for s in shard_list
            ]
    return out


# --------------------------------------------------------------------------- CLI


def write_mock_files(directory: Path, *, now_ms: int = FIXED_NOW_MS, seed: int = 1) -> list[Path]:
    """Write the four static mock files (4 clusters x 4 shards) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for scenario in SCENARIOS:
        data = build_clusters(scenario, 4, 4, now_ms=now_ms, seed=seed)
        path = directory / f"{scenario}.json"
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--write", metavar="DIR", type=Path, help="write the static mock files")
    parser.add_argument("--scenario", choices=SCENARIOS, help="print one scenario to stdout")
    parser.add_argument("--clusters", type=int, default=4)
    parser.add_argument("--shards-per-cluster", type=int, default=4)
    parser.add_argument("--now-ms", type=int, default=FIXED_NOW_MS)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.write is None and args.scenario is None:
        parser.error("give --write DIR or --scenario NAME")
    if args.write is not None:
        for path in write_mock_files(args.write, now_ms=args.now_ms, seed=args.seed):
            print(f"wrote {path}")
    if args.scenario is not None:
        data = build_clusters(
            args.scenario, args.clusters, args.shards_per_cluster, args.now_ms, args.seed
        )
        json.dump(data, sys.stdout, indent=2)
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
