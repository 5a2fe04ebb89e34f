"""Unit tests for app.model.changelog: shard transitions, ping history and recent changes."""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.model import changelog as changelog_module
from app.model.changelog import PING_SAMPLES, RECENT_CAP, Change, ChangeLog, ShardHistory

# discord.js Status numbers, as in ShardState
READY, CONNECTING, RECONNECTING, DISCONNECTED, RESUMING = 0, 1, 2, 5, 8

Snapshot = list[tuple[int, list[tuple[int, int, float | None]]]]


def snapshot(states: dict[int, list[int]], ping: float | None = 50.0) -> Snapshot:
    """Clusters -> shard states, every shard with the same ping."""
    return [
        (c, [(s, state, ping) for s, state in enumerate_shards(c, ss)]) for c, ss in states.items()
    ]


def enumerate_shards(cluster_id: int, states: list[int]) -> list[tuple[int, int]]:
    """Cluster c owns shards 2c and 2c+1 (two shards per cluster)."""
    return [(cluster_id * 2 + i, state) for i, state in enumerate(states)]


def test_module_docstring_example_runs() -> None:
    """The example in the module docstring is runnable and correct."""
    assert doctest.testmod(changelog_module).failed == 0


def test_first_observation_records_baselines_without_changes() -> None:
    """The first snapshot produces no changes, whatever the states are."""
    log = ChangeLog()
    assert log.observe(0.0, snapshot({0: [READY, RECONNECTING], 1: [DISCONNECTED, READY]})) == []
    assert log.recent == ()
    assert log.shard_history(1) == ShardHistory(last_change_at=None, transitions=0)


def test_state_changes_are_reported_with_time_shard_cluster_and_states() -> None:
    """A shard whose state differs from the previous snapshot yields one Change."""
    log = ChangeLog()
    log.observe(0.0, snapshot({0: [READY, READY], 1: [READY, READY]}))
    changes = log.observe(15.0, snapshot({0: [READY, RECONNECTING], 1: [READY, READY]}))
    assert changes == [Change(at=15.0, shard_id=1, cluster_id=0, old_state=0, new_state=2)]
    assert log.recent == tuple(changes)


def test_unchanged_snapshots_produce_nothing() -> None:
    """Repeating the same states produces no changes and no history."""
    log = ChangeLog()
    for t in range(5):
        assert log.observe(t * 15.0, snapshot({0: [READY, CONNECTING]})) == []
    assert log.shard_history(1) == ShardHistory(None, 0)


def test_shard_history_counts_transitions_and_keeps_the_last_change_time() -> None:
    """Each transition counts once; last_change_at is the time of the latest one."""
    log = ChangeLog()
    timeline = [READY, RECONNECTING, RECONNECTING, RESUMING, READY, READY]
    for t, state in enumerate(timeline):
        log.observe(t * 10.0, snapshot({0: [state, READY]}))
    assert log.shard_history(0) == ShardHistory(last_change_at=40.0, transitions=3)
    assert log.shard_history(1) == ShardHistory(None, 0)
    assert log.shard_history(999) == ShardHistory(None, 0)


def test_recent_is_newest_first_and_capped_at_fifty() -> None:
    """The recent list keeps the 50 newest changes, newest first."""
    log = ChangeLog()
    log.observe(0.0, snapshot({0: [READY, READY]}))
    for t in range(1, 61):
        log.observe(float(t), snapshot({0: [t % 2, READY]}))  # shard 0 flips every time
    recent = log.recent
    assert len(recent) == RECENT_CAP == 50
    assert [c.at for c in recent] == [float(t) for t in range(60, 10, -1)]
    assert log.shard_history(0).transitions == 60  # history is not capped


def test_changes_within_one_snapshot_keep_snapshot_order_in_recent() -> None:
    """Changes seen together appear in recent in the order the snapshot listed them."""
    log = ChangeLog()
    log.observe(0.0, snapshot({0: [READY, READY], 1: [READY, READY]}))
    log.observe(1.0, snapshot({0: [CONNECTING, READY], 1: [READY, READY]}))
    changes = log.observe(2.0, snapshot({0: [CONNECTING, DISCONNECTED], 1: [DISCONNECTED, READY]}))
    assert [c.shard_id for c in changes] == [1, 2]
    assert [(c.at, c.shard_id) for c in log.recent] == [(2.0, 1), (2.0, 2), (1.0, 0)]


def test_ping_series_averages_known_pings_per_cluster() -> None:
    """A cluster's sample is the mean of its shards' known pings; unknown pings are skipped."""
    log = ChangeLog()
    log.observe(
        0.0, [(0, [(0, READY, 40), (1, READY, 61)]), (1, [(2, READY, None), (3, READY, 30)])]
    )
    log.observe(
        15.0, [(0, [(0, READY, None), (1, READY, -1)]), (1, [(2, READY, 10), (3, READY, 20)])]
    )
    assert log.ping_series(0) == (50.5, None)  # -1 is discord.js's "no heartbeat yet"
    assert log.ping_series(1) == (30.0, 15.0)
    assert log.ping_series(42) == ()


def test_cluster_without_shards_records_an_unknown_ping() -> None:
    """A cluster that reports no shards (still spawning) gets a None sample."""
    log = ChangeLog()
    log.observe(0.0, [(3, [])])
    assert log.ping_series(3) == (None,)


