"""Hostile and malformed acks, end to end: the page keeps the good, explains the bad, never runs
a string as markup and never stops refreshing.

The python demo backend answers every emit with exactly what ``Backend.set_ack`` gave it
(NaN and Infinity included). One page on the public host is shared by the module; each test
swaps the ack, waits until the page has rendered it (two emits later) and reads the DOM:
cluster cards, shard states, the ``#diagnostics`` details (opened, as a visitor would) or,
when the whole answer is unusable, ``#notice`` over the last good data. The parser's own
rules are unit-tested in ``tests/unit/test_snapshot.py``; this proves the page lives by them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import ROOT
from tests.support.backends import Backend
from tests.support.pages import Watched, open_page, watch
from tests.support.site import PUBLIC_HOST, Served, serve_live

pytestmark = pytest.mark.browser

REFRESH_S = 1.0
EN = json.loads((ROOT / "locales" / "en.json").read_text())
HEALTHY = "html[data-source='live'][data-connection='connected']:not([data-stale])"

# Each would set window.__pwned if it were ever parsed as HTML and run.
IMG = "<img src=x onerror=\"window.__pwned='img'\">"
SCRIPT = "<script>window.__pwned='script'</script>"
SVG = "<svg onload=\"window.__pwned='svg'\"></svg>"


def now_ms() -> int:
    return int(time.time() * 1000)


def shard(sid: Any, status: Any = 0, ping: Any = 42, **extra: Any) -> dict[str, Any]:
    return {"id": sid, "ping": ping, "status": status, **extra}


def cluster(
    cid: Any, status: Any = "running", shards: list[Any] | None = None, **extra: Any
) -> dict[str, Any]:
    shards = shards if shards is not None else [shard(cid * 10)]
    body: dict[str, Any] = {
        "id": cid,
        "status": status,
        "shardList": [
            s["id"] for s in shards if isinstance(s, dict) and isinstance(s.get("id"), int)
        ],
        "createdAt": now_ms() - 3_600_000,
        "guilds": 10,
        "members": 100,
        "shards": shards,
    }
    body.update(extra)
    return body


def ok(data: Any) -> dict[str, Any]:
    return {"success": True, "data": data}


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def server() -> Iterator[Backend]:
    with Backend("python", scenario="degraded") as backend:
        yield backend


@pytest.fixture(scope="module")
def site(server: Backend, sites_dir: Path) -> Iterator[Served]:
    with serve_live(server, sites_dir, PUBLIC_HOST, mock="auto", refresh=REFRESH_S) as served:
        yield served


@pytest.fixture(scope="module")
def shared(browser: Any, site: Served) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    watched = watch(context.new_page())
    # Report every attempt to run injected code, whatever element it came from.
    watched.page.add_init_script("window.__pwned = undefined;")
    open_page(watched, site.url)
    yield watched
    context.close()


@pytest.fixture
def page(shared: Watched, server: Backend) -> Iterator[Any]:
    """The shared page showing the server's normal data, counters at zero."""
    server.reset()
    page = shared.page
    page.wait_for_selector(HEALTHY, state="attached", timeout=30_000)
    page.wait_for_selector("#notice", state="hidden", timeout=10_000)
    yield page
    assert shared.page_errors == [], shared.page_errors
    assert not [e for e in shared.console_errors if "Traceback" in e], shared.console_errors
    assert_inert(page)


# --------------------------------------------------------------------------- helpers


def show(page: Any, server: Backend, ack: Any, timeout: float = 30) -> None:
    """Make every later ack ``ack`` and wait until the page has rendered one of them.

    The emit after ``set_ack`` is answered with it; the page renders that answer before it
    sends the next emit (one request at a time), so two emits later it is on screen.
    """
    emits = server.stats()["emits"]
    server.set_ack(ack)
    server.wait_for(lambda s: s["emits"] >= emits + 2, timeout=timeout)


