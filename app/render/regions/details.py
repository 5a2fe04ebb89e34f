"""The details popover of the open shard."""

from __future__ import annotations

from app.model.vocabulary import HEALTH_LABEL_KEYS, SHARD_STYLES
from app.render.context import Frame
from app.render.vdom import El

__all__ = ["details"]


def details(f: Frame) -> El:
    w, snapshot, open_shard = f.w, f.state.snapshot, f.ui.open_shard
    shard = None
    if snapshot is not None and open_shard is not None:
        shard = next((s for s in snapshot.shards if s.id == open_shard), None)
    if shard is None:
        return El("div", "#shard-details", (("data-shard", ""),))
    style = SHARD_STYLES[shard.state]
    history = f.changes.shard_history(shard.id)
    since = (
        w.fmt.clock(history.last_change_at)
        if history.last_change_at is not None
        else w.text("details.no_change")
    )
    rows = (
        ("state", w.text(style.label_key)),
        ("health", w.text(HEALTH_LABEL_KEYS[style.health])),
        ("ping", w.ping(shard.ping_ms)),
        ("cluster", w.cluster_name(shard.cluster_id)),
        ("since", since),
        ("transitions", w.number(history.transitions)),
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
                w.text("details.title", id=w.number(shard.id)),
            ),
            El(
                "dl",
                "dt-l",
                children=tuple(
                    El(
                        "div",
                        f"dt-{name}",
                        children=(
                            El("dt", f"dt-{name}t", text=w.text(f"details.{name}")),
                            El("dd", f"dt-{name}v", text=value),
                        ),
                    )
                    for name, value in rows
                ),
            ),
        ),
    )
