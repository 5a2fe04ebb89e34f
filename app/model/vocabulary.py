"""The closed vocabulary of states, mapped in one place.

A shard's state is the discord.js ``Status`` it reports (``ShardState``, 0 Ready … 8
Resuming). Each shard state, cluster state and overall status is told by a ``StateStyle``
(health class, label key, shape) from one table: ``SHARD_STYLES``, ``CLUSTER_STYLES``,
``OVERALL_STYLES``. ``is_healthy`` is the one rule for "is this shard healthy", and
``ping_band`` puts a heartbeat ping in a ``PingBand`` by ``PING_GOOD_BELOW_MS`` and
``PING_SLOW_BELOW_MS``. No view re-derives any of this: renderers look states up here.

>>> SHARD_STYLES[ShardState.RECONNECTING].health
<Health.TRANSITIONAL: 'transitional'>
>>> ping_band(250)
<PingBand.SLOW: 'slow'>
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

__all__ = [
    "CLUSTER_STYLES",
    "HEALTH_LABEL_KEYS",
    "OVERALL_STYLES",
    "PING_GOOD_BELOW_MS",
    "PING_SLOW_BELOW_MS",
    "SHARD_STYLES",
    "ClusterState",
    "Health",
    "OverallStatus",
    "PingBand",
    "ShardState",
    "StateStyle",
    "is_healthy",
    "ping_band",
]


class ShardState(IntEnum):
    """discord.js ``Status``: the number a shard reports, named as discord.js names it."""

    READY = 0
    CONNECTING = 1
    RECONNECTING = 2
    IDLE = 3
    NEARLY = 4
    DISCONNECTED = 5
    WAITING_FOR_GUILDS = 6
    IDENTIFYING = 7
    RESUMING = 8

    @property
    def js_name(self) -> str:
        """The discord.js name, e.g. ``WaitingForGuilds``; also the ``data-state`` hook."""
        return _JS_NAMES[self]


_JS_NAMES = {
    ShardState.READY: "Ready",
    ShardState.CONNECTING: "Connecting",
    ShardState.RECONNECTING: "Reconnecting",
    ShardState.IDLE: "Idle",
    ShardState.NEARLY: "Nearly",
    ShardState.DISCONNECTED: "Disconnected",
    ShardState.WAITING_FOR_GUILDS: "WaitingForGuilds",
    ShardState.IDENTIFYING: "Identifying",
    ShardState.RESUMING: "Resuming",
}


class Health(StrEnum):
    HEALTHY = "healthy"
    TRANSITIONAL = "transitional"
    DOWN = "down"


class ClusterState(StrEnum):
    STARTING = "starting"
    RUNNING = "running"
    STOPPED = "stopped"


class OverallStatus(StrEnum):
    OPERATIONAL = "operational"
    DEGRADED = "degraded"
    OUTAGE = "outage"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class StateStyle:
    """How a state is told apart without colour: a health class, a label and a shape.

    ``label_key`` is a message key in ``locales/*.json``; ``shape`` names a CSS glyph
    class (``circle``, ``triangle``, ``square``, ``ring``…), drawn next to the label.
    """

    health: Health
    label_key: str
    shape: str


_HEALTHY, _TRANSITIONAL, _DOWN = Health.HEALTHY, Health.TRANSITIONAL, Health.DOWN

SHARD_STYLES: dict[ShardState, StateStyle] = {
    ShardState.READY: StateStyle(_HEALTHY, "shard.state.ready", "circle"),
    ShardState.CONNECTING: StateStyle(_TRANSITIONAL, "shard.state.connecting", "triangle"),
    ShardState.RECONNECTING: StateStyle(_TRANSITIONAL, "shard.state.reconnecting", "triangle"),
    ShardState.RESUMING: StateStyle(_TRANSITIONAL, "shard.state.resuming", "triangle"),
    ShardState.IDENTIFYING: StateStyle(_TRANSITIONAL, "shard.state.identifying", "triangle"),
    ShardState.WAITING_FOR_GUILDS: StateStyle(
        _TRANSITIONAL, "shard.state.waiting_for_guilds", "triangle"
    ),
    ShardState.NEARLY: StateStyle(_TRANSITIONAL, "shard.state.nearly", "triangle"),
    ShardState.IDLE: StateStyle(_DOWN, "shard.state.idle", "square"),
    ShardState.DISCONNECTED: StateStyle(_DOWN, "shard.state.disconnected", "square"),
}

CLUSTER_STYLES: dict[ClusterState, StateStyle] = {
    ClusterState.RUNNING: StateStyle(_HEALTHY, "cluster.state.running", "circle"),
    ClusterState.STARTING: StateStyle(_TRANSITIONAL, "cluster.state.starting", "triangle"),
    ClusterState.STOPPED: StateStyle(_DOWN, "cluster.state.stopped", "square"),
}

OVERALL_STYLES: dict[OverallStatus, StateStyle] = {
    OverallStatus.OPERATIONAL: StateStyle(_HEALTHY, "overall.operational", "circle"),
    OverallStatus.DEGRADED: StateStyle(_TRANSITIONAL, "overall.degraded", "triangle"),
    OverallStatus.OUTAGE: StateStyle(_DOWN, "overall.outage", "square"),
    # "unknown" is not a health verdict: it is drawn as a hollow ring.
    OverallStatus.UNKNOWN: StateStyle(_TRANSITIONAL, "overall.unknown", "ring"),
}


# Read once from the table above: ``is_healthy`` runs for every shard on every pass.
_HEALTHY_STATES = frozenset(
    state for state, style in SHARD_STYLES.items() if style.health is Health.HEALTHY
)


def is_healthy(state: ShardState) -> bool:
    """Whether a shard in ``state`` counts as healthy: the one place this is decided."""
    return state in _HEALTHY_STATES


HEALTH_LABEL_KEYS: dict[Health, str] = {
    Health.HEALTHY: "health.healthy",
    Health.TRANSITIONAL: "health.transitional",
    Health.DOWN: "health.down",
}

PING_GOOD_BELOW_MS = 200
PING_SLOW_BELOW_MS = 400


class PingBand(StrEnum):
    GOOD = "good"
    SLOW = "slow"
    BAD = "bad"
    UNKNOWN = "unknown"


def ping_band(ping_ms: int | None) -> PingBand:
    """Band a heartbeat ping; ``None`` (discord.js ``-1``: not measured yet) is UNKNOWN."""
    if ping_ms is None:
        return PingBand.UNKNOWN
    if ping_ms < PING_GOOD_BELOW_MS:
        return PingBand.GOOD
    if ping_ms < PING_SLOW_BELOW_MS:
        return PingBand.SLOW
    return PingBand.BAD