def keeps_refreshing(server: Backend, timeout: float = 10) -> None:
    emits = server.stats()["emits"]
    stats = server.wait_for(lambda s: s["emits"] >= emits + 2, timeout=timeout)
    assert stats["max_in_flight"] <= 1


def cluster_ids(page: Any) -> list[int]:
    ids = page.eval_on_selector_all(
        "[data-cluster-id]", "els => els.map(e => Number(e.dataset.clusterId))"
    )
    return list(ids)


def shard_states(page: Any) -> dict[int, str]:
    pairs = page.eval_on_selector_all(
        "[data-shard-id]", "els => els.map(e => [Number(e.dataset.shardId), e.dataset.state])"
    )
    return {int(k): str(v) for k, v in pairs}


def diagnostics(page: Any) -> list[str]:
    """Open the diagnostics details like a visitor and read what it lists."""
    assert page.locator("#diagnostics").is_visible()
    if page.get_attribute("#diagnostics", "open") is None:
        page.click("#diagnostics summary")
    page.wait_for_selector("#diagnostics[open] li", state="visible")
    lines: list[str] = page.locator("#diagnostics li").all_inner_texts()
    return lines


def assert_listed(lines: list[str], *parts: str) -> None:
    assert any(all(p in line for p in parts) for line in lines), (parts, lines)


def assert_inert(page: Any) -> None:
    """Nothing injected ever ran or became an element."""
    assert page.evaluate("window.__pwned") is None
    assert page.locator("img").count() == 0
    assert page.evaluate("document.querySelectorAll('svg [onload], [onerror]').length") == 0


def where_cluster(cid: int) -> str:
    return str(EN["problem.where.cluster"]).format(cluster=cid)


def where_shard(cid: int, sid: int) -> str:
    return str(EN["problem.where.shard"]).format(cluster=cid, shard=sid)


def where_entry(index: int) -> str:
    return str(EN["problem.where.entry"]).format(index=index)


def problem(code: str) -> str:
    return str(EN[f"problem.{code}"])


# --------------------------------------------------------------------------- bad entries


def test_bad_clusters_are_skipped_good_ones_shown(page: Any, server: Backend) -> None:
    data = [
        cluster(0),
        {"status": "running", "shards": []},  # no id
        cluster(5, status=None),  # no status
        cluster(6, status="exploded"),
        cluster(1),
        cluster(1, shards=[shard(99)]),  # duplicate id
        "not a cluster",
        cluster(-3),
        cluster(2.5),
    ]
    show(page, server, ok(data))
    assert cluster_ids(page) == [0, 1]
    assert 99 not in shard_states(page)
    lines = diagnostics(page)
    assert_listed(lines, where_entry(2), problem("cluster_bad_id"), EN["problem.skipped"])
    assert_listed(lines, where_cluster(5), problem("cluster_bad_status"), "null")
    assert_listed(lines, where_cluster(6), problem("cluster_bad_status"), "exploded")
    assert_listed(lines, where_cluster(1), problem("cluster_duplicate"))
    assert_listed(lines, where_entry(7), problem("cluster_not_object"), "not a cluster")
    assert_listed(lines, where_entry(8), problem("cluster_bad_id"), "-3")
    assert_listed(lines, where_entry(9), problem("cluster_bad_id"), "2.5")
    assert page.inner_text("#diagnostics summary").startswith("7 ")
    keeps_refreshing(server)


