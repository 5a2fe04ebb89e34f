"""Turn the page's state into DOM operations, one batch per render pass.

``PageView.render`` describes every dynamic part of the page as ``El`` trees rooted at
static elements of ``index.html`` (``#overall``, ``#clusters``…), diffs each against
what it rendered last time and returns one flat list of operations for
``static/apply.js``. Unchanged clusters and shards produce no operations at all.

Every visible string comes from the catalogue; numbers, durations and times from the
formatter. States are looked up in ``app.model.vocabulary``, never re-derived here.

Public names: PageView, UiState
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from app.model.format import Formatter, split_duration
from app.model.i18n import Catalogue
from app.model.page_state import PageState, SourceKind
from app.model.snapshot import Cluster, Problem, Shard
from app.model.vocabulary import (
    CLUSTER_STYLES,
    OVERALL_STYLES,
    SHARD_STYLES,
    ClusterState,
    Health,
    OverallStatus,
    ping_band,
)
from app.render.vdom import El, Op, diff

__all__ = ["PageView", "UiState"]

_MAX_PROBLEMS_SHOWN = 50


@dataclass(slots=True)
class UiState:
    """What the visitor chose: kept by the controller, read by the view."""

    problems_only: bool = False
    state_filter: str | None = None  # a discord.js state name, e.g. "Reconnecting"
    collapsed: set[int] = field(default_factory=set)
    expanded: set[int] = field(default_factory=set)
    focus_shard: dict[int, int] = field(default_factory=dict)  # cluster -> roving tab stop
    found_shard: int | None = None


class PageView:
    """Keeps the last rendered trees and answers each render with the operations needed."""

    def __init__(self, catalogue: Catalogue, formatter: Formatter) -> None:
        self.t = catalogue
        self.fmt = formatter
        self._trees: dict[str, El] = {}
        self._placeholders_removed = False

    def render(self, state: PageState, ui: UiState, now_ms: float) -> list[Op]:
        ops: list[Op] = []
        if state.snapshot is not None and not self._placeholders_removed:
            ops.append(["r", "#placeholders"])
            self._placeholders_removed = True
        for tree in self._describe(state, ui, now_ms):
            previous = self._trees.get(tree.key) or El(tree.tag, tree.key)
            ops += diff(previous, tree)
            self._trees[tree.key] = tree
        return ops

    # -- the page, part by part ---------------------------------------------------------

    def _describe(self, state: PageState, ui: UiState, now_ms: float) -> Iterable[El]:
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
            ),
        )
        yield from self._overall(state, overall, stale, now_ms)
        yield self._notice(state)
        yield El(
            "div",
            "#preview-banner",
            _attrs(("hidden", None if state.source is SourceKind.MOCK else "")),
        )
        clusters = state.snapshot.clusters if state.snapshot else ()
        yield El("div", "#clusters", children=tuple(self._cluster(c, ui, now_ms) for c in clusters))
        yield self._diagnostics(state)

    def _overall(
        self, state: PageState, overall: OverallStatus, stale: bool, now_ms: float
    ) -> Iterable[El]:
        style = OVERALL_STYLES[overall]
        if state.snapshot is None:
            title = self.t.text("overall.connecting")
        else:
            title = self.t.text(style.label_key)
        yield El(
            "section",
            "#overall",
            _attrs(("data-health", style.health.value), ("data-shape", style.shape)),
        )
        yield El("span", "#overall-title", text=title)
        yield El("span", "#overall-detail", text=self._overall_detail(state))
        yield El("span", "#connection", text=self.t.text(f"connection.{_link(state)}"))
        yield El(
            "span",
            "#updated",
            _attrs(("data-stale", "" if stale else None)),
            text=self._updated(state, stale, now_ms),
        )

    def _overall_detail(self, state: PageState) -> str:
        if state.snapshot is None:
            return ""
        clusters = state.snapshot.clusters
        if not clusters:
            return self.t.text("overall.detail.no_clusters")
        running = sum(1 for c in clusters if c.state is ClusterState.RUNNING)
        shards = state.snapshot.shards
        ready = sum(1 for s in shards if SHARD_STYLES[s.state].health is Health.HEALTHY)
        return self.t.text(
            "overall.detail",
            running=self.fmt.number(running),
            clusters=self._count("count.clusters", len(clusters)),
            ready=self.fmt.number(ready),
            shards=self._count("count.shards", len(shards)),
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
        reason_key = f"error.{state.error.replace(':', '.')}"
        reason = self.t.text(reason_key) if reason_key in self.t else ""
        if state.rejection is not None:
            reason = self._problem_text(state.rejection)
        title = self.t.text("notice.unavailable")
        return El("div", "#notice", text=f"{title} {reason}".strip())

    def _cluster(self, cluster: Cluster, ui: UiState, now_ms: float) -> El:
        style = CLUSTER_STYLES[cluster.state]
        key = f"c{cluster.id}"
        name = self.t.text("cluster.name", id=self.fmt.number(cluster.id))
        facts = (
            self._fact(key, "uptime", self._uptime(cluster, now_ms)),
            self._fact(key, "guilds", self._maybe_number(cluster.guilds)),
            self._fact(key, "members", self._maybe_number(cluster.members)),
            self._fact(key, "shards", self._shard_count(cluster)),
        )
        header = El(
            "header",
            f"{key}h",
            (("class", "cluster-head"),),
            children=(
                El("h3", f"{key}n", text=name),
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
            ),
        )
        tiles = tuple(self._shard(s, cluster, ui) for s in cluster.shards)
        grid = El(
            "div",
            f"{key}g",
            (
                ("class", "shard-grid"),
                ("role", "group"),
                ("aria-label", self.t.text("cluster.shards_label", name=name)),
            ),
            children=tiles,
        )
        children: tuple[El, ...] = (header, El("dl", f"{key}f", (("class", "facts"),), None, facts))
        if tiles:
            children += (grid,)
        return El(
            "article",
            key,
            (
                ("class", "cluster"),
                ("data-cluster-id", str(cluster.id)),
                ("data-health", style.health.value),
                ("aria-labelledby", f"{key}n"),
            ),
            children=children,
        )

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

    def _shard(self, shard: Shard, cluster: Cluster, ui: UiState) -> El:
        style = SHARD_STYLES[shard.state]
        state_label = self.t.text(style.label_key)
        ping = self._ping(shard.ping_ms)
        roving = ui.focus_shard.get(cluster.id, cluster.shards[0].id)
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
                ("data-found", "" if ui.found_shard == shard.id else None),
                ("tabindex", "0" if roving == shard.id else "-1"),
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
            children=(
                El("span", f"s{shard.id}i", (("class", "shard-id"),), self.fmt.number(shard.id)),
                El("span", f"s{shard.id}s", (("class", "shard-state"),), state_label),
                El("span", f"s{shard.id}p", (("class", "shard-ping"),), ping),
            ),
        )

    def _diagnostics(self, state: PageState) -> El:
        problems = state.snapshot.problems if state.snapshot else ()
        items = tuple(
            El("li", f"p{i}", text=self._problem_text(p))
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

    def _problem_text(self, problem: Problem) -> str:
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


def _link(state: PageState) -> str:
    """The connection indicator's state; mock data has no connection to speak of."""
    return "preview" if state.source is SourceKind.MOCK else state.connection.value


def _attrs(*pairs: tuple[str, str | None]) -> tuple[tuple[str, str], ...]:
    return tuple((k, v) for k, v in pairs if v is not None)
