"""Unit tests for app.model.snapshot: parsing the ``get-cluster-status`` acknowledgement.

Inputs are literal JSON text decoded with ``json.loads`` (which, like the wire in
practice, accepts ``NaN`` and ``Infinity``), so the tests see exactly what the page sees.
Every malformed case checks three things: good entries are kept, bad ones are skipped,
and each skip or repair is recorded as a ``Problem``.
"""

from __future__ import annotations

import doctest
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.model import snapshot as snapshot_module
from app.model.snapshot import (
    MAX_PLAUSIBLE_PING_MS,
    AckRejected,
    Cluster,
    Problem,
    ProblemCode,
    Shard,
    Snapshot,
    healthy_cluster_ids,
    healthy_shards_by_cluster,
    overall_status,
    parse_ack,
    parse_clusters,
)
from app.model.vocabulary import ClusterState, OverallStatus, ShardState
from tests.support import CREATED, NOW, ack_text

HOSTILE = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(document.cookie)</script>"

GOOD_CLUSTER = (
    '{"id": 0, "status": "running", "shardList": [0, 1], "createdAt": 1700000000000,'
    ' "guilds": 120, "members": 4500,'
    ' "shards": [{"id": 0, "ping": 42, "status": 0}, {"id": 1, "ping": -1, "status": 2}]}'
)


def parse(text: str, now_ms: float = NOW) -> Snapshot:
    """Parse JSON text that must yield a Snapshot."""
    result = parse_ack(json.loads(text), now_ms)
    assert isinstance(result, Snapshot), result
    return result


def reject(text: str) -> Problem:
    """Parse JSON text that must be rejected as a whole; return its problem."""
    result = parse_ack(json.loads(text), NOW)
    assert isinstance(result, AckRejected), result
    return result.problem


def codes(snap: Snapshot) -> list[ProblemCode]:
    return [p.code for p in snap.problems]


def running(cid: int, shards_json: str, extra: str = "") -> str:
    """A running cluster literal with the given shards array."""
    return (
        f'{{"id": {cid}, "status": "running", "shardList": [], "createdAt": {CREATED},'
        f' "guilds": 1, "members": 2, "shards": {shards_json}{extra}}}'
    )


def only_shard_ping(ping_json: str) -> tuple[Snapshot, Shard]:
    snap = parse(
        ack_text("[" + running(0, f'[{{"id": 7, "ping": {ping_json}, "status": 0}}]') + "]")
    )
    assert len(snap.shards) == 1
    return snap, snap.shards[0]


def only_cluster_created(created_json: str) -> tuple[Snapshot, Cluster]:
    snap = parse(
        ack_text(
            f'[{{"id": 3, "status": "stopped", "shardList": [], "createdAt": {created_json}}}]'
        )
    )
    assert len(snap.clusters) == 1
    return snap, snap.clusters[0]


# -- valid input ----------------------------------------------------------------------------


def test_module_docstring_example_runs() -> None:
    """The example in the module docstring is runnable and correct."""
    assert doctest.testmod(snapshot_module).failed == 0


def test_valid_ack_yields_every_field_and_no_problems() -> None:
    """A well-formed ack becomes a Snapshot whose values mirror the wire, with no problems."""
    snap = parse(ack_text("[" + GOOD_CLUSTER + "]"))
    assert snap.problems == ()
    assert snap.clusters == (
        Cluster(
            id=0,
            state=ClusterState.RUNNING,
            shard_ids=(0, 1),
            created_at_ms=CREATED,
            guilds=120,
            members=4500,
            shards=(
                Shard(0, 0, ShardState.READY, 42),
                Shard(1, 0, ShardState.RECONNECTING, None),
            ),
        ),
    )
    assert snap.overall is OverallStatus.OPERATIONAL
    assert [s.id for s in snap.shards] == [0, 1]


def test_clusters_sorted_by_id_and_shards_sorted_within_cluster() -> None:
    """Output order is by id whatever the wire order, so renders are stable between refreshes."""
    snap = parse(
        ack_text(
            "["
            + running(2, '[{"id": 9, "ping": 1, "status": 0}, {"id": 4, "ping": 1, "status": 0}]')
            + ', {"id": 1, "status": "stopped", "shardList": [], "createdAt": 1700000000000}]'
        )
    )
    assert [c.id for c in snap.clusters] == [1, 2]
    assert [s.id for s in snap.clusters[1].shards] == [4, 9]
    assert snap.problems == ()


def test_empty_data_is_a_snapshot_with_unknown_status() -> None:
    """``data: []`` is a valid answer meaning "no clusters", whose overall status is unknown."""
    snap = parse(ack_text("[]"))
    assert snap.clusters == ()
    assert snap.problems == ()
    assert snap.overall is OverallStatus.UNKNOWN


