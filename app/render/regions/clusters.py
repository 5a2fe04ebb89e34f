"""The cluster cards, each with its header, facts, ping sparkline and shard grid.

Cards are put together from parts built through ``frame.memo``: a builder's arguments
are its memo key, so every part comes back as the very same ``El`` while what it shows
holds, and ``diff()`` passes over it with one identity check. A typical refresh moves
the sparklines and a few shards; the headers, facts and unchanged grids are reused.
"""

from __future__ import annotations

from app.model.snapshot import Cluster, Shard
from app.model.ui_state import visible_shards
from app.model.vocabulary import (
    CLUSTER_STYLES,
    PING_GOOD_BELOW_MS,
    SHARD_STYLES,
    ClusterState,
    ShardState,
    is_healthy,
    ping_band,
)
from app.render.context import Frame, attrs
from app.render.memo import Memo
from app.render.vdom import El
from app.render.wording import Wording
from app.seam import Action

__all__ = ["MAX_TILES_PER_CLUSTER", "clusters"]

# A grid of more tiles than this is drawn in part (problems first, then by id): past a
# thousand tiles nobody reads them one by one, and 100,000 would stall the page for
# seconds on every refresh. The filters and the lookup reach every shard.
MAX_TILES_PER_CLUSTER = 1_000
_SPARK_W, _SPARK_H = 120, 28

# One tile as a grid's memo key sees it: plain values hash far faster than the Shard
# dataclass, 10,000 times a pass.
_Tile = tuple[int, ShardState, int | None]


def clusters(f: Frame) -> El:
    ui, found = f.ui, f.found
    cards = []
    for cluster in f.state.snapshot.clusters if f.state.snapshot else ():
        shards = visible_shards(cluster, ui)
        if found is not None and found in cluster.shard_ids:
            # The visitor's own shard stays on screen whatever the filters say.
            shards = tuple(s for s in cluster.shards if s in shards or s.id == found)
        if _cluster_visible(cluster, shards, f):
            cards.append(_card(f, cluster, shards))
    return El("div", "#clusters", children=tuple(cards))


def _cluster_visible(cluster: Cluster, shards: tuple[Shard, ...], f: Frame) -> bool:
    if f.ui.state_filter is not None:
        return bool(shards)
    if f.ui.problems_only:
        return bool(shards) or cluster.state is not ClusterState.RUNNING
    return True


def _card(f: Frame, cluster: Cluster, shards: tuple[Shard, ...]) -> El:
    w, memo, ui = f.w, f.memo, f.ui
    key = f"c{cluster.id}"
    found_here = f.found if f.found in cluster.shard_ids else None
    collapsed = cluster.id in ui.collapsed and found_here is None
    healthy = f.counts.healthy_by_cluster[cluster.id] if f.counts else 0
    total = len(cluster.shard_ids) or len(cluster.shards)
    children = [
        memo.call(_head, w, cluster.id, cluster.state, bool(cluster.shards), collapsed),
        memo.call(
            _facts,
            w,
            cluster.id,
            w.uptime(cluster, f.now_ms),
            cluster.guilds,
            cluster.members,
            healthy,
            total,
        ),
    ]
    spark = _sparkline(w, key, f.changes.ping_series(cluster.id))
    if spark is not None:
        children.append(spark)
    if shards and not collapsed:
        shown = _capped(f, cluster.id, shards, found_here)
        roving = ui.focus_shard.get(cluster.id)
        if roving not in {s.id for s in shown}:
            roving = shown[0].id
        open_here = ui.open_shard if ui.open_shard in cluster.shard_ids else None
        tiles = tuple((s.id, s.state, s.ping_ms) for s in shown)
        children.append(memo.call(_grid, w, memo, cluster.id, tiles, roving, found_here, open_here))
        if len(shown) < len(shards):
            children.append(
                El(
                    "p",
                    f"{key}cap",
                    (("class", "grid-note"),),
                    w.text(
                        "cluster.tiles_capped",
                        shown=w.number(len(shown)),
                        total=w.number(len(shards)),
                    ),
                )
            )
    return El(
        "article",
        key,
        (
            ("class", "cluster"),
            ("data-cluster-id", str(cluster.id)),
            ("data-health", CLUSTER_STYLES[cluster.state].health.value),
            ("aria-labelledby", f"{key}n"),
        ),
        children=tuple(children),
    )


def _capped(
    f: Frame, cluster_id: int, shards: tuple[Shard, ...], found: int | None
) -> tuple[Shard, ...]:
    """At most ``MAX_TILES_PER_CLUSTER`` tiles: the visitor's own and open shard, then
    the ones with problems, then the rest, drawn in id order."""
    if len(shards) <= MAX_TILES_PER_CLUSTER:
        return shards
    # Cached by the identity of ``shards``: the once-a-second redraws between answers
    # reuse the cut instead of sorting every shard again (the view clears it per answer).
    key = (cluster_id, found, f.ui.open_shard)
    cached = f.capped.get(key)
    if cached is not None and cached[0] is shards:
        return cached[1]
    wanted = {found, f.ui.open_shard}

    def rank(shard: Shard) -> int:
        if shard.id in wanted:
            return 0
        return 1 if not is_healthy(shard.state) else 2

    kept = sorted(shards, key=rank)[:MAX_TILES_PER_CLUSTER]
    cut = tuple(sorted(kept, key=lambda s: s.id))
    f.capped[key] = (shards, cut)
    return cut


