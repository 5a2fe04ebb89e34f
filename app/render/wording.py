"""Every sentence the page says, made in one place from the catalogue and the formatter.

Regions and the diagnostics report ask a ``Wording`` for text; none of them puts a
message together on its own. Numbers, durations and times come from the formatter,
state names from ``app.model.vocabulary``.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.model.changelog import Change
from app.model.format import Formatter, split_duration
from app.model.i18n import Catalogue
from app.model.lookup import Located, LookupUnavailable, locate_guild
from app.model.page_state import PageState
from app.model.shard_lookup import GuildInput
from app.model.snapshot import Cluster, Problem, Snapshot
from app.model.vocabulary import (
    CLUSTER_STYLES,
    OVERALL_STYLES,
    SHARD_STYLES,
    ClusterState,
    Health,
    ShardState,
)

__all__ = ["Wording", "lookup_kind"]


def lookup_kind(found: Located) -> str:
    """The health class the lookup answer is drawn with."""
    if found.shard is not None:
        return SHARD_STYLES[found.shard.state].health.value
    return Health.DOWN.value


# eq=False: hashed by identity, so a Wording is a cheap part of every memo key.
@dataclass(frozen=True, slots=True, eq=False)
class Wording:
    t: Catalogue
    fmt: Formatter

    # -- small pieces ---------------------------------------------------------------------

    def text(self, key: str, **values: str) -> str:
        return self.t.text(key, **values)

    def number(self, n: int) -> str:
        return self.fmt.number(n)

    def count(self, key: str, n: int) -> str:
        return self.t.plural(key, n, self.fmt.number(n))

    def maybe_number(self, value: int | None) -> str:
        return self.t.text("value.none") if value is None else self.fmt.number(value)

    def ping(self, ping_ms: int | None) -> str:
        if ping_ms is None:
            return self.t.text("value.none")
        return self.t.text("shard.ping_ms", ping=self.fmt.number(ping_ms))

    def of(self, part: int, total: int) -> str:
        return self.t.text("summary.of", part=self.fmt.number(part), total=self.fmt.number(total))

    def state_label(self, state: ShardState) -> str:
        return self.t.text(SHARD_STYLES[state].label_key)

    # -- the overall status -----------------------------------------------------------------

    def overall_label(self, state: PageState) -> str:
        if state.snapshot is None:
            return self.t.text("overall.connecting")
        return self.t.text(OVERALL_STYLES[state.overall].label_key)

    def overall_detail(self, snapshot: Snapshot | None, healthy: int, running: int) -> str:
        if snapshot is None:
            return ""
        clusters = snapshot.clusters
        if not clusters:
            return self.t.text("overall.detail.no_clusters")
        return self.t.text(
            "overall.detail",
            running=self.fmt.number(running),
            clusters=self.count("count.clusters", len(clusters)),
            ready=self.fmt.number(healthy),
            shards=self.count("count.shards", len(snapshot.shards)),
        )

    def updated(self, state: PageState, stale: bool, now_ms: float) -> str:
        if state.last_success_ms is None:
            return ""
        ago = max(0.0, (now_ms - state.last_success_ms) / 1000)
        text = self.t.text(
            "updated.ago",
            ago=self.fmt.relative_time(ago),
            time=self.fmt.clock(state.last_success_ms),
        )
        return self.t.text("updated.stale", updated=text) if stale else text

    def failure(self, state: PageState, now_ms: float) -> str:
        """Why live data is unavailable: the rejected answer, else the failure's reason,
        with the time of the next try when the server asked the page to wait."""
        if state.rejection is not None:
            return self.problem_text(state.rejection)
        key = f"error.{state.error}"
        text = self.t.text(key) if key in self.t else ""
        if state.retry_at_ms is not None and state.retry_at_ms > now_ms:
            retry = self.t.text("notice.retry_at", time=self.fmt.clock(state.retry_at_ms))
            text = f"{text} {retry}".strip()
        return text

    def busy(self, state: PageState) -> str:
        """The page asks less often because the status server answers slowly."""
        return self.t.text("notice.busy", seconds=self.fmt.number(state.refresh_seconds))

    # -- find my shard ----------------------------------------------------------------------

    def lookup_answer(
        self, snapshot: Snapshot | None, lookup: GuildInput | None
    ) -> tuple[str | None, str]:
        """(kind, text) of the lookup's answer; kind None: nothing was asked."""
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
        return lookup_kind(found), self.located_text(found)

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
            ping=self.ping(found.shard.ping_ms),
        )
        verdict = self.t.text(f"lookup.verdict.{style.health.value}")
        return f"{answer} {verdict}"

    # -- clusters ---------------------------------------------------------------------------

    def cluster_name(self, cluster_id: int) -> str:
        return self.t.text("cluster.name", id=self.fmt.number(cluster_id))

    def uptime(self, cluster: Cluster, now_ms: float) -> str:
        if cluster.state is not ClusterState.RUNNING or cluster.created_at_ms is None:
            return self.t.text("value.none")
        return self.fmt.duration(split_duration(now_ms - cluster.created_at_ms))

    def shards_ready(self, healthy: int, total: int) -> str:
        return self.t.text(
            "cluster.shards_ready", ready=self.fmt.number(healthy), total=self.fmt.number(total)
        )

    # -- changes and problems ---------------------------------------------------------------

    def change_text(self, change: Change) -> str:
        return self.t.text(
            "changes.line",
            time=self.fmt.clock(change.at),
            shard=self.fmt.number(change.shard_id),
            old=self.state_label(ShardState(change.old_state)),
            new=self.state_label(ShardState(change.new_state)),
        )

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
