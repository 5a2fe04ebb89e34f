"""Unit tests for app.model.lookup: which shard and cluster a real server ID lands on.

Expected shards are worked out by hand in the comments, ``(guild_id >> 22) % total``, and
double-checked in Python (``test_hand_computed_expectations_are_right``), so a test fails if
the formula, the shard count or the cluster mapping were wrong, not just if it changed.
"""

from __future__ import annotations

import doctest
import json

import pytest

from app.model import lookup as lookup_module
from app.model.lookup import Located, LookupUnavailable, locate_guild
from app.model.shard_lookup import MAX_SNOWFLAKE, GuildInputError, parse_guild_input
from app.model.snapshot import Cluster, Shard, Snapshot, parse_ack
from app.model.vocabulary import ClusterState, ShardState
from tests.support import NOW, ROOT

# Real server IDs (public servers) and one built from a 2023 timestamp.
DISCORD_API = 81384788765712384  # >> 22 = 19403645698 = 16 * 1212727856 + 2   -> 16 shards: 2
DEVELOPERS = 613425648685547541  # >> 22 = 146252071544 = 16 * 9140754471 + 8  -> 16 shards: 8
PYTHON_DISCORD = 267624335836053506  # >> 22 = 63806613883 = 16 * 3987913367 + 11 -> 11
DISCORD_JS = 222078108977594368  # >> 22 = 52947547192 = 16 * 3309221699 + 8 -> 8; % 10 = 2
BUILT_2023 = 1174109841002598546  # >> 22 = 279929600001 = 16 * 17495600000 + 1 -> 16 shards: 1
# 2**63 - 1 >> 22 = 2**41 - 1 = 2199023255551, % 10 = 1.  Truncated to 32 bits first it would be
# (2**32 - 1) >> 22 = 1023, % 10 = 3; as a JS double (2**63) it would be 2**41, % 10 = 2.
LARGEST = MAX_SNOWFLAKE

HAND_COMPUTED = [
    (DISCORD_API, 16, 2),
    (DEVELOPERS, 16, 8),
    (PYTHON_DISCORD, 16, 11),
    (DISCORD_JS, 16, 8),
    (DISCORD_JS, 10, 2),
    (BUILT_2023, 16, 1),
    (LARGEST, 10, 1),
]


def test_hand_computed_expectations_are_right() -> None:
    """The arithmetic in the comments above, checked once more with Python's exact ints."""
    for guild_id, total, shard in HAND_COMPUTED:
        assert (guild_id >> 22) % total == shard, guild_id
    assert (DISCORD_API >> 22) == 19403645698 == 16 * 1212727856 + 2
    assert (DEVELOPERS >> 22) == 146252071544 == 16 * 9140754471 + 8
    assert (PYTHON_DISCORD >> 22) == 63806613883 == 16 * 3987913367 + 11
    assert (BUILT_2023 >> 22) == 279929600001 == 16 * 17495600000 + 1
    assert (LARGEST >> 22) == 2**41 - 1
    assert ((LARGEST & 0xFFFF_FFFF) >> 22) % 10 == 3  # what a 32-bit truncation would say


def test_module_docstring_example_runs() -> None:
    assert doctest.testmod(lookup_module).failed == 0


def running(cid: int, ids: range | list[int], state: ShardState = ShardState.READY) -> Cluster:
    shards = tuple(Shard(i, cid, state, 40 + i) for i in ids)
    return Cluster(cid, ClusterState.RUNNING, tuple(ids), 0, 10, 100, shards)


def idle(cid: int, ids: range | list[int], state: ClusterState) -> Cluster:
    return Cluster(cid, state, tuple(ids), None, None, None, ())


def sixteen() -> Snapshot:
    """4 clusters x 4 shards: 0-3 running, 4-7 running (Reconnecting), 8-11 starting,
    12-15 stopped."""
    return Snapshot(
        (
            running(0, range(0, 4)),
            running(1, range(4, 8), ShardState.RECONNECTING),
            idle(2, range(8, 12), ClusterState.STARTING),
            idle(3, range(12, 16), ClusterState.STOPPED),
        )
    )


@pytest.mark.parametrize(
    ("guild_id", "shard_id", "cluster_id"),
    [
        (DISCORD_API, 2, 0),
        (BUILT_2023, 1, 0),
        (DEVELOPERS, 8, 2),
        (PYTHON_DISCORD, 11, 2),
    ],
)
def test_real_snowflakes_land_on_the_hand_computed_shard_and_its_cluster(
    guild_id: int, shard_id: int, cluster_id: int
) -> None:
    found = locate_guild(sixteen(), guild_id)
    assert isinstance(found, Located)
    assert found.shard_id == shard_id
    assert found.cluster is not None and found.cluster.id == cluster_id


def test_a_found_shard_on_a_running_cluster_carries_its_state_and_ping() -> None:
    found = locate_guild(sixteen(), DISCORD_API)
    assert isinstance(found, Located)
    assert found.shard == Shard(2, 0, ShardState.READY, 42)
    assert found.cluster is not None and found.cluster.state is ClusterState.RUNNING