def _head(
    w: Wording, cluster_id: int, state: ClusterState, has_shards: bool, collapsed: bool
) -> El:
    style = CLUSTER_STYLES[state]
    key = f"c{cluster_id}"
    children: tuple[El, ...] = (
        El("h3", f"{key}n", (("id", f"{key}n"),), text=w.cluster_name(cluster_id)),
        El(
            "span",
            f"{key}st",
            (("class", "badge"), ("data-health", style.health.value), ("data-shape", style.shape)),
            text=w.text(style.label_key),
        ),
    )
    if has_shards:
        children += (
            El(
                "button",
                f"{key}x",
                (
                    ("type", "button"),
                    ("class", "fold-button"),
                    ("data-action", Action.FOLD),
                    ("data-cluster", str(cluster_id)),
                    ("aria-expanded", "false" if collapsed else "true"),
                    ("aria-controls", f"grid-{cluster_id}"),
                ),
                text=w.text("cluster.unfold" if collapsed else "cluster.fold"),
            ),
        )
    return El("header", f"{key}h", (("class", "cluster-head"),), children=children)


def _facts(
    w: Wording,
    cluster_id: int,
    uptime: str,
    guilds: int | None,
    members: int | None,
    healthy: int,
    total: int,
) -> El:
    key = f"c{cluster_id}"
    facts = (
        _fact(w, key, "uptime", uptime),
        _fact(w, key, "guilds", w.maybe_number(guilds)),
        _fact(w, key, "members", w.maybe_number(members)),
        _fact(w, key, "shards", w.shards_ready(healthy, total)),
    )
    return El("dl", f"{key}f", (("class", "facts"),), None, facts)


def _fact(w: Wording, cluster_key: str, name: str, value: str) -> El:
    key = f"{cluster_key}{name}"
    return El(
        "div",
        key,
        children=(
            El("dt", f"{key}t", text=w.text(f"cluster.{name}")),
            El("dd", f"{key}v", text=value),
        ),
    )


def _sparkline(w: Wording, cluster_key: str, series: tuple[float | None, ...]) -> El | None:
    known = [p for p in series if p is not None]
    if len(known) < 2:
        return None
    top = max(max(known), float(PING_GOOD_BELOW_MS))
    step = _SPARK_W / max(1, len(series) - 1)
    scale = (_SPARK_H - 4) / top
    # Whole units of a 120 x 28 viewBox are finer than the drawn line.
    points = " ".join(
        f"{round(i * step)},{round(_SPARK_H - 2 - p * scale)}"
        for i, p in enumerate(series)
        if p is not None
    )
    return El(
        "svg",
        f"{cluster_key}sp",
        (
            ("class", "sparkline"),
            ("viewBox", f"0 0 {_SPARK_W} {_SPARK_H}"),
            ("preserveAspectRatio", "none"),
            ("role", "img"),
            ("aria-label", w.text("cluster.ping_trend", ping=w.ping(round(known[-1])))),
        ),
        children=(El("polyline", f"{cluster_key}spl", (("points", points),)),),
    )


def _grid(
    w: Wording,
    memo: Memo,
    cluster_id: int,
    tiles: tuple[_Tile, ...],
    roving: int,
    found: int | None,
    open_shard: int | None,
) -> El:
    call = memo.call
    return El(
        "div",
        f"c{cluster_id}g",
        (
            ("id", f"grid-{cluster_id}"),
            ("class", "shard-grid"),
            ("role", "group"),
            ("data-cluster", str(cluster_id)),
            ("aria-label", w.text("cluster.shards_label", name=w.cluster_name(cluster_id))),
        ),
        children=tuple(
            call(_tile, w, sid, state, ping, roving == sid, found == sid, open_shard == sid)
            for sid, state, ping in tiles
        ),
    )


def _tile(
    w: Wording,
    shard_id: int,
    state: ShardState,
    ping_ms: int | None,
    roving: bool,
    found: bool,
    open_: bool,
) -> El:
    style = SHARD_STYLES[state]
    state_label = w.text(style.label_key)
    ping = w.ping(ping_ms)
    key = f"s{shard_id}"
    return El(
        "button",
        key,
        attrs(
            ("type", "button"),
            ("class", "shard"),
            ("data-shard-id", str(shard_id)),
            ("data-state", state.js_name),
            ("data-health", style.health.value),
            ("data-shape", style.shape),
            ("data-ping", ping_band(ping_ms).value),
            ("data-found", "" if found else None),
            ("tabindex", "0" if roving else "-1"),
            ("aria-expanded", "true" if open_ else "false"),
            ("aria-controls", "shard-details"),
            (
                "aria-label",
                w.text(
                    "shard.accessible_name", id=w.number(shard_id), state=state_label, ping=ping
                ),
            ),
        ),
        # The spaces make the visible text "12 Ready 45 ms" (not "12Ready45 ms"), so it
        # reads as part of the accessible name (WCAG 2.5.3); the grid layout drops them.
        children=(
            El("span", f"{key}i", (("class", "shard-id"),), w.number(shard_id) + " "),
            El("span", f"{key}s", (("class", "shard-state"),), state_label),
            El("span", f"{key}p", (("class", "shard-ping"),), " " + ping),
        ),
    )