def test_ping_series_keeps_the_last_forty_samples_oldest_first() -> None:
    """The ping ring holds 40 samples; older ones fall off the front."""
    log = ChangeLog()
    for t in range(100):
        log.observe(float(t), [(0, [(0, READY, float(t))])])
    series = log.ping_series(0)
    assert len(series) == PING_SAMPLES == 40
    assert series == tuple(float(t) for t in range(60, 100))


def test_vanished_shards_and_clusters_are_forgotten() -> None:
    """Only what the latest snapshot lists is remembered; a returning shard starts afresh."""
    log = ChangeLog()
    log.observe(0.0, snapshot({0: [READY, READY], 1: [READY, READY]}))
    log.observe(1.0, snapshot({0: [READY, READY], 1: [RECONNECTING, READY]}))
    assert log.shard_history(2).transitions == 1
    log.observe(2.0, snapshot({0: [READY, READY]}))  # cluster 1 restarted and is absent
    assert log.ping_series(1) == ()
    assert log.shard_history(2) == ShardHistory(None, 0)
    assert log.observe(3.0, snapshot({0: [READY, READY], 1: [CONNECTING, READY]})) == []
    assert log.ping_series(1) == (50.0,)
    assert len(log.recent) == 1  # the list of past changes survives


def test_shard_moving_between_clusters_keeps_its_history() -> None:
    """A shard reported by another cluster is the same shard; its change names the new cluster."""
    log = ChangeLog()
    log.observe(0.0, [(0, [(7, READY, 1)])])
    changes = log.observe(1.0, [(1, [(7, RESUMING, 1)])])
    assert changes == [Change(1.0, 7, 1, READY, RESUMING)]


def test_duplicates_within_a_snapshot_count_once() -> None:
    """A shard listed twice counts once (first wins); a cluster listed twice gets one sample."""
    log = ChangeLog()
    log.observe(0.0, [(0, [(0, READY, 10)]), (0, [(1, READY, 30)])])
    assert log.ping_series(0) == (20.0,)
    changes = log.observe(1.0, [(0, [(0, CONNECTING, 10), (0, DISCONNECTED, 10), (1, READY, 30)])])
    assert changes == [Change(1.0, 0, 0, READY, CONNECTING)]
    assert log.shard_history(0).transitions == 1


def test_observe_accepts_one_shot_iterables() -> None:
    """Generators for clusters and shards are consumed once and give the same result as lists."""
    log = ChangeLog()
    log.observe(0.0, ((c, iter([(c, READY, 5)])) for c in range(3)))
    changes = log.observe(1.0, ((c, iter([(c, CONNECTING, 5)])) for c in range(3)))
    assert [c.shard_id for c in changes] == [0, 1, 2]


def test_invalid_limits_are_rejected() -> None:
    """Ring and list sizes below one make no sense and raise ValueError."""
    with pytest.raises(ValueError, match=">= 1"):
        ChangeLog(ping_samples=0)
    with pytest.raises(ValueError, match=">= 1"):
        ChangeLog(recent_cap=0)


_SNAPSHOTS = st.lists(
    st.dictionaries(
        st.integers(0, 15),  # shard id
        st.tuples(st.integers(0, 8), st.integers(0, 3), st.none() | st.integers(-1, 500)),
        max_size=12,
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(_SNAPSHOTS)
def test_matches_a_naive_reference_and_stays_bounded(
    snapshots: list[dict[int, tuple[int, int, int | None]]],
) -> None:
    """Against a straightforward reference model: same changes, histories, and bounded memory."""
    log = ChangeLog(ping_samples=5, recent_cap=7)
    prev: dict[int, int] = {}
    history: dict[int, tuple[float | None, int]] = {}
    all_changes: list[Change] = []
    for t, snap in enumerate(snapshots):
        clusters: dict[int, list[tuple[int, int, int | None]]] = {}
        for shard_id, (state, cluster_id, ping) in snap.items():
            clusters.setdefault(cluster_id, []).append((shard_id, state, ping))
        expected = [
            Change(float(t), s, c, prev[s], state)
            for c, shards in clusters.items()
            for s, state, _ in shards
            if s in prev and prev[s] != state
        ]
        assert log.observe(float(t), list(clusters.items())) == expected
        # Forget vanished shards (history only holds the previous snapshot's), baseline new ones.
        history = {s: history.get(s, (None, 0)) for s in snap}
        for change in expected:
            history[change.shard_id] = (change.at, history[change.shard_id][1] + 1)
        prev = {s: state for s, (state, _, _) in snap.items()}
        all_changes.extend(expected)
        for s in range(16):
            assert log.shard_history(s) == ShardHistory(*history.get(s, (None, 0)))
        for c in range(4):
            assert len(log.ping_series(c)) <= 5
            if c not in clusters:
                assert log.ping_series(c) == ()
                continue
            known = [p for _, _, p in clusters[c] if p is not None and p >= 0]
            mean = sum(known) / len(known) if known else None
            assert log.ping_series(c)[-1] == pytest.approx(mean)
    newest_first = [c for t in reversed(range(len(snapshots))) for c in all_changes if c.at == t]
    assert list(log.recent) == newest_first[:7]
