"""Unit tests for app.render.last_known: what is kept for the next visit's first paint.

The payload is built from the view's real trees (``PageView`` with the English catalogue
and ``FallbackFormatter``); ``expand`` reads it back the way static/last-known.js does
(which ``tests/unit/test_seam.py`` runs under Node against these payloads, and
``tests/browser/test_last_known.py`` in the browsers).
"""

from __future__ import annotations

import asyncio
import doctest
import json
from typing import Any

from app.model.format import FallbackFormatter
from app.model.page_state import PageState, SourceKind
from app.model.snapshot import Snapshot, parse_ack
from app.model.ui_state import UiState
from app.render import last_known as last_known_module
from app.render.last_known import (
    BUDGET_CHARS,
    FORMAT,
    PAINTED,
    LastKnownPaint,
    snapshot_payload,
)
from app.render.page import PageView
from app.render.vdom import El
from tests.support import NOW, RecordingBrowser, english, make_controller
from tests.support import grid_ack as ack
from tests.support.trees import as_next_visit, expand, same_tree

HOSTILE = "<img src=x onerror=\"window.__pwned='img'\">"


def rendered(body: dict[str, Any]) -> tuple[PageView, Snapshot]:
    snapshot = parse_ack(body, NOW)
    assert isinstance(snapshot, Snapshot)
    view = PageView(english(), FallbackFormatter("en"))
    state = PageState.initial(15.0).with_snapshot(snapshot, SourceKind.LIVE, NOW)
    view.render(state, UiState(), NOW)
    return view, snapshot


def payload(view: PageView, budget: int = BUDGET_CHARS) -> dict[str, Any] | None:
    text = snapshot_payload(
        view.rendered(), saved_at_ms=NOW, locale="en", version="1.0+abc", budget=budget
    )
    return None if text is None else json.loads(text)


def shard_tiles(tree: El) -> list[El]:
    """Every shard tile under ``tree``, in order."""
    found = [tree] if dict(tree.attrs).get("class") == "shard" else []
    for child in tree.children:
        found += shard_tiles(child)
    return found


def stored_tiles(data: dict[str, Any]) -> list[El]:
    return shard_tiles(expand(data)["clusters"])


def region(data: dict[str, Any], name: str) -> list[Any]:
    return next(r for r in data["regions"] if r[0] == name)


def test_doctests() -> None:
    assert doctest.testmod(last_known_module).failed == 0


def test_payload_names_format_locale_version_time_and_status() -> None:
    view, _ = rendered(ack(3, 4))
    data = payload(view)
    assert data is not None
    assert (data["format"], data["locale"], data["version"], data["saved_at"]) == (
        FORMAT,
        "en",
        "1.0+abc",
        NOW,
    )
    assert data["partial"] is False
    assert data["status"] == dict(view.rendered()["#html"].attrs)["data-status"]
    assert [r[0] for r in data["regions"]] == [k[1:] for k in PAINTED]


def test_the_payload_reads_back_as_the_views_own_trees() -> None:
    """Every painted region, expanded, is the tree the view drew (as a next visit starts)."""
    view, snapshot = rendered(ack(3, 4))
    data = payload(view)
    assert data is not None
    trees, regions = view.rendered(), expand(data)
    for key in PAINTED:
        drawn = as_next_visit(trees[key])
        stored = regions[key[1:]]
        assert dict(stored.attrs) == dict(drawn.attrs), key
        assert stored.text == drawn.text, key
        assert len(stored.children) == len(drawn.children), key
        for a, b in zip(stored.children, drawn.children, strict=True):
            assert same_tree(a, b), key
    ids = [dict(t.attrs)["data-shard-id"] for t in stored_tiles(data)]
    assert sorted(map(int, ids)) == sorted(s.id for s in snapshot.shards)


def test_every_shard_tile_is_one_template_and_its_slots() -> None:
    """The bulk of a big bot is its tiles: each is stored as a template index and the
    values of its slots; what every tile has in common is in the template, and the
    strings tiles repeat are stored once."""
    view, snapshot = rendered(ack(3, 4))
    data = payload(view)
    assert data is not None
    rows: list[list[Any]] = []

    def walk(nodes: list[Any]) -> None:
        for node in nodes:
            if isinstance(node[0], int):
                rows.append(node)
            else:
                walk(node[3])

    walk(region(data, "clusters")[3])
    tile_shapes = {r[0] for r in rows if ["class", "shard"] in data["templates"][r[0]][1]}
    assert sum(1 for r in rows if r[0] in tile_shapes) == len(snapshot.shards)
    (tile,) = (data["templates"][i] for i in tile_shapes)
    assert ["aria-controls", "shard-details"] in tile[1]  # the same in every tile
    assert ["data-shard-id", None] in tile[1]  # a slot
    assert "Ready" in data["strings"]  # a state's label, repeated by every ready shard
    assert any(isinstance(v, int) for r in rows for v in r[1:])


def test_a_shape_seen_once_stays_a_plain_node() -> None:
    odd = El("p", "p1", (("class", "note"),), "once")
    trees = {"#clusters": El("div", "#clusters", children=(odd,))}
    data = json.loads(snapshot_payload(trees, saved_at_ms=NOW, locale="en", version="v") or "")
    assert region(data, "clusters")[3] == [["p", {"class": "note"}, "once", []]]


