"""Turn the page's state into DOM operations, one batch per render pass.

``PageView.render`` describes every dynamic part of the page as ``El`` trees rooted at
static elements of ``index.html`` (``#overall``, ``#clusters``…), diffs each against
what it rendered last time and returns one flat list of operations for
``static/apply.js``. Unchanged clusters and shards produce no operations at all.

Every visible string comes from the catalogue; numbers, durations and times from the
formatter. States are looked up in ``app.model.vocabulary``, never re-derived here.

Public names: PageView, UiState, visible_shards(cluster, ui)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from app.model.changelog import Change, ChangeLog
from app.model.format import Formatter, split_duration
from app.model.i18n import LOCALES, Catalogue, locale_path
from app.model.lookup import Located, LookupUnavailable, locate_guild
from app.model.page_state import PageState, SourceKind
from app.model.shard_lookup import GuildInput
from app.model.snapshot import Cluster, Problem, Shard, Snapshot, healthy_cluster_ids
from app.model.vocabulary import (
    CLUSTER_STYLES,
    HEALTH_LABEL_KEYS,
    OVERALL_STYLES,
    PING_GOOD_BELOW_MS,
    PING_SLOW_BELOW_MS,
    SHARD_STYLES,
    ClusterState,
    Health,
    ShardState,
    ping_band,
)
from app.render.vdom import El, Op, diff

__all__ = ["PageView", "UiState", "visible_shards"]

_MAX_PROBLEMS_SHOWN = 50
# A grid of more tiles than this is drawn in part (problems first, then by id): past a
# thousand tiles nobody reads them one by one, and 100,000 would stall the page for
# seconds on every refresh. The filters and the lookup reach every shard.
_MAX_TILES_PER_CLUSTER = 1_000
_SPARK_W, _SPARK_H = 120, 28


@dataclass(slots=True)
class UiState:
    """What the visitor chose: kept by the controller, read by the view."""

    problems_only: bool = False
    state_filter: ShardState | None = None
    collapsed: set[int] = field(default_factory=set)
    focus_shard: dict[int, int] = field(default_factory=dict)  # cluster -> roving tab stop
    lookup: GuildInput | None = None
    open_shard: int | None = None
    theme: str | None = None  # "light" / "dark" when chosen, None: follow the system
    system_dark: bool = True
    copy_status: str | None = None  # message key of the last copy outcome
    search: str = ""  # the page's query string, kept by the locale switcher


def visible_shards(cluster: Cluster, ui: UiState) -> tuple[Shard, ...]:
    """The shards the filters leave on screen, in grid order."""
    shards = cluster.shards
    if ui.state_filter is not None:
        shards = tuple(s for s in shards if s.state is ui.state_filter)
    if ui.problems_only:
        shards = tuple(s for s in shards if SHARD_STYLES[s.state].health is not Health.HEALTHY)
    return shards


@dataclass(frozen=True, slots=True)
class _Counts:
    """What the summary, legend and banner count, once per snapshot rather than per pass."""

    healthy: int
    ready: int
    running: int
    guilds: int
    members: int
    average_ping: int | None
    by_state: dict[ShardState, int]
    ready_by_cluster: dict[int, int]
    healthy_clusters: frozenset[int]


def _count(snapshot: Snapshot) -> _Counts:
    by_state = dict.fromkeys(ShardState, 0)
    for shard in snapshot.shards:
        by_state[shard.state] += 1
    pings = [s.ping_ms for s in snapshot.shards if s.ping_ms is not None]
    clusters = snapshot.clusters
    return _Counts(
        healthy=sum(n for st, n in by_state.items() if SHARD_STYLES[st].health is Health.HEALTHY),
        ready=by_state[ShardState.READY],
        running=sum(1 for c in clusters if c.state is ClusterState.RUNNING),
        guilds=sum(c.guilds or 0 for c in clusters),
        members=sum(c.members or 0 for c in clusters),
        average_ping=round(sum(pings) / len(pings)) if pings else None,
        by_state=by_state,
        ready_by_cluster={
            c.id: sum(1 for s in c.shards if s.state is ShardState.READY) for c in clusters
        },
        healthy_clusters=healthy_cluster_ids(snapshot),
    )


def _cluster_visible(cluster: Cluster, shards: tuple[Shard, ...], ui: UiState) -> bool:
    if ui.state_filter is not None:
        return bool(shards)
    if ui.problems_only:
        return bool(shards) or cluster.state is not ClusterState.RUNNING
    return True


class PageView:
    """Keeps the last rendered trees and answers each render with the operations needed."""

    def __init__(self, catalogue: Catalogue, formatter: Formatter) -> None:
        self.t = catalogue
        self.fmt = formatter
        self._trees: dict[str, El] = {}
        self._placeholders_removed = False
        # Trees built last pass, by everything they depend on. Reusing the very same El
        # lets diff() skip an unchanged cluster or shard with one identity check, which
        # is what keeps a 10,000-shard refresh cheap. Rebuilt every pass: memory stays
        # bounded by what is on screen.
        self._memo: dict[tuple[object, ...], El] = {}
        self._next_memo: dict[tuple[object, ...], El] = {}
        self._counted: tuple[Snapshot, _Counts] | None = None
        self._capped: dict[tuple[object, ...], tuple[tuple[Shard, ...], tuple[Shard, ...]]] = {}

    def counts(self, snapshot: Snapshot) -> _Counts:
        # Compared by identity: a new answer is a new Snapshot, and the once-a-second
        # redraws between answers reuse the counts.
        if self._counted is None or self._counted[0] is not snapshot:
            self._counted = (snapshot, _count(snapshot))
            self._capped.clear()
        return self._counted[1]

    def render(
        self, state: PageState, ui: UiState, now_ms: float, changes: ChangeLog | None = None
    ) -> list[Op]:
        ops: list[Op] = []
        if state.snapshot is not None and not self._placeholders_removed:
            ops.append(["r", "#placeholders"])
            self._placeholders_removed = True
        for tree in self._describe(state, ui, now_ms, changes or ChangeLog()):
            previous = self._trees.get(tree.key) or El(tree.tag, tree.key)
            ops += diff(previous, tree)
            self._trees[tree.key] = tree
        self._memo, self._next_memo = self._next_memo, {}
        return ops

    # -- issue 14 hooks (app/render/cached.py): what is on screen, and forgetting it ----

    def rendered(self) -> dict[str, El]:
        """The trees last rendered, by root key (read-only by convention)."""
        return self._trees

    def forget(self, keys: Iterable[str]) -> None:
        """Treat these roots as never rendered: the next pass draws them from scratch."""
        for key in keys:
            self._trees.pop(key, None)

    def _remember(self, key: tuple[object, ...], build: Callable[[], El]) -> El:
        el = self._memo.get(key)
        if el is None:
            el = build()
        self._next_memo[key] = el
        return el

    # -- the page, part by part ---------------------------------------------------------

    def _describe(
        self, state: PageState, ui: UiState, now_ms: float, changes: ChangeLog
    ) -> Iterable[El]:
        overall = state.overall
        stale = state.is_stale(now_ms)
        yield El(
            "html",
            "#html",
            _attrs(
                ("data-status", overall.value),
                ("data-source", state.source.value if state.source else None),
                ("data-stale", "" if stale else None),
                ("data-connection", _link(state)),
                ("data-theme", ui.theme),
            ),
        )
        yield from self._overall(state, stale, now_ms)
        yield self._notice(state)
        yield El(
            "div",
            "#preview-banner",
            _attrs(("hidden", None if state.source is SourceKind.MOCK else "")),
        )
        yield self._theme_toggle(ui)
        for locale in LOCALES:
            yield El("a", f"#locale-{locale}", (("href", locale_path(locale) + ui.search),))
        yield self._lookup(state.snapshot, ui)
        yield self._summary(state.snapshot)
        yield self._legend(state.snapshot, ui)
        clusters = state.snapshot.clusters if state.snapshot else ()
        found = self.found_shard(state.snapshot, ui)
        counts = self.counts(state.snapshot) if state.snapshot else None
        yield from self._toolbar(ui, counts)
        cards = []
        for cluster in clusters:
            shards = visible_shards(cluster, ui)
            if found is not None and found in cluster.shard_ids:
                # The visitor's own shard stays on screen whatever the filters say.
                shards = tuple(s for s in cluster.shards if s in shards or s.id == found)
            if _cluster_visible(cluster, shards, ui):
                ready = counts.ready_by_cluster[cluster.id] if counts else 0
                cards.append(self._cluster(cluster, shards, ui, now_ms, changes, found, ready))
        yield El("div", "#clusters", children=tuple(cards))
        yield from self._changes(changes)
        yield self._details(state.snapshot, ui, changes)
        yield self._diagnostics(state)

    def _overall(self, state: PageState, stale: bool, now_ms: float) -> Iterable[El]:
        style = OVERALL_STYLES[state.overall]
        title = self.overall_label(state)
        yield El(
            "section",
            "#overall",
            _attrs(("data-health", style.health.value), ("data-shape", style.shape)),
        )
        yield El("span", "#overall-title", text=title)
        yield El("span", "#overall-detail", text=self._overall_detail(state))
        yield El("span", "#connection", text=self.t.text(f"connection.{_link(state)}"))
        yield El(
            "p",
            "#updated",
            _attrs(("data-stale", "" if stale else None)),
            text=self._updated(state, stale, now_ms),
        )

    def overall_label(self, state: PageState) -> str:
        if state.snapshot is None:
            return self.t.text("overall.connecting")
        return self.t.text(OVERALL_STYLES[state.overall].label_key)

    def _overall_detail(self, state: PageState) -> str:
        if state.snapshot is None:
            return ""
        clusters = state.snapshot.clusters
        if not clusters:
            return self.t.text("overall.detail.no_clusters")
        counts = self.counts(state.snapshot)
        return self.t.text(
            "overall.detail",
            running=self.fmt.number(counts.running),
            clusters=self._count("count.clusters", len(clusters)),
            ready=self.fmt.number(counts.healthy),
            shards=self._count("count.shards", len(state.snapshot.shards)),
        )

    def _updated(self, state: PageState, stale: bool, now_ms: float) -> str:
        if state.last_success_ms is None:
            return ""
        ago = max(0.0, (now_ms - state.last_success_ms) / 1000)
        text = self.t.text(
            "updated.ago",
            ago=self.fmt.relative_seconds(round(ago)),
            time=self.fmt.clock(state.last_success_ms),
        )
        return self.t.text("updated.stale", updated=text) if stale else text

    def _notice(self, state: PageState) -> El:
        if state.source is SourceKind.MOCK or state.error is None:
            return El("div", "#notice", _attrs(("hidden", "")), text="")
        if state.rejection is not None:
            reason = self.problem_text(state.rejection)
        else:
            key = f"error.{state.error}"
            reason = self.t.text(key) if key in self.t else ""
        title = self.t.text("notice.unavailable")
        return El("div", "#notice", text=f"{title} {reason}".strip())

    def _theme_toggle(self, ui: UiState) -> El:
        dark = ui.theme == "dark" if ui.theme else ui.system_dark
        return El(
            "button",
            "#theme-toggle",
            _attrs(
                ("aria-pressed", "true" if dark else "false"),
                ("title", self.t.text("theme.to_light" if dark else "theme.to_dark")),
            ),
            text=self.t.text("theme.toggle"),
        )

    # -- find my shard ------------------------------------------------------------------

    def _lookup(self, snapshot: Snapshot | None, ui: UiState) -> El:
        kind, text = self.lookup_answer(snapshot, ui)
        return El("p", "#lookup-result", _attrs(("data-kind", kind)), text=text)

    def lookup_answer(self, snapshot: Snapshot | None, ui: UiState) -> tuple[str | None, str]:
        lookup = ui.lookup
        if lookup is None:
            return None, ""
        if lookup.guild_id is None:
            assert lookup.error is not None
            return "error", self.t.text(f"lookup.error.{lookup.error.value}")
        if snapshot is None:
            return "waiting", self.t.text("lookup.waiting")
        found = locate_guild(snapshot, lookup.guild_id)
        if isinstance(found, LookupUnavailable):
            return "unavailable", self.t.text("lookup.unavailable")
        return self._health_kind(found), self.located_text(found)

    def _health_kind(self, found: Located) -> str:
        if found.shard is not None:
            return SHARD_STYLES[found.shard.state].health.value
        return Health.DOWN.value

    def located_text(self, found: Located) -> str:
        shard = self.fmt.number(found.shard_id)
        if found.cluster is None:
            return self.t.text("lookup.no_cluster", shard=shard)
        cluster = self.fmt.number(found.cluster.id)
        if found.shard is None:
            return self.t.text(
                "lookup.cluster_not_running",
                shard=shard,
                cluster=cluster,
                cluster_state=self.t.text(CLUSTER_STYLES[found.cluster.state].label_key),
            )
        style = SHARD_STYLES[found.shard.state]
        answer = self.t.text(
            "lookup.found",
            shard=shard,
            cluster=cluster,
            state=self.t.text(style.label_key),
            ping=self._ping(found.shard.ping_ms),
        )
        verdict = self.t.text(f"lookup.verdict.{style.health.value}")
        return f"{answer} {verdict}"

    # -- at a glance --------------------------------------------------------------------

    def _summary(self, snapshot: Snapshot | None) -> El:
        if snapshot is None:
            return El("dl", "#summary-facts")
        counts = self.counts(snapshot)
        shards, clusters = snapshot.shards, snapshot.clusters
        ready, running = counts.ready, counts.running
        guilds, members = counts.guilds, counts.members
        average = self._ping(counts.average_ping)
        of = self.t.text
        facts = (
            ("ready", of("summary.ready"), self._of(ready, len(shards))),
            ("running", of("summary.running"), self._of(running, len(clusters))),
            ("guilds", of("summary.guilds"), self.fmt.number(guilds)),
            ("members", of("summary.members"), self.fmt.number(members)),
            ("ping", of("summary.ping"), average),
        )
        return El(
            "dl",
            "#summary-facts",
            children=tuple(
                El(
                    "div",
                    f"sum-{name}",
                    (("class", "summary-fact"),),
                    children=(
                        El("dt", f"sum-{name}t", text=label),
                        El("dd", f"sum-{name}v", text=value),
                    ),
                )
                for name, label, value in facts
            ),
        )

    def _of(self, part: int, total: int) -> str:
        return self.t.text("summary.of", part=self.fmt.number(part), total=self.fmt.number(total))

    def _legend(self, snapshot: Snapshot | None, ui: UiState) -> El:
        counts = self.counts(snapshot).by_state if snapshot else dict.fromkeys(ShardState, 0)
        buttons = []
        for state, style in SHARD_STYLES.items():
            pressed = ui.state_filter is state
            label = self.t.text(style.label_key)
            buttons.append(
                El(
                    "button",
                    f"lg-{state.js_name}",
                    (
                        ("type", "button"),
                        ("class", "legend-item"),
                        ("data-action", "filter-state"),
                        ("data-value", state.js_name),
                        ("data-health", style.health.value),
                        ("data-shape", style.shape),
                        ("data-count", str(counts[state])),
                        ("aria-pressed", "true" if pressed else "false"),
                        (
                            "title",
                            self.t.text(
                                "legend.item_title",
                                state=label,
                                health=self.t.text(HEALTH_LABEL_KEYS[style.health]),
                            ),
                        ),
                    ),
                    children=(
                        El("span", f"lg-{state.js_name}l", (("class", "legend-label"),), label),
                        El(
                            "span",
                            f"lg-{state.js_name}c",
                            (("class", "legend-count"),),
                            self.fmt.number(counts[state]),
                        ),
                    ),
                )
            )
        bands = self.t.text(
            "legend.ping_bands",
            good=self.fmt.number(PING_GOOD_BELOW_MS),
            slow=self.fmt.number(PING_SLOW_BELOW_MS),
        )
        health = " · ".join(
            self.t.text(
                "legend.health_line",
                health=self.t.text(HEALTH_LABEL_KEYS[h]),
                shape=self.t.text(f"legend.shape.{h.value}"),
            )
            for h in Health
        )
        return El(
            "div",
            "#legend",
            children=(
                El("div", "lg-items", (("class", "legend-items"),), children=tuple(buttons)),
                El("p", "lg-notes", (("class", "legend-notes"),), f"{health} · {bands}"),
            ),
        )

    def _toolbar(self, ui: UiState, counts: _Counts | None) -> Iterable[El]:
        yield El(
            "button",
            "#problems-only",
            (("aria-pressed", "true" if ui.problems_only else "false"),),
        )
        # The button folds every healthy cluster, or unfolds them when all are folded:
        # its label says which it will do.
        healthy = counts.healthy_clusters if counts else frozenset()
        unfold = bool(healthy) and healthy <= ui.collapsed
        fold_key = "toolbar.unfold_healthy" if unfold else "toolbar.fold_healthy"
        yield El("button", "#fold-healthy", text=self.t.text(fold_key))
        copy_text = self.t.text(ui.copy_status) if ui.copy_status else ""
        yield El("span", "#copy-status", text=copy_text)
        if ui.state_filter is None and not ui.problems_only:
            yield El("p", "#filter-status", (("hidden", ""),), text="")
        else:
            what = (
                self.t.text(SHARD_STYLES[ui.state_filter].label_key)
                if ui.state_filter is not None
                else self.t.text("filter.problems")
            )
            yield El(
                "p",
                "#filter-status",
                children=(
                    El("span", "flt-t", text=self.t.text("filter.showing", what=what)),
                    El(
                        "button",
                        "flt-c",
                        (
                            ("type", "button"),
                            ("class", "link-button"),
                            ("data-action", "clear-filter"),
                        ),
                        self.t.text("filter.clear"),
                    ),
                ),
            )

    # -- clusters and shards ------------------------------------------------------------

    def _cluster(
        self,
        cluster: Cluster,
        shards: tuple[Shard, ...],
        ui: UiState,
        now_ms: float,
        changes: ChangeLog,
        found: int | None,
        ready: int,
    ) -> El:
        """A cluster card, built from parts that are each reused while their inputs hold.

        A refresh typically moves the ping sparkline of every cluster and a few shards:
        the header, facts and unchanged grids come back as the same objects, so the diff
        passes over them with an identity check.
        """
        style = CLUSTER_STYLES[cluster.state]
        key = f"c{cluster.id}"
        found_here = found if found in cluster.shard_ids else None
        collapsed = cluster.id in ui.collapsed and found_here is None
        uptime = self._uptime(cluster, now_ms)
        children = [
            self._remember(
                ("head", cluster.id, cluster.state, bool(cluster.shards), collapsed),
                lambda: self._cluster_head(cluster, collapsed),
            ),
            self._remember(
                ("facts", cluster.id, uptime, cluster.guilds, cluster.members, ready),
                lambda: self._cluster_facts(cluster, uptime),
            ),
        ]
        spark = self._sparkline(key, changes.ping_series(cluster.id))
        if spark is not None:
            children.append(spark)
        if shards and not collapsed:
            total = len(shards)
            shards = self._cap(cluster.id, shards, ui, found_here)
            roving = ui.focus_shard.get(cluster.id)
            if roving not in {s.id for s in shards}:
                roving = shards[0].id
            open_here = ui.open_shard if ui.open_shard in cluster.shard_ids else None
            values = tuple((s.id, s.state, s.ping_ms) for s in shards)
            children.append(
                self._remember(
                    ("grid", cluster.id, values, roving, found_here, open_here),
                    lambda: self._cluster_grid(cluster, shards, ui, roving, found_here),
                )
            )
            if len(shards) < total:
                children.append(
                    El(
                        "p",
                        f"{key}cap",
                        (("class", "grid-note"),),
                        self.t.text(
                            "cluster.tiles_capped",
                            shown=self.fmt.number(len(shards)),
                            total=self.fmt.number(total),
                        ),
                    )
                )
        return El(
            "article",
            key,
            (
                ("class", "cluster"),
                ("data-cluster-id", str(cluster.id)),
                ("data-health", style.health.value),
                ("aria-labelledby", f"{key}n"),
            ),
            children=tuple(children),
        )

    def _cap(
        self, cluster_id: int, shards: tuple[Shard, ...], ui: UiState, found: int | None
    ) -> tuple[Shard, ...]:
        if len(shards) <= _MAX_TILES_PER_CLUSTER:
            return shards
        key = (cluster_id, found, ui.open_shard)
        cached = self._capped.get(key)
        if cached is None or cached[0] is not shards:
            cached = self._capped[key] = (shards, _capped(shards, ui, found))
        return cached[1]

    def _cluster_head(self, cluster: Cluster, collapsed: bool) -> El:
        style = CLUSTER_STYLES[cluster.state]
        key = f"c{cluster.id}"
        head_children: tuple[El, ...] = (
            El("h3", f"{key}n", (("id", f"{key}n"),), text=self._cluster_name(cluster)),
            El(
                "span",
                f"{key}st",
                (
                    ("class", "badge"),
                    ("data-health", style.health.value),
                    ("data-shape", style.shape),
                ),
                text=self.t.text(style.label_key),
            ),
        )
        if cluster.shards:
            head_children += (
                El(
                    "button",
                    f"{key}x",
                    (
                        ("type", "button"),
                        ("class", "fold-button"),
                        ("data-action", "fold"),
                        ("data-cluster", str(cluster.id)),
                        ("aria-expanded", "false" if collapsed else "true"),
                        ("aria-controls", f"grid-{cluster.id}"),
                    ),
                    text=self.t.text("cluster.unfold" if collapsed else "cluster.fold"),
                ),
            )
        return El("header", f"{key}h", (("class", "cluster-head"),), children=head_children)

    def _cluster_facts(self, cluster: Cluster, uptime: str) -> El:
        key = f"c{cluster.id}"
        facts = (
            self._fact(key, "uptime", uptime),
            self._fact(key, "guilds", self._maybe_number(cluster.guilds)),
            self._fact(key, "members", self._maybe_number(cluster.members)),
            self._fact(key, "shards", self._shard_count(cluster)),
        )
        return El("dl", f"{key}f", (("class", "facts"),), None, facts)

    def _cluster_grid(
        self,
        cluster: Cluster,
        shards: tuple[Shard, ...],
        ui: UiState,
        roving: int,
        found: int | None,
    ) -> El:
        return El(
            "div",
            f"c{cluster.id}g",
            (
                ("id", f"grid-{cluster.id}"),
                ("class", "shard-grid"),
                ("role", "group"),
                ("data-cluster", str(cluster.id)),
                (
                    "aria-label",
                    self.t.text("cluster.shards_label", name=self._cluster_name(cluster)),
                ),
            ),
            children=tuple(self._shard(s, ui, roving, found) for s in shards),
        )

    def _cluster_name(self, cluster: Cluster) -> str:
        return self.t.text("cluster.name", id=self.fmt.number(cluster.id))

    def _fact(self, cluster_key: str, name: str, value: str) -> El:
        key = f"{cluster_key}{name}"
        return El(
            "div",
            key,
            children=(
                El("dt", f"{key}t", text=self.t.text(f"cluster.{name}")),
                El("dd", f"{key}v", text=value),
            ),
        )

    def _sparkline(self, cluster_key: str, series: tuple[float | None, ...]) -> El | None:
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
        label = self.t.text("cluster.ping_trend", ping=self._ping(round(known[-1])))
        return El(
            "svg",
            f"{cluster_key}sp",
            (
                ("class", "sparkline"),
                ("viewBox", f"0 0 {_SPARK_W} {_SPARK_H}"),
                ("preserveAspectRatio", "none"),
                ("role", "img"),
                ("aria-label", label),
            ),
            children=(El("polyline", f"{cluster_key}spl", (("points", points),)),),
        )

    def _shard(self, shard: Shard, ui: UiState, roving: int, found: int | None) -> El:
        # Plain ints hash far faster than the Shard dataclass, 10,000 times a pass.
        key = (
            "shard",
            shard.id,
            shard.state,
            shard.ping_ms,
            shard.cluster_id,
            roving == shard.id,
            found == shard.id,
            ui.open_shard == shard.id,
        )
        return self._remember(key, lambda: self._build_shard(shard, ui, roving, found))

    def _build_shard(self, shard: Shard, ui: UiState, roving: int, found: int | None) -> El:
        style = SHARD_STYLES[shard.state]
        state_label = self.t.text(style.label_key)
        ping = self._ping(shard.ping_ms)
        return El(
            "button",
            f"s{shard.id}",
            _attrs(
                ("type", "button"),
                ("class", "shard"),
                ("data-shard-id", str(shard.id)),
                ("data-state", shard.state.js_name),
                ("data-health", style.health.value),
                ("data-shape", style.shape),
                ("data-ping", ping_band(shard.ping_ms).value),
                ("data-found", "" if found == shard.id else None),
                ("tabindex", "0" if roving == shard.id else "-1"),
                ("aria-expanded", "true" if ui.open_shard == shard.id else "false"),
                ("aria-controls", "shard-details"),
                (
                    "aria-label",
                    self.t.text(
                        "shard.accessible_name",
                        id=self.fmt.number(shard.id),
                        state=state_label,
                        ping=ping,
                    ),
                ),
            ),
            # The spaces make the visible text "12 Ready 45 ms" (not "12Ready45 ms"), so it
            # reads as part of the accessible name (WCAG 2.5.3); the grid layout drops them.
            children=(
                El(
                    "span",
                    f"s{shard.id}i",
                    (("class", "shard-id"),),
                    self.fmt.number(shard.id) + " ",
                ),
                El("span", f"s{shard.id}s", (("class", "shard-state"),), state_label),
                El("span", f"s{shard.id}p", (("class", "shard-ping"),), " " + ping),
            ),
        )

    def found_shard(self, snapshot: Snapshot | None, ui: UiState) -> int | None:
        """The shard the visitor's server is on, when the lookup can tell."""
        if snapshot is None or ui.lookup is None or ui.lookup.guild_id is None:
            return None
        found = locate_guild(snapshot, ui.lookup.guild_id)
        return found.shard_id if isinstance(found, Located) else None

    def _details(self, snapshot: Snapshot | None, ui: UiState, changes: ChangeLog) -> El:
        shard = None
        if snapshot is not None and ui.open_shard is not None:
            shard = next((s for s in snapshot.shards if s.id == ui.open_shard), None)
        if shard is None:
            return El("div", "#shard-details", (("data-shard", ""),))
        style = SHARD_STYLES[shard.state]
        history = changes.shard_history(shard.id)
        since = (
            self.fmt.clock(history.last_change_at)
            if history.last_change_at is not None
            else self.t.text("details.no_change")
        )
        rows = (
            ("state", self.t.text(style.label_key)),
            ("health", self.t.text(HEALTH_LABEL_KEYS[style.health])),
            ("ping", self._ping(shard.ping_ms)),
            ("cluster", self.t.text("cluster.name", id=self.fmt.number(shard.cluster_id))),
            ("since", since),
            ("transitions", self.fmt.number(history.transitions)),
        )
        return El(
            "div",
            "#shard-details",
            (("data-shard", str(shard.id)), ("data-health", style.health.value)),
            children=(
                El(
                    "p",
                    "dt-h",
                    (("class", "details-title"),),
                    self.t.text("details.title", id=self.fmt.number(shard.id)),
                ),
                El(
                    "dl",
                    "dt-l",
                    children=tuple(
                        El(
                            "div",
                            f"dt-{name}",
                            children=(
                                El("dt", f"dt-{name}t", text=self.t.text(f"details.{name}")),
                                El("dd", f"dt-{name}v", text=value),
                            ),
                        )
                        for name, value in rows
                    ),
                ),
            ),
        )

    def _changes(self, changes: ChangeLog) -> Iterable[El]:
        recent = changes.recent
        yield El("p", "#changes-empty", _attrs(("hidden", "" if recent else None)))
        yield El(
            "ol",
            "#changes-list",
            children=tuple(
                El("li", f"ch{c.shard_id}-{round(c.at)}", text=self.change_text(c)) for c in recent
            ),
        )

    def change_text(self, change: Change) -> str:
        return self.t.text(
            "changes.line",
            time=self.fmt.clock(change.at),
            shard=self.fmt.number(change.shard_id),
            old=self.t.text(SHARD_STYLES[ShardState(change.old_state)].label_key),
            new=self.t.text(SHARD_STYLES[ShardState(change.new_state)].label_key),
        )

    def _diagnostics(self, state: PageState) -> El:
        problems = state.snapshot.problems if state.snapshot else ()
        items = tuple(
            El("li", f"p{i}", text=self.problem_text(p))
            for i, p in enumerate(problems[:_MAX_PROBLEMS_SHOWN])
        )
        summary = self._count("diagnostics.summary", len(problems))
        return El(
            "details",
            "#diagnostics",
            _attrs(("hidden", None if problems else "")),
            children=(
                El("summary", "diag-s", text=summary),
                El("ul", "diag-l", children=items),
            ),
        )

    # -- small formatting helpers -------------------------------------------------------

    def problem_text(self, problem: Problem) -> str:
        if problem.shard_id is not None:
            where = self.t.text(
                "problem.where.shard",
                cluster=self.fmt.number(problem.cluster_id or 0),
                shard=self.fmt.number(problem.shard_id),
            )
        elif problem.cluster_id is not None:
            where = self.t.text(
                "problem.where.cluster", cluster=self.fmt.number(problem.cluster_id)
            )
        elif problem.index is not None:
            where = self.t.text("problem.where.entry", index=self.fmt.number(problem.index + 1))
        else:
            where = self.t.text("problem.where.answer")
        outcome = self.t.text("problem.skipped" if problem.skipped else "problem.repaired")
        return self.t.text(
            "problem.line",
            where=where,
            reason=self.t.text(f"problem.{problem.code.value}"),
            outcome=outcome,
            value=problem.detail,
        )

    def _count(self, key: str, n: int) -> str:
        return self.t.plural(key, n, self.fmt.number(n))

    def _maybe_number(self, value: int | None) -> str:
        return self.t.text("value.none") if value is None else self.fmt.number(value)

    def _ping(self, ping_ms: int | None) -> str:
        if ping_ms is None:
            return self.t.text("value.none")
        return self.t.text("shard.ping_ms", ping=self.fmt.number(ping_ms))

    def _uptime(self, cluster: Cluster, now_ms: float) -> str:
        if cluster.state is not ClusterState.RUNNING or cluster.created_at_ms is None:
            return self.t.text("value.none")
        return self.fmt.duration(split_duration(now_ms - cluster.created_at_ms))

    def _shard_count(self, cluster: Cluster) -> str:
        total = len(cluster.shard_ids) or len(cluster.shards)
        ready = sum(1 for s in cluster.shards if SHARD_STYLES[s.state].health is Health.HEALTHY)
        return self.t.text(
            "cluster.shards_ready", ready=self.fmt.number(ready), total=self.fmt.number(total)
        )


def _capped(shards: tuple[Shard, ...], ui: UiState, found: int | None) -> tuple[Shard, ...]:
    """At most ``_MAX_TILES_PER_CLUSTER`` tiles: the visitor's own and open shard, then
    the ones with problems, then the rest, drawn in id order."""
    if len(shards) <= _MAX_TILES_PER_CLUSTER:
        return shards
    wanted = {found, ui.open_shard}

    def rank(shard: Shard) -> int:
        if shard.id in wanted:
            return 0
        return 1 if SHARD_STYLES[shard.state].health is not Health.HEALTHY else 2

    kept = sorted(shards, key=rank)[:_MAX_TILES_PER_CLUSTER]
    return tuple(sorted(kept, key=lambda s: s.id))


def _link(state: PageState) -> str:
    """The connection indicator's state; mock data has no connection to speak of."""
    return "preview" if state.source is SourceKind.MOCK else state.connection.value


def _attrs(*pairs: tuple[str, str | None]) -> tuple[tuple[str, str], ...]:
    return tuple((k, v) for k, v in pairs if v is not None)