def test_stopped_cluster_has_no_counts_or_shards() -> None:
    """Counts and shards only exist while running; a stopped cluster gets None/() silently."""
    snap = parse(
        ack_text(
            '[{"id": 5, "status": "stopped", "shardList": [10, 11], "createdAt": 1700000000000}]'
        )
    )
    assert snap.problems == ()
    (cluster,) = snap.clusters
    assert cluster.state is ClusterState.STOPPED
    assert (cluster.guilds, cluster.members, cluster.shards) == (None, None, ())
    assert cluster.shard_ids == (10, 11)


def test_extra_fields_are_ignored_without_problems() -> None:
    """Unknown fields at every level (ack, cluster, shard) change nothing and report nothing."""
    plain = parse(ack_text("[" + GOOD_CLUSTER + "]"))
    extra = parse(
        '{"success": true, "version": 2, "data": [{"id": 0, "status": "running",'
        ' "shardList": [0, 1], "createdAt": 1700000000000, "guilds": 120, "members": 4500,'
        ' "region": "eu", "memory": {"rss": 1}, "shards": ['
        '{"id": 0, "ping": 42, "status": 0, "guilds": 3, "extra": [1, 2]},'
        ' {"id": 1, "ping": -1, "status": 2, "note": null}]}], "ts": NaN}'
    )
    assert extra == plain
    assert extra.problems == ()


def test_shard_list_is_deduplicated_in_order() -> None:
    """A repeated id in ``shardList`` is kept once, first position wins."""
    snap = parse(
        ack_text(
            '[{"id": 1, "status": "stopped", "shardList": [3, 1, 3, 2, 1],'
            f' "createdAt": {CREATED}}}]'
        )
    )
    assert snap.clusters[0].shard_ids == (3, 1, 2)
    assert snap.problems == ()


def test_hundred_thousand_shards_in_one_cluster_parse() -> None:
    """A very large cluster is parsed completely and correctly (no truncation, no loss)."""
    n = 100_000
    shards = [{"id": i, "ping": i % 500, "status": i % 9} for i in range(n)]
    text = ack_text(
        json.dumps(
            [
                {
                    "id": 0,
                    "status": "running",
                    "shardList": list(range(n)),
                    "createdAt": CREATED,
                    "guilds": 1,
                    "members": 1,
                    "shards": shards,
                }
            ]
        )
    )
    snap = parse(text)
    assert snap.problems == ()
    (cluster,) = snap.clusters
    assert len(cluster.shards) == n
    assert len(cluster.shard_ids) == n
    assert cluster.shards[-1] == Shard(n - 1, 0, ShardState((n - 1) % 9), (n - 1) % 500)
    assert cluster.shards[12_345] == Shard(12_345, 0, ShardState(12_345 % 9), 12_345 % 500)


# -- the envelope ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["[]", '[{"success": true, "data": []}]', '"ok"', "null", "42"])
def test_ack_that_is_not_an_object_is_rejected(text: str) -> None:
    """An ack that is a list, string, null or number is rejected as a whole."""
    problem = reject(text)
    assert problem.code is ProblemCode.ACK_NOT_OBJECT
    assert problem.skipped is True


def test_success_false_is_rejected_with_the_error_text() -> None:
    """``success: false`` is an ACK_ERROR whose detail carries the server's error text."""
    problem = reject('{"success": false, "error": "cluster manager not ready"}')
    assert problem.code is ProblemCode.ACK_ERROR
    assert problem.detail == "cluster manager not ready"


def test_success_false_even_with_data_is_rejected() -> None:
    """Data next to ``success: false`` is not trusted."""
    problem = reject('{"success": false, "error": {"code": 5}, "data": [' + GOOD_CLUSTER + "]}")
    assert problem.code is ProblemCode.ACK_ERROR
    assert "5" in problem.detail


def test_success_false_without_error_has_empty_detail() -> None:
    """A missing error text gives an empty detail rather than a crash or ``None``."""
    problem = reject('{"success": false}')
    assert problem.code is ProblemCode.ACK_ERROR
    assert problem.detail == ""


@pytest.mark.parametrize(
    "text",
    [
        '{"data": []}',
        '{"success": "true", "data": []}',
        '{"success": 1, "data": []}',
        '{"success": null, "data": []}',
        "{}",
    ],
)
def test_success_missing_or_not_boolean_is_malformed(text: str) -> None:
    """Only a JSON ``true`` counts as success; anything else is ACK_MALFORMED."""
    assert reject(text).code is ProblemCode.ACK_MALFORMED