def test_ten_thousand_shards_fit_in_full() -> None:
    """The bench's 10,000-shard scenario, every cluster unfolded: all tiles, in budget."""
    view, snapshot = rendered(ack(625, 16))
    assert len(snapshot.shards) == 10_000
    text = snapshot_payload(view.rendered(), saved_at_ms=NOW, locale="en", version="v")
    assert text is not None and len(text) <= BUDGET_CHARS
    data = json.loads(text)
    assert data["partial"] is False
    assert len(stored_tiles(data)) == 10_000


def test_over_budget_keeps_the_summary_and_only_problem_shards_and_says_so() -> None:
    view, snapshot = rendered(ack(625, 16))
    full = snapshot_payload(view.rendered(), saved_at_ms=NOW, locale="en", version="v")
    assert full is not None
    data = payload(view, budget=len(full) - 1)
    assert data is not None and data["partial"] is True
    problems = {s.id for s in snapshot.shards if s.state.name != "READY"}
    assert {int(dict(t.attrs)["data-shard-id"]) for t in stored_tiles(data)} == problems
    assert region(data, "summary-facts")[3]  # the summary is whole
    assert len(region(data, "clusters")[3]) == 625  # every cluster card


def test_nothing_is_stored_when_even_the_problems_do_not_fit() -> None:
    view, _ = rendered(ack(625, 16))
    assert payload(view, budget=10_000) is None


def test_server_strings_stay_values_in_the_payload() -> None:
    body = ack(1, 2)
    body["data"][0]["status"] = HOSTILE  # an unknown cluster status, shown as text
    view, _ = rendered(body)
    text = snapshot_payload(view.rendered(), saved_at_ms=NOW, locale="en", version="v")
    assert text is not None
    data = json.loads(text)
    names: set[str] = set()

    def walk(node: list[Any]) -> None:
        if isinstance(node[0], str):
            names.update(node[1])
            for child in node[3]:
                walk(child)

    def template_names(template: list[Any]) -> None:
        names.update(name for name, _ in template[1])
        for child in template[3]:
            template_names(child)

    for r in data["regions"]:
        names.update(r[1])
        for child in r[3] or []:
            walk(child)
    for template in data["templates"]:
        template_names(template)
    assert not [n for n in names if n.lower().startswith("on") or n in ("href", "src", "style")]


def test_hold_keeps_python_off_the_painted_regions_until_data_then_takes_over_once() -> None:
    paint = LastKnownPaint(shown=True)
    ops = [
        ["a", "#html", {"data-status": "unknown", "data-connection": "offline"}],
        ["t", "#overall-title", "Connecting…"],
        ["c", "#legend", None, ["div", "lg-items", {}, None, []]],
        ["t", "#updated", ""],
        ["t", "#notice", "Live status unavailable"],
    ]
    assert paint.hold(ops) == [
        ["a", "#html", {"data-connection": "offline"}],
        ["t", "#notice", "Live status unavailable"],
    ]
    assert paint.take_over(has_data=False) is False
    assert paint.take_over(has_data=True) is True
    assert paint.take_over(has_data=True) is False
    assert paint.hold(ops) == ops


def test_live_data_is_stored_and_preview_data_never() -> None:
    browser = RecordingBrowser(last_known=False)
    c = make_controller(browser, version="1.0+abc")
    assert c.accept(ack(2, 2), SourceKind.MOCK)
    c.paint()
    assert browser.sent("storeLastKnown") == []
    assert c.accept(ack(2, 2), SourceKind.LIVE)
    c.paint()
    stored = browser.stored_last_known
    assert browser.sent("storeLastKnown") == [[p] for p in stored]
    assert len(stored) == 1 and stored[0] is not None
    assert json.loads(stored[0])["version"] == "1.0+abc"
    c.paint()  # a redraw without new data stores nothing more
    assert len(browser.sent("storeLastKnown")) == 1


def test_first_data_drops_the_painted_view_in_the_same_batch_before_its_ops() -> None:
    browser = RecordingBrowser(last_known=True)
    c = make_controller(browser, version="1.0+abc")
    c.paint()
    assert all(op[1] not in ("#clusters", "#overall-title") for op in browser.ops())
    browser.commands.clear()
    assert c.accept(ack(2, 2), SourceKind.LIVE)
    c.paint()
    (batch,) = browser.batches[1:]  # the pass is one flush
    names = [command[0] for command in batch]
    assert names.index("dropLastKnown") < names.index("apply")
    ops = batch[names.index("apply")][1]  # the pass's own ops come first
    assert any(op[:2] == ["t", "#overall-title"] for op in ops)
    assert any(op[0] == "c" and op[1] == "#clusters" for op in ops)
    asyncio.run(c.close())


def test_a_tile_is_stored_without_this_visits_lookup_mark_or_open_details() -> None:
    """``data-found`` answers this visit's ``?guild=``; the next visit asks its own."""
    view, _ = rendered(ack(1, 2))
    tile = view.rendered()["#clusters"].children[0].children[-1].children[0]
    marked = El(
        tile.tag,
        tile.key,
        (*((k, "true" if k == "aria-expanded" else v) for k, v in tile.attrs), ("data-found", "")),
        tile.text,
        tile.children,
    )
    card = El("article", "c0", children=(El("div", "c0g", children=(marked, tile)),))
    trees = {"#clusters": El("div", "#clusters", children=(card,))}
    data = json.loads(snapshot_payload(trees, saved_at_ms=NOW, locale="en", version="v") or "")
    first, second = stored_tiles(data)
    attrs = dict(first.attrs)
    assert "data-found" not in attrs and attrs["aria-expanded"] == "false"
    assert same_tree(first, second)  # the marked tile stored as the plain one