def test_bad_shards_are_skipped_or_repaired(page: Any, server: Backend) -> None:
    shards = [
        shard(0),
        shard(1, status=42),  # unknown discord.js state
        shard(0, status=5),  # duplicate id
        shard(2, ping=-5),
        shard(3, ping=10**12),
        shard(4, ping=12.7),  # fractional: a fine ping, rounded
        shard(5, ping=float("nan")),
        shard(6, ping=float("inf")),
        shard(7, status="ready"),
        {"ping": 3, "status": 0},  # no id
        "not a shard",
    ]
    data = [cluster(0, shards=shards), cluster(1, shards=[shard(0), shard(10, status=2)])]
    show(page, server, ok(data))
    assert cluster_ids(page) == [0, 1]
    states = shard_states(page)
    assert set(states) == {0, 2, 3, 4, 5, 6, 10}
    assert states[0] == "Ready"  # the first of the duplicates wins
    assert states[10] == "Reconnecting"
    assert "13 ms" in page.get_attribute("[data-shard-id='4']", "aria-label")
    lines = diagnostics(page)
    assert_listed(lines, where_shard(0, 1), problem("shard_bad_state"), "42")
    assert_listed(lines, where_shard(0, 0), problem("shard_duplicate"))
    assert_listed(lines, where_shard(1, 0), problem("shard_duplicate"))
    assert_listed(lines, where_shard(0, 2), problem("ping_invalid"), EN["problem.repaired"], "-5")
    assert_listed(lines, where_shard(0, 3), problem("ping_invalid"), str(10**12))
    assert_listed(lines, where_shard(0, 5), problem("ping_invalid"), "nan")
    assert_listed(lines, where_shard(0, 6), problem("ping_invalid"), "inf")
    assert_listed(lines, where_shard(0, 7), problem("shard_bad_state"), "ready")
    assert_listed(lines, where_cluster(0), problem("shard_bad_id"), "null")
    assert_listed(lines, where_cluster(0), problem("shard_not_object"), "not a shard")
    assert not [line for line in lines if where_shard(0, 4) in line]
    keeps_refreshing(server)