@pytest.mark.parametrize(
    "text",
    [
        '{"success": true}',
        '{"success": true, "data": null}',
        '{"success": true, "data": {"0": {}}}',
        '{"success": true, "data": "[]"}',
        '{"success": true, "data": 3}',
    ],
)
def test_data_not_a_list_is_rejected(text: str) -> None:
    """A missing or non-array ``data`` rejects the ack with DATA_NOT_LIST."""
    assert reject(text).code is ProblemCode.DATA_NOT_LIST


# -- clusters -------------------------------------------------------------------------------


def test_missing_cluster_id_or_status_skips_only_that_entry() -> None:
    """Entries missing ``id`` or ``status`` are skipped with a problem; the good one stays."""
    snap = parse(
        ack_text(
            "["
            '{"status": "running", "shardList": [], "createdAt": 1700000000000},'
            f"{GOOD_CLUSTER},"
            '{"id": 4, "shardList": [], "createdAt": 1700000000000}'
            "]"
        )
    )
    assert [c.id for c in snap.clusters] == [0]
    assert snap.problems == (
        Problem(ProblemCode.CLUSTER_BAD_ID, True, index=0, detail="null"),
        Problem(ProblemCode.CLUSTER_BAD_STATUS, True, cluster_id=4, index=2, detail="null"),
    )


@pytest.mark.parametrize("bad_id", ["true", "false", "-1", "1.0", '"1"', "null", "[1]", "NaN"])
def test_invalid_cluster_id_skips_the_entry(bad_id: str) -> None:
    """Booleans, negatives, floats, strings and NaN are not cluster ids."""
    snap = parse(
        ack_text(
            f'[{{"id": {bad_id}, "status": "running", "shardList": [], "createdAt": 1}},'
            f" {GOOD_CLUSTER}]"
        )
    )
    assert [c.id for c in snap.clusters] == [0]
    assert codes(snap) == [ProblemCode.CLUSTER_BAD_ID]
    assert snap.problems[0].index == 0 and snap.problems[0].skipped


@pytest.mark.parametrize(
    ("status", "detail"),
    [
        ('"crashed"', "crashed"),
        ('"Running"', "Running"),
        ('""', ""),
        ("2", "2"),
        ("true", "True"),
        ("null", "null"),
    ],
)
def test_unknown_cluster_status_skips_the_entry(status: str, detail: str) -> None:
    """A status outside starting/running/stopped skips the cluster with CLUSTER_BAD_STATUS."""
    snap = parse(
        ack_text(
            f'[{GOOD_CLUSTER}, {{"id": 1, "status": {status}, "shardList": [], "createdAt": 1}}]'
        )
    )
    assert [c.id for c in snap.clusters] == [0]
    (problem,) = snap.problems
    assert problem.code is ProblemCode.CLUSTER_BAD_STATUS
    assert (problem.cluster_id, problem.index, problem.skipped) == (1, 1, True)
    assert problem.detail == detail  # the offending value, as plain text


@pytest.mark.parametrize("item", ["null", "3", '"cluster"', "[]", "true"])
def test_cluster_entry_that_is_not_an_object_is_skipped(item: str) -> None:
    """A non-object in ``data`` is skipped by index; its neighbours survive."""
    snap = parse(ack_text(f"[{item}, {GOOD_CLUSTER}]"))
    assert [c.id for c in snap.clusters] == [0]
    assert snap.problems[0].code is ProblemCode.CLUSTER_NOT_OBJECT
    assert snap.problems[0].index == 0


def test_duplicate_cluster_id_first_wins() -> None:
    """Two clusters with one id: the first is kept, the second is skipped as a duplicate."""
    second = GOOD_CLUSTER.replace('"guilds": 120', '"guilds": 999')
    snap = parse(ack_text(f"[{GOOD_CLUSTER}, {second}]"))
    (cluster,) = snap.clusters
    assert cluster.guilds == 120
    assert snap.problems == (Problem(ProblemCode.CLUSTER_DUPLICATE, True, cluster_id=0, index=1),)


def test_duplicate_of_an_invalid_cluster_is_not_a_duplicate() -> None:
    """An id only counts as taken once a valid cluster holds it."""
    snap = parse(
        ack_text(
            '[{"id": 0, "status": "bogus"},'
            ' {"id": 0, "status": "stopped", "shardList": [], "createdAt": 1700000000000}]'
        )
    )
    assert [(c.id, c.state) for c in snap.clusters] == [(0, ClusterState.STOPPED)]
    assert codes(snap) == [ProblemCode.CLUSTER_BAD_STATUS]