def test_a_shard_on_a_stopped_cluster_names_the_cluster_but_has_no_shard_status() -> None:
    """Shard 12-15 belong to the stopped cluster 3: the cluster is known, the shard is not live."""
    guild_id = 1174109841048735890  # >> 22 = 279929600012 = 16 * 17495600000 + 12
    assert (guild_id >> 22) % 16 == 12
    found = locate_guild(sixteen(), guild_id)
    assert isinstance(found, Located)
    assert found.shard_id == 12
    assert found.cluster is not None
    assert found.cluster.id == 3 and found.cluster.state is ClusterState.STOPPED
    assert found.shard is None


def test_a_starting_cluster_likewise_gives_the_cluster_and_no_shard() -> None:
    found = locate_guild(sixteen(), DEVELOPERS)
    assert isinstance(found, Located)
    assert found.cluster is not None and found.cluster.state is ClusterState.STARTING
    assert found.shard is None


def test_a_running_cluster_that_does_not_report_the_shard_gives_no_shard_status() -> None:
    cluster = Cluster(0, ClusterState.RUNNING, (0, 1), 0, 1, 1, (Shard(0, 0, ShardState.READY, 9),))
    found = locate_guild(Snapshot((cluster,)), 4194304)  # 4194304 >> 22 = 1, % 2 = 1
    assert found == Located(1, cluster, None)


def test_the_count_is_over_every_clusters_shard_list_not_only_running_shards() -> None:
    """Stopped clusters still count: with only the 8 running shards, DEVELOPERS would say 0."""
    assert (DEVELOPERS >> 22) % 8 == 0
    found = locate_guild(sixteen(), DEVELOPERS)
    assert isinstance(found, Located) and found.shard_id == 8


def test_the_largest_snowflake_is_computed_on_exact_integers() -> None:
    """No truncation to 32 bits and no rounding through a double: 2**63 - 1 on 10 shards is 1."""
    snapshot = Snapshot((running(0, range(0, 5)), running(1, range(5, 10))))
    found = locate_guild(snapshot, LARGEST)
    assert isinstance(found, Located)
    assert found.shard_id == 1
    assert found.cluster is not None and found.cluster.id == 0


@pytest.mark.parametrize(
    "shard_lists",
    [
        [[0, 1], [3]],  # a gap: is there a shard 2 nobody reports, or 4 shards?
        [[1, 2, 3]],  # no shard 0
        [[0, 1, 2], [7]],  # a stray ID
        [[], []],  # no shards at all
        [],  # no clusters
    ],
)
def test_lookup_is_unavailable_unless_the_ids_are_exactly_0_to_n_minus_1(
    shard_lists: list[list[int]],
) -> None:
    snapshot = Snapshot(tuple(running(i, ids) for i, ids in enumerate(shard_lists)))
    assert locate_guild(snapshot, DISCORD_API) == LookupUnavailable()


def test_ids_repeated_across_clusters_count_once() -> None:
    """[0, 1] and [1, 2] are three distinct shards, not four."""
    snapshot = Snapshot((running(0, [0, 1]), running(1, [1, 2])))
    found = locate_guild(snapshot, DISCORD_API)  # 19403645698 = 3 * 6467881899 + 1
    assert (DISCORD_API >> 22) % 3 == 1
    assert isinstance(found, Located) and found.shard_id == 1
    assert found.cluster is not None and found.cluster.id == 0  # the first cluster listing it


def test_the_degraded_mock_answer_maps_guilds_to_its_clusters() -> None:
    """The preview data the browser tests use: 16 shards in 4 clusters of 4."""
    data = json.loads((ROOT / "mock" / "degraded.json").read_text())
    snapshot = parse_ack({"success": True, "data": data}, NOW)
    assert isinstance(snapshot, Snapshot)
    found = locate_guild(snapshot, DISCORD_API)
    assert isinstance(found, Located) and found.shard_id == 2
    assert found.shard is not None and found.shard.state is ShardState.READY
    found = locate_guild(snapshot, BUILT_2023)
    assert isinstance(found, Located) and found.shard_id == 1
    assert found.shard is not None and found.shard.state is ShardState.RECONNECTING


@pytest.mark.parametrize(
    "text",
    [
        str(MAX_SNOWFLAKE + 1),  # 9223372036854775808: 2**63, one above the largest
        "18446744073709551615",  # 2**64 - 1, 20 digits
        "99999999999999999999",
        "https://discord.com/channels/9223372036854775808/381887113391505410",
    ],
)
def test_ids_above_2_63_minus_1_are_rejected_as_too_large(text: str) -> None:
    assert parse_guild_input(text).error is GuildInputError.TOO_LARGE


def test_the_largest_valid_snowflake_is_accepted() -> None:
    assert parse_guild_input(str(MAX_SNOWFLAKE)).guild_id == MAX_SNOWFLAKE


@pytest.mark.parametrize(
    "text",
    [
        "https://discord.com/channels/81384788765712384/381887113391505410/1234567890123456789",
        "https://ptb.discord.com/channels/81384788765712384/381887113391505410",
        "canary.discord.com/channels/81384788765712384/381887113391505410",
        "https://discordapp.com/channels/81384788765712384/381887113391505410/1234567890123456789",
        "81384788765712384",
    ],
)
def test_links_and_ids_read_the_guild_and_locate_it(text: str) -> None:
    parsed = parse_guild_input(text)
    assert parsed.guild_id == DISCORD_API
    found = locate_guild(sixteen(), parsed.guild_id)
    assert isinstance(found, Located) and found.shard_id == 2
