"""At a glance: the summary facts, the legend (which filters by state) and the toolbar."""

from __future__ import annotations

from collections.abc import Iterator

from app.model.vocabulary import (
    HEALTH_LABEL_KEYS,
    PING_GOOD_BELOW_MS,
    PING_SLOW_BELOW_MS,
    SHARD_STYLES,
    Health,
    ShardState,
)
from app.render.context import Frame
from app.render.vdom import El
from app.seam import Action

__all__ = ["glance"]


def glance(f: Frame) -> Iterator[El]:
    yield _summary(f)
    yield _legend(f)
    yield from _toolbar(f)


def _summary(f: Frame) -> El:
    snapshot, counts, w = f.state.snapshot, f.counts, f.w
    if snapshot is None or counts is None:
        return El("dl", "#summary-facts")
    facts = (
        ("ready", w.text("summary.ready"), w.of(counts.ready, len(snapshot.shards))),
        ("running", w.text("summary.running"), w.of(counts.running, len(snapshot.clusters))),
        ("guilds", w.text("summary.guilds"), w.number(counts.guilds)),
        ("members", w.text("summary.members"), w.number(counts.members)),
        ("ping", w.text("summary.ping"), w.ping(counts.average_ping)),
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


def _legend(f: Frame) -> El:
    w = f.w
    counts = f.counts.by_state if f.counts else dict.fromkeys(ShardState, 0)
    buttons = []
    for state, style in SHARD_STYLES.items():
        pressed = f.ui.state_filter is state
        label = w.text(style.label_key)
        name = state.js_name
        buttons.append(
            El(
                "button",
                f"lg-{name}",
                (
                    ("type", "button"),
                    ("class", "legend-item"),
                    ("data-action", Action.FILTER_STATE),
                    ("data-value", name),
                    ("data-health", style.health.value),
                    ("data-shape", style.shape),
                    ("data-count", str(counts[state])),
                    ("aria-pressed", "true" if pressed else "false"),
                    (
                        "title",
                        w.text(
                            "legend.item_title",
                            state=label,
                            health=w.text(HEALTH_LABEL_KEYS[style.health]),
                        ),
                    ),
                ),
                children=(
                    El("span", f"lg-{name}l", (("class", "legend-label"),), label),
                    El(
                        "span", f"lg-{name}c", (("class", "legend-count"),), w.number(counts[state])
                    ),
                ),
            )
        )
    bands = w.text(
        "legend.ping_bands",
        good=w.number(PING_GOOD_BELOW_MS),
        slow=w.number(PING_SLOW_BELOW_MS),
    )
    health = " · ".join(
        w.text(
            "legend.health_line",
            health=w.text(HEALTH_LABEL_KEYS[h]),
            shape=w.text(f"legend.shape.{h.value}"),
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


def _toolbar(f: Frame) -> Iterator[El]:
    ui, w = f.ui, f.w
    yield El(
        "button", "#problems-only", (("aria-pressed", "true" if ui.problems_only else "false"),)
    )
    # The button folds every healthy cluster, or unfolds them when all are folded:
    # its label says which it will do.
    healthy = f.counts.healthy_clusters if f.counts else frozenset()
    unfold = bool(healthy) and healthy <= ui.collapsed
    yield El(
        "button",
        "#fold-healthy",
        text=w.text("toolbar.unfold_healthy" if unfold else "toolbar.fold_healthy"),
    )
    yield El("span", "#copy-status", text=w.text(ui.copy_status) if ui.copy_status else "")
    if ui.state_filter is None and not ui.problems_only:
        yield El("p", "#filter-status", (("hidden", ""),), text="")
        return
    what = (
        w.state_label(ui.state_filter) if ui.state_filter is not None else w.text("filter.problems")
    )
    yield El(
        "p",
        "#filter-status",
        children=(
            El("span", "flt-t", text=w.text("filter.showing", what=what)),
            El(
                "button",
                "flt-c",
                (
                    ("type", "button"),
                    ("class", "link-button"),
                    ("data-action", Action.CLEAR_FILTER),
                ),
                w.text("filter.clear"),
            ),
        ),
    )