@pytest.mark.parametrize("shard_list", ["null", '"0,1"', "[0, -1]", "[0, true]", "[0.5]", "{}"])
def test_invalid_shard_list_is_repaired_to_empty(shard_list: str) -> None:
    """A bad ``shardList`` keeps the cluster with no shard ids and a repair problem."""
    snap = parse(
        ack_text(
            f'[{{"id": 2, "status": "stopped", "shardList": {shard_list}, "createdAt": {CREATED}}}]'
        )
    )
    (cluster,) = snap.clusters
    assert cluster.shard_ids == ()
    (problem,) = snap.problems
    assert problem.code is ProblemCode.SHARD_LIST_INVALID
    assert problem.skipped is False
    assert problem.cluster_id == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [("guilds", "-1"), ("members", '"12"'), ("guilds", "1.5"), ("members", "NaN")],
)
def test_invalid_count_is_repaired_to_none(field: str, value: str) -> None:
    """A bad guild/member count becomes None, the cluster stays, detail names the field."""
    text = GOOD_CLUSTER.replace(
        '"guilds": 120' if field == "guilds" else '"members": 4500', f'"{field}": {value}'
    )
    snap = parse(ack_text(f"[{text}]"))
    (cluster,) = snap.clusters
    assert getattr(cluster, field) is None
    assert len(cluster.shards) == 2
    (problem,) = snap.problems
    assert problem.code is ProblemCode.COUNT_INVALID and problem.skipped is False
    assert problem.detail.startswith(f"{field}: ")


def test_shards_on_stopped_cluster_are_ignored_with_a_problem() -> None:
    """A stopped cluster claiming live shards keeps no shards and reports SHARDS_ON_IDLE."""
    snap = parse(
        ack_text(
            '[{"id": 1, "status": "stopped", "shardList": [0], "createdAt": 1700000000000,'
            ' "shards": [{"id": 0, "ping": 40, "status": 0}]},'
            ' {"id": 2, "status": "starting", "shardList": [1], "createdAt": 1700000000000,'
            ' "shards": [{"id": 1, "ping": 40, "status": 0}]}]'
        )
    )
    assert [c.shards for c in snap.clusters] == [(), ()]
    assert snap.shards == ()
    assert snap.problems == (
        Problem(ProblemCode.SHARDS_ON_IDLE_CLUSTER, True, cluster_id=1),
        Problem(ProblemCode.SHARDS_ON_IDLE_CLUSTER, True, cluster_id=2),
    )


def test_shards_on_stopped_cluster_do_not_claim_shard_ids() -> None:
    """Ignored shards of an idle cluster do not block the same ids on a running cluster."""
    snap = parse(
        ack_text(
            '[{"id": 0, "status": "stopped", "shardList": [], "createdAt": 1700000000000,'
            ' "shards": [{"id": 5, "ping": 1, "status": 0}]}, '
            + running(1, '[{"id": 5, "ping": 1, "status": 0}]')
            + "]"
        )
    )
    assert [(s.id, s.cluster_id) for s in snap.shards] == [(5, 1)]
    assert codes(snap) == [ProblemCode.SHARDS_ON_IDLE_CLUSTER]


@pytest.mark.parametrize("shards", ["null", "{}", '"[]"', "7"])
def test_running_cluster_with_shards_not_a_list_keeps_the_cluster(shards: str) -> None:
    """Unusable ``shards`` on a running cluster: cluster kept without shards, problem recorded."""
    snap = parse(ack_text("[" + running(4, shards) + "]"))
    (cluster,) = snap.clusters
    assert cluster.shards == ()
    assert codes(snap) == [ProblemCode.SHARDS_NOT_LIST]


# -- createdAt ------------------------------------------------------------------------------


def test_created_at_in_the_future_becomes_none() -> None:
    """A start time beyond the clock-skew tolerance is dropped with CREATED_AT_FUTURE."""
    snap, cluster = only_cluster_created(str(NOW + 3_600_000))
    assert cluster.created_at_ms is None
    (problem,) = snap.problems
    assert problem.code is ProblemCode.CREATED_AT_FUTURE and problem.skipped is False


def test_created_at_slightly_ahead_is_forgiven_as_clock_skew() -> None:
    """A start time a minute ahead of the visitor's clock is kept as is."""
    snap, cluster = only_cluster_created(str(NOW + 60_000))
    assert cluster.created_at_ms == NOW + 60_000
    assert snap.problems == ()