def test_bad_cluster_fields(page: Any, server: Backend) -> None:
    future = now_ms() + 30 * 86_400_000
    data = [
        cluster(0, status="stopped", shards=[shard(0), shard(1)]),
        cluster(1, createdAt=future),
        cluster(2, createdAt=(now_ms() - 7_200_000) // 1000),  # seconds, not ms
        cluster(3, createdAt=float("nan")),
        cluster(4, guilds=-1, members=1.5),
        cluster(
            5,
            extra={"nested": [1, 2, {"deep": True}]},
            shards=[shard(50, region="eu", weight=None)],
        ),
    ]
    show(page, server, ok(data))
    assert cluster_ids(page) == [0, 1, 2, 3, 4, 5]
    states = shard_states(page)
    assert 0 not in states and 1 not in states  # a stopped cluster has no live shards
    assert states[50] == "Ready"
    lines = diagnostics(page)
    assert_listed(lines, where_cluster(0), problem("shards_on_idle_cluster"))
    assert_listed(lines, where_cluster(1), problem("created_at_future"), str(future))
    assert_listed(lines, where_cluster(2), problem("created_at_seconds"))
    assert_listed(lines, where_cluster(3), problem("created_at_invalid"), "nan")
    assert_listed(lines, where_cluster(4), problem("count_invalid"), "guilds")
    assert_listed(lines, where_cluster(4), problem("count_invalid"), "members")
    assert not [line for line in lines if where_cluster(5) in line]  # extra fields: ignored
    keeps_refreshing(server)


# --------------------------------------------------------------------------- hostile strings


def test_hostile_strings_are_shown_as_text(page: Any, server: Backend) -> None:
    data = [
        cluster(0, status=IMG),
        cluster(1, note=SCRIPT, shards=[shard(10, status=SVG, label=IMG)]),
        cluster(SCRIPT, shards=[]),
        cluster(2, shards=[shard(20)], **{IMG: SCRIPT}),
    ]
    show(page, server, ok(data))
    assert cluster_ids(page) == [1, 2]
    lines = diagnostics(page)
    assert_listed(lines, where_cluster(0), problem("cluster_bad_status"), IMG)
    assert_listed(lines, where_shard(1, 10), problem("shard_bad_state"), SVG)
    assert_listed(lines, where_entry(3), problem("cluster_bad_id"), SCRIPT)
    assert_inert(page)
    keeps_refreshing(server)
    assert_inert(page)


# --------------------------------------------------------------------------- whole answers

REJECTED: dict[str, tuple[Any, str, str]] = {
    "a list": ([1, 2, 3], "ack_not_object", "[1, 2, 3]"),
    "a string": (IMG, "ack_not_object", IMG),
    "null": (None, "ack_not_object", "null"),
    "a number": (float("inf"), "ack_not_object", "inf"),
    "no success flag": ({"data": []}, "ack_malformed", "data"),
    "data not a list": ({"success": True, "data": {"0": {}}}, "data_not_list", "{'0': {}}"),
    "data null": ({"success": True}, "data_not_list", "null"),
    "success false": ({"success": False, "error": "shard manager down"}, "ack_error", "down"),
    "hostile error": ({"success": False, "error": IMG + SCRIPT}, "ack_error", IMG + SCRIPT),
}


@pytest.mark.parametrize("name", list(REJECTED))
def test_unusable_answer_keeps_the_last_good_data(page: Any, server: Backend, name: str) -> None:
    ack, code, detail = REJECTED[name]
    before = cluster_ids(page)
    assert before
    show(page, server, ack)
    page.wait_for_selector("#notice", state="visible", timeout=5_000)
    notice = page.inner_text("#notice")
    assert notice.startswith(EN["notice.unavailable"]), notice
    assert problem(code) in notice and EN["problem.where.answer"] in notice, notice
    assert detail in notice, notice
    page.wait_for_selector("html[data-stale]", state="attached", timeout=(2 * REFRESH_S + 2) * 1000)
    assert cluster_ids(page) == before
    assert page.get_attribute("html", "data-source") == "live"
    keeps_refreshing(server)
    assert_inert(page)
    server.clear_ack()
    page.wait_for_selector(HEALTHY, state="attached", timeout=10_000)
    page.wait_for_selector("#notice", state="hidden", timeout=5_000)


# --------------------------------------------------------------------------- size


@pytest.mark.timeout(420)
def test_a_hundred_thousand_shards(page: Any, server: Backend) -> None:
    """One cluster with 100,000 shards: parsed whole, drawn in part, still refreshing.

    The grid shows a thousand tiles (problems first) and says how many it leaves out.
    That the lookup still reaches an undrawn shard is a unit test (test_page_view).
    """
    count = 100_000
    states = [0, 0, 0, 2, 5, 8]
    big = cluster(
        0,
        shards=[shard(i, status=states[i % len(states)], ping=i % 300) for i in range(count)],
    )
    started = time.monotonic()
    server.set_ack(ok([big, cluster(1, shards=[shard(count)])]))
    page.wait_for_selector("[data-cluster-id='0'] .grid-note", timeout=120_000)
    print(f"100,000 shards answered, drawn {time.monotonic() - started:.1f} s after set_ack")
    assert cluster_ids(page) == [0, 1]
    drawn = page.locator("[data-cluster-id='0'] [data-shard-id]")
    assert drawn.count() == 1_000
    # Problems come first: every drawn tile of cluster 0 is one of the unhealthy states.
    assert "Ready" not in drawn.evaluate_all("els => els.map(e => e.dataset.state)")
    note = page.inner_text("[data-cluster-id='0'] .grid-note")
    assert "1,000" in note and "100,000" in note
    keeps_refreshing(server, timeout=120)
    assert page.evaluate("1 + 1") == 2
    assert page.locator("#diagnostics").is_hidden()  # nothing wrong with it, only big
    # Back to normal data: the 100,000 elements go away again.
    server.clear_ack()
    page.wait_for_function(
        "() => document.querySelectorAll('[data-shard-id]').length < 100",
        polling=1000,
        timeout=120_000,
    )
    print(f"back to normal {time.monotonic() - started:.1f} s after set_ack")
    page.wait_for_selector(HEALTHY, state="attached", timeout=60_000)