def test_created_at_in_seconds_is_scaled_to_ms() -> None:
    """A Unix time in seconds is read as such (times 1000) and reported as CREATED_AT_SECONDS."""
    snap, cluster = only_cluster_created("1700000000")
    assert cluster.created_at_ms == 1_700_000_000_000
    assert codes(snap) == [ProblemCode.CREATED_AT_SECONDS]


def test_created_at_in_seconds_and_in_the_future_reports_both() -> None:
    """Seconds are scaled first, then the future check applies to the scaled value."""
    snap, cluster = only_cluster_created("1800000000")
    assert cluster.created_at_ms is None
    assert codes(snap) == [ProblemCode.CREATED_AT_SECONDS, ProblemCode.CREATED_AT_FUTURE]


@pytest.mark.parametrize(
    "created", ["NaN", "Infinity", "-Infinity", "0", "-5", '"1700000000000"', "null", "true"]
)
def test_invalid_created_at_becomes_none(created: str) -> None:
    """Non-finite, non-positive and non-numeric start times become None with a problem."""
    snap, cluster = only_cluster_created(created)
    assert cluster.created_at_ms is None
    assert codes(snap) == [ProblemCode.CREATED_AT_INVALID]


def test_created_at_beyond_float_range_does_not_crash() -> None:
    """An integer too large for a float (legal JSON) is a future time, not an OverflowError."""
    snap, cluster = only_cluster_created("1" + "0" * 400)
    assert cluster.created_at_ms is None
    assert codes(snap) == [ProblemCode.CREATED_AT_FUTURE]


def test_fractional_created_at_is_truncated_to_int_ms() -> None:
    """A fractional ms timestamp is accepted and stored as an int."""
    _, cluster = only_cluster_created("1700000000000.75")
    assert cluster.created_at_ms == 1_700_000_000_000
    assert isinstance(cluster.created_at_ms, int)


# -- shards ---------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["9", "-1", '"0"', "1.5", "true", "null", '"Ready"'])
def test_unknown_shard_state_skips_only_that_shard(state: str) -> None:
    """A state outside discord.js 0..8 (or not an int) skips the shard; siblings are kept."""
    snap = parse(
        ack_text(
            "["
            + running(
                0,
                f'[{{"id": 1, "ping": 5, "status": {state}}}, {{"id": 2, "ping": 5, "status": 8}}]',
            )
            + "]"
        )
    )
    assert [(s.id, s.state) for s in snap.shards] == [(2, ShardState.RESUMING)]
    (problem,) = snap.problems
    assert problem.code is ProblemCode.SHARD_BAD_STATE
    assert (problem.cluster_id, problem.shard_id, problem.skipped) == (0, 1, True)


@pytest.mark.parametrize("number", range(9))
def test_every_discord_js_state_number_is_accepted(number: int) -> None:
    """Each of discord.js Status 0..8 maps to the ShardState with that value."""
    snap = parse(ack_text("[" + running(0, f'[{{"id": 3, "ping": 5, "status": {number}}}]') + "]"))
    assert snap.shards[0].state is ShardState(number)


@pytest.mark.parametrize("sid", ["true", "-2", "2.0", '"2"', "null"])
def test_invalid_shard_id_skips_the_shard(sid: str) -> None:
    """Booleans, negatives, floats and strings are not shard ids."""
    snap = parse(
        ack_text(
            "["
            + running(0, f'[{{"id": {sid}, "ping": 5, "status": 0}}, {{"id": 9, "status": 0}}]')
            + "]"
        )
    )
    assert [s.id for s in snap.shards] == [9]
    assert ProblemCode.SHARD_BAD_ID in codes(snap)
    bad = next(p for p in snap.problems if p.code is ProblemCode.SHARD_BAD_ID)
    assert (bad.cluster_id, bad.index, bad.skipped) == (0, 0, True)


def test_shard_that_is_not_an_object_is_skipped() -> None:
    """A non-object in ``shards`` is skipped by index."""
    snap = parse(ack_text("[" + running(0, '[5, {"id": 1, "ping": 5, "status": 0}, "x"]') + "]"))
    assert [s.id for s in snap.shards] == [1]
    assert [(p.code, p.index) for p in snap.problems] == [
        (ProblemCode.SHARD_NOT_OBJECT, 0),
        (ProblemCode.SHARD_NOT_OBJECT, 2),
    ]


def test_duplicate_shard_id_within_a_cluster_first_wins() -> None:
    """The first shard with an id is kept; a repeat in the same cluster is skipped."""
    snap = parse(
        ack_text(
            "["
            + running(0, '[{"id": 4, "ping": 10, "status": 0}, {"id": 4, "ping": 99, "status": 5}]')
            + "]"
        )
    )
    assert snap.shards == (Shard(4, 0, ShardState.READY, 10),)
    assert snap.problems == (Problem(ProblemCode.SHARD_DUPLICATE, True, cluster_id=0, shard_id=4),)


def test_duplicate_shard_id_across_clusters_first_in_input_wins() -> None:
    """A shard id reported by two clusters stays with the one listed first on the wire."""
    snap = parse(
        ack_text(
            "["
            + running(7, '[{"id": 4, "ping": 10, "status": 0}]')
            + ", "
            + running(2, '[{"id": 4, "ping": 99, "status": 5}, {"id": 5, "ping": 1, "status": 0}]')
            + "]"
        )
    )
    assert [(s.id, s.cluster_id) for s in snap.shards] == [(5, 2), (4, 7)]
    assert snap.problems == (Problem(ProblemCode.SHARD_DUPLICATE, True, cluster_id=2, shard_id=4),)


def test_shard_with_bad_state_does_not_claim_its_id() -> None:
    """A skipped shard leaves its id free for a later valid shard."""
    snap = parse(
        ack_text(
            "["
            + running(0, '[{"id": 4, "ping": 1, "status": 42}, {"id": 4, "ping": 2, "status": 0}]')
            + "]"
        )
    )
    assert snap.shards == (Shard(4, 0, ShardState.READY, 2),)
    assert codes(snap) == [ProblemCode.SHARD_BAD_STATE]


# -- ping -----------------------------------------------------------------------------------


def test_ping_minus_one_means_not_measured_without_a_problem() -> None:
    """discord.js reports -1 before the first heartbeat: None, and nothing is wrong."""
    snap, shard = only_shard_ping("-1")
    assert shard.ping_ms is None
    assert snap.problems == ()


@pytest.mark.parametrize(("ping", "expected"), [("45.6", 46), ("0", 0), ("60000", 60_000)])
def test_plausible_ping_is_rounded_to_int(ping: str, expected: int) -> None:
    """Fractional pings round to the nearest ms; the plausible range is inclusive."""
    snap, shard = only_shard_ping(ping)
    assert shard.ping_ms == expected
    assert isinstance(shard.ping_ms, int)
    assert snap.problems == ()


@pytest.mark.parametrize(
    "ping",
    [
        *["-5", "-0.5", "1e12", str(MAX_PLAUSIBLE_PING_MS + 1)],
        *["NaN", "Infinity", "-Infinity", '"45"', "true", "null", "[]"],
    ],
)
def test_implausible_ping_keeps_the_shard_without_ping(ping: str) -> None:
    """Negative (other than -1), huge, non-finite or non-numeric pings: shard kept, ping None."""
    snap, shard = only_shard_ping(ping)
    assert shard.state is ShardState.READY
    assert shard.ping_ms is None
    (problem,) = snap.problems
    assert problem.code is ProblemCode.PING_INVALID
    assert (problem.cluster_id, problem.shard_id, problem.skipped) == (0, 7, False)


def test_missing_ping_is_reported_and_shard_kept() -> None:
    """A shard without ``ping`` is shown without one, and the omission is recorded."""
    snap = parse(ack_text("[" + running(0, '[{"id": 1, "status": 0}]') + "]"))
    assert snap.shards == (Shard(1, 0, ShardState.READY, None),)
    assert codes(snap) == [ProblemCode.PING_INVALID]


# -- problem details are plain, bounded text ------------------------------------------------


@pytest.mark.parametrize("hostile", [HOSTILE, SCRIPT])
def test_hostile_string_survives_verbatim_as_plain_text(hostile: str) -> None:
    """Markup in an offending value is kept as literal text, not escaped, stripped or parsed."""
    snap = parse(ack_text(f'[{{"id": 1, "status": {json.dumps(hostile)}}}, {GOOD_CLUSTER}]'))
    assert [c.id for c in snap.clusters] == [0]
    assert snap.problems[0].detail == hostile
    assert reject(json.dumps({"success": False, "error": hostile})).detail == hostile


def test_long_detail_is_truncated_to_120_chars_with_ellipsis() -> None:
    """A long offending value is cut to 120 characters, the last one an ellipsis."""
    long = (HOSTILE + SCRIPT) * 6
    assert len(long) > 120
    problem = reject(json.dumps({"success": False, "error": long}))
    assert len(problem.detail) == 120
    assert problem.detail.endswith("…")
    assert problem.detail[:-1] == long[:119]


def test_detail_of_exactly_120_chars_is_not_truncated() -> None:
    """The limit is inclusive: 120 characters pass unchanged."""
    text = "x" * 120
    assert reject(json.dumps({"success": False, "error": text})).detail == text


def test_non_string_detail_is_its_repr() -> None:
    """Non-string offending values are described as their Python repr (``null`` for None)."""
    assert reject("null").detail == "null"
    assert reject("[1, 2]").detail == "[1, 2]"
    snap, _ = only_shard_ping("NaN")
    assert snap.problems[0].detail == "nan"


# -- mixed good and bad ---------------------------------------------------------------------


def test_mixed_answer_keeps_every_good_entry_and_reports_every_bad_one() -> None:
    """One answer with many faults: all good data survives, each fault has one problem."""
    snap = parse(
        ack_text(
            "["
            f"{GOOD_CLUSTER},"
            '"garbage",'
            '{"id": 0, "status": "stopped"},'
            '{"id": true, "status": "running"},'
            '{"id": 3, "status": "exploded"},'
            + running(
                4,
                '[{"id": 1, "ping": 5, "status": 0},'  # duplicate of cluster 0's shard 1
                ' {"id": 10, "ping": NaN, "status": 0},'
                ' {"id": 11, "ping": 5, "status": 9},'
                ' {"id": 12, "ping": 45.6, "status": 1}]',
            )
            + "]"
        )
    )
    assert [c.id for c in snap.clusters] == [0, 4]
    assert [(s.id, s.ping_ms) for s in snap.shards] == [(0, 42), (1, None), (10, None), (12, 46)]
    assert codes(snap) == [
        ProblemCode.CLUSTER_NOT_OBJECT,
        ProblemCode.CLUSTER_DUPLICATE,
        ProblemCode.CLUSTER_BAD_ID,
        ProblemCode.CLUSTER_BAD_STATUS,
        ProblemCode.SHARD_DUPLICATE,
        ProblemCode.PING_INVALID,
        ProblemCode.SHARD_BAD_STATE,
    ]
    assert snap.overall is OverallStatus.OPERATIONAL


def test_parse_clusters_is_the_data_level_entry_point() -> None:
    """``parse_clusters`` parses a bare ``data`` array the same as ``parse_ack`` does."""
    data = json.loads("[" + GOOD_CLUSTER + "]")
    assert parse_clusters(data, NOW) == parse(ack_text("[" + GOOD_CLUSTER + "]"))


# -- overall status -------------------------------------------------------------------------


def _cluster(state: ClusterState, cid: int) -> Cluster:
    return Cluster(cid, state, (), None, None, None, ())


R, S, X = ClusterState.RUNNING, ClusterState.STARTING, ClusterState.STOPPED


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ((), OverallStatus.UNKNOWN),
        ((R,), OverallStatus.OPERATIONAL),
        ((R, R, R), OverallStatus.OPERATIONAL),
        ((X,), OverallStatus.OUTAGE),
        ((X, X), OverallStatus.OUTAGE),
        ((S,), OverallStatus.DEGRADED),
        ((S, S), OverallStatus.DEGRADED),
        ((R, X), OverallStatus.DEGRADED),
        ((R, S), OverallStatus.DEGRADED),
        ((S, X), OverallStatus.DEGRADED),
        ((R, S, X), OverallStatus.DEGRADED),
    ],
)
def test_overall_status_table(states: tuple[ClusterState, ...], expected: OverallStatus) -> None:
    """None → unknown, all running → operational, all stopped → outage, any other mix → degraded."""
    clusters = tuple(_cluster(s, i) for i, s in enumerate(states))
    assert overall_status(clusters) is expected
    assert Snapshot(clusters).overall is expected


# -- properties -----------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)
# Values shaped like the wire format but with arbitrary contents, to reach the deep paths.
KEYS = ["id", "status", "shardList", "createdAt", "guilds", "members", "shards", "ping"]
wire_like = st.recursive(
    json_scalars | st.sampled_from(["running", "stopped", "starting"]),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.sampled_from(KEYS), children, max_size=8)
    ),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(value=json_values)
def test_parse_ack_never_raises_on_any_json_value(value: Any) -> None:
    """Any JSON-like value yields a Snapshot or an AckRejected, never an exception."""
    assert isinstance(parse_ack(value, NOW), Snapshot | AckRejected)


@settings(max_examples=300, deadline=None)
@given(data=st.lists(wire_like, max_size=6), now=st.floats(0, 4e12))
def test_parse_ack_never_raises_on_wire_shaped_garbage(data: list[Any], now: float) -> None:
    """Garbage inside a successful envelope is absorbed into problems, never raised."""
    result = parse_ack({"success": True, "data": data}, now)
    assert isinstance(result, Snapshot)
    assert [c.id for c in result.clusters] == sorted({c.id for c in result.clusters})


shard_dicts = st.builds(
    lambda sid, ping, state: {"id": sid, "ping": ping, "status": state},
    st.integers(0, 30),
    st.one_of(st.just(-1), st.integers(0, 1000), st.floats(0, 1000)),
    st.integers(0, 8),
)


@st.composite
def valid_cluster(draw: st.DrawFn, cid: int) -> dict[str, Any]:
    state = draw(st.sampled_from(["running", "stopped", "starting"]))
    cluster: dict[str, Any] = {
        "id": cid,
        "status": state,
        "shardList": draw(st.lists(st.integers(0, 30), max_size=5)),
        "createdAt": draw(st.integers(1, NOW)),
    }
    if state == "running":
        cluster["guilds"] = draw(st.integers(0, 10**6))
        cluster["members"] = draw(st.integers(0, 10**8))
        cluster["shards"] = draw(st.lists(shard_dicts, max_size=6))
    return cluster


CLUSTER_SKIP_CODES = {
    ProblemCode.CLUSTER_NOT_OBJECT,
    ProblemCode.CLUSTER_BAD_ID,
    ProblemCode.CLUSTER_BAD_STATUS,
    ProblemCode.CLUSTER_DUPLICATE,
}

garbage_entry = st.one_of(
    json_scalars,
    st.lists(json_scalars, max_size=3),
    st.fixed_dictionaries(
        {"id": st.sampled_from([None, True, -1, 1.5, "3"]), "status": json_values}
    ),
    st.fixed_dictionaries(
        {"id": st.integers(0, 50), "status": st.sampled_from([None, "Running", "", 3, "idle"])}
    ),
)


@st.composite
def mixed_data(draw: st.DrawFn) -> tuple[list[Any], dict[int, dict[str, Any]], list[int]]:
    ids = draw(st.lists(st.integers(0, 50), unique=True, max_size=6))
    valid = {cid: draw(valid_cluster(cid)) for cid in ids}
    garbage = draw(st.lists(garbage_entry, max_size=6))
    entries: list[tuple[bool, Any]] = [(True, v) for v in valid.values()]
    entries += [(False, g) for g in garbage]
    entries = draw(st.permutations(entries))
    data = [e for _, e in entries]
    garbage_indices = [i for i, (ok, _) in enumerate(entries) if not ok]
    return data, valid, garbage_indices


@settings(max_examples=300, deadline=None)
@given(mixed=mixed_data())
def test_mixed_valid_and_garbage_keeps_every_valid_cluster(
    mixed: tuple[list[Any], dict[int, dict[str, Any]], list[int]],
) -> None:
    """Every valid cluster survives garbage around it; each garbage entry costs a problem."""
    data, valid, garbage_indices = mixed
    result = parse_ack({"success": True, "data": data}, NOW)
    assert isinstance(result, Snapshot)
    by_id = {c.id: c for c in result.clusters}
    assert set(by_id) == set(valid)
    for cid, raw in valid.items():
        assert by_id[cid].state == ClusterState(raw["status"])
        offered = {s["id"] for s in raw.get("shards", [])}
        assert {s.id for s in by_id[cid].shards} <= offered
    assert len(result.problems) >= len(garbage_indices)
    entry_skips = [p.index for p in result.problems if p.code in CLUSTER_SKIP_CODES]
    assert sorted(entry_skips) == garbage_indices
    shard_ids = [s.id for s in result.shards]
    assert len(shard_ids) == len(set(shard_ids))
    # Every shard id offered by a running cluster is shown by exactly one cluster.
    offered_all = {s["id"] for raw in valid.values() for s in raw.get("shards", [])}
    assert set(shard_ids) == offered_all


def test_healthy_cluster_ids_are_clusters_with_shards_all_healthy() -> None:
    """A running cluster whose every shard is healthy counts; one recovering shard, or no
    shards at all (a stopped cluster), does not."""

    def shards(*id_and_status: tuple[int, int]) -> str:
        return json.dumps([{"id": i, "ping": 40, "status": st} for i, st in id_and_status])

    all_ready = running(0, shards((0, 0), (1, 0)))
    one_reconnecting = running(1, shards((2, 0), (3, 2)))
    stopped = f'{{"id": 2, "status": "stopped", "shardList": [4], "createdAt": {CREATED}}}'
    snapshot = parse(ack_text(f"[{all_ready}, {one_reconnecting}, {stopped}]"))
    assert healthy_cluster_ids(snapshot) == frozenset({0})
    assert healthy_shards_by_cluster(snapshot) == {0: 2, 1: 1, 2: 0}
    assert healthy_cluster_ids(snapshot, {0: 2, 1: 1, 2: 0}) == frozenset({0})
