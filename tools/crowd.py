"""Ten thousand tabs against the bot: the page's own refresh and reconnect rules, simulated.

    python tools/crowd.py [--tabs 10000] [--seed 1]

The report: runs ``tools.crowd_sim`` (the model, its engine and its assumptions) through
each scenario with the page's rules "before" and "now", and prints a table per scenario
with the goals the rules were written for, what one tab costs the server in a healthy
hour, and which goals each set of rules met.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.crowd_sim import (  # noqa: E402
    BEFORE,
    NOW,
    RATE_TOLERANCE,
    SCENARIOS,
    Result,
    Scenario,
    simulate,
)

__all__ = [
    "BACK_TO_NORMAL",
    "COST_HOUR",
    "COST_TABS",
    "FIGURES",
    "FRESH_MEDIAN",
    "FRESH_P95",
    "PEAK_2ND_MINUTE",
    "PEAK_4TH_MINUTE",
    "SLOW_ASKS_PER_30S",
    "TOKEN_SHARE",
    "Verdict",
    "cost_lines",
    "main",
    "report_lines",
    "table_lines",
]

COST_HOUR = 3600.0
COST_TABS = 50

# Goals (the figures the page's rules were written for). The steady rate's, RATE_TOLERANCE,
# is in tools.crowd_sim: Result.rate_back is held to it.
PEAK_2ND_MINUTE = 1.5  # busiest second in the 2nd minute after recovery, x the mean
PEAK_4TH_MINUTE = 1.25  # ... in the 4th minute
TOKEN_SHARE = 0.15  # token requests in the busiest second, share of the tabs
FRESH_MEDIAN = 5.0  # server back -> fresh data in a tab, seconds
FRESH_P95 = 15.0
SLOW_ASKS_PER_30S = 1.0  # asks per tab per 30 s while the server is slow
BACK_TO_NORMAL = 120.0  # acks fast again -> a tab's wait back to the interval, seconds


@dataclass(frozen=True, slots=True)
class _Figure:
    label: str
    value: Callable[[Result], float | None]
    show: Callable[[float], str]
    goal: str = "report"
    met: Callable[[float], bool] | None = None
    # Whether the goal applies to a scenario (otherwise the figure is reported).
    applies: Callable[[Scenario], bool] = lambda _: True


def _times(x: float) -> str:
    return f"{x:.2f} x"


def _seconds(x: float) -> str:
    return "never" if math.isinf(x) else f"{x:.1f} s"


def _share(x: float) -> str:
    return f"{x * 100:.1f} %"


FIGURES = (
    _Figure("asks per second, steady state (the mean)", lambda r: r.mean, lambda x: f"{x:.1f}"),
    _Figure(
        "asks per visible tab per 15 s, answers fast",
        lambda r: r.asks_per_tab_per_15s,
        lambda x: f"{x:.3f}",
        "1 +/- 5 %",
        lambda x: abs(x - 1) <= RATE_TOLERANCE,
    ),
    _Figure("busiest second before the incident / mean", lambda r: r.peak_before, _times),
    _Figure("busiest second after recovery / mean", lambda r: r.peak_after(), _times),
    _Figure(
        "  in the 2nd minute after recovery",
        lambda r: r.peak_after(60, 120),
        _times,
        f"<= {PEAK_2ND_MINUTE} x",
        lambda x: x <= PEAK_2ND_MINUTE,
    ),
    _Figure(
        "  in the 4th minute after recovery",
        lambda r: r.peak_after(180, 240),
        _times,
        f"<= {PEAK_4TH_MINUTE} x",
        lambda x: x <= PEAK_4TH_MINUTE,
    ),
    _Figure(
        "token requests, busiest second, drop -> all fresh",
        lambda r: r.token_peak_share,
        _share,
        f"<= {TOKEN_SHARE * 100:.0f} % of tabs",
        lambda x: x <= TOKEN_SHARE,
    ),
    _Figure(
        "server back -> fresh data in a tab, median",
        lambda r: r.fresh_median,
        _seconds,
        f"<= {FRESH_MEDIAN:g} s",
        lambda x: x <= FRESH_MEDIAN,
        lambda s: s.fresh_goal,
    ),
    _Figure(
        "  95th percentile",
        lambda r: r.fresh_p95,
        _seconds,
        f"<= {FRESH_P95:g} s",
        lambda x: x <= FRESH_P95,
        lambda s: s.fresh_goal,
    ),
    _Figure(
        "asks per tab per 30 s while slow (after 1st min)",
        lambda r: r.slow_asks_per_30s,
        lambda x: f"{x:.2f}",
        f"<= {SLOW_ASKS_PER_30S:g}",
        lambda x: x <= SLOW_ASKS_PER_30S,
    ),
    _Figure(
        "fast again -> a tab's wait is normal, median",
        lambda r: r.normal_median,
        _seconds,
        f"<= {BACK_TO_NORMAL:g} s",
        lambda x: x <= BACK_TO_NORMAL,
    ),
    _Figure(
        "  max",
        lambda r: r.normal_max,
        _seconds,
        f"<= {BACK_TO_NORMAL:g} s",
        lambda x: x <= BACK_TO_NORMAL,
    ),
    _Figure(
        "fast again -> crowd's ask rate within 5 % of mean",
        lambda r: r.rate_back,
        _seconds,
    ),
)

_CELL = 16


def _line(label: str, before: str, now: str, goal: str) -> str:
    return f"  {label:<50} {before:>{_CELL}} {now:>{_CELL}}   {goal}".rstrip()


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether one figure of one run met its goal."""

    scenario: str
    figure: str
    rules: str
    value: str
    met: bool


def _window(window: tuple[float, float]) -> str:
    return f"t = {window[0]:g}-{window[1]:g} s"


def _heading(scenario: Scenario, tabs: int, seed: int) -> str:
    window = scenario.down or scenario.slow
    when = "" if window is None else f", {_window(window)}"
    recovery = scenario.recovery
    back = "" if recovery is None else f"; recovery at t = {recovery:g} s"
    return f"{scenario.name}: {scenario.title}{when}{back} ({tabs:,} tabs, seed {seed})"


def table_lines(before: Result, now: Result) -> tuple[list[str], list[Verdict]]:
    """One scenario's table (both rule sets), and the verdict on every goal in it."""
    scenario = now.scenario
    lines = [
        _heading(scenario, now.tabs, now.seed),
        _line("", before.rules.name, now.rules.name, "goal"),
    ]
    verdicts: list[Verdict] = []
    for figure in FIGURES:
        values = (figure.value(before), figure.value(now))
        if values == (None, None):
            continue
        judged = figure.met is not None and figure.applies(scenario)
        cells = []
        for result, value in zip((before, now), values, strict=True):
            if value is None:
                cells.append("-")
                continue
            text = figure.show(value)
            if judged:
                assert figure.met is not None
                met = figure.met(value)
                verdicts.append(
                    Verdict(scenario.name, figure.label.strip(), result.rules.name, text, met)
                )
                text += " ok" if met else " MISSED"
            cells.append(text)
        goal = figure.goal if judged else "report"
        lines.append(_line(figure.label, cells[0], cells[1], goal))
    return lines, verdicts


_COST_ROWS: tuple[tuple[str, Callable[[Result], str]], ...] = (
    ("sockets held", lambda r: f"{r.connected / r.tabs:g}"),
    ("asks per minute", lambda r: f"{sum(r.asks) / r.tabs / (COST_HOUR / 60):.2f}"),
    ("token requests per hour (its one connection)", lambda r: f"{sum(r.tokens) / r.tabs:g}"),
)


def cost_lines(seed: int, tabs: int = COST_TABS) -> list[str]:
    """What one tab costs the server in a healthy hour, by kind of tab, both rule sets."""
    kinds = (
        ("visible tab", True, False),
        ("hidden tab, watching for changes", False, True),
        ("hidden tab, not watching", False, False),
    )
    lines = [
        f"what one tab costs the server (a healthy hour, {tabs} tabs of each kind, seed {seed})",
        _line("", BEFORE.name, NOW.name, ""),
    ]
    for label, visible, watching in kinds:
        scenario = Scenario(label, "healthy", visible=visible, watching=watching, until=COST_HOUR)
        runs = [simulate(scenario, rules, tabs, seed) for rules in (BEFORE, NOW)]
        lines.append(f"  {label}")
        for name, show in _COST_ROWS:
            lines.append(_line(f"  {name}", show(runs[0]), show(runs[1]), ""))
    return lines


def report_lines(tabs: int = 10_000, seed: int = 1) -> list[str]:
    """Every table ``main`` prints: the four scenarios, the cost per tab and the verdicts."""
    started = time.perf_counter()
    lines = [
        f"crowd: {tabs:,} tabs through the page's own refresh and reconnect rules"
        " (simulated time; tools/crowd.py)",
    ]
    verdicts: list[Verdict] = []
    for scenario in SCENARIOS:
        before = simulate(scenario, BEFORE, tabs, seed)
        now = simulate(scenario, NOW, tabs, seed)
        table, judged = table_lines(before, now)
        lines += ["", *table]
        verdicts += judged
    lines += ["", *cost_lines(seed)]
    lines.append("")
    for rules in (BEFORE, NOW):
        mine = [v for v in verdicts if v.rules == rules.name]
        missed = [v for v in mine if not v.met]
        lines.append(f"goals met, {rules.name}: {len(mine) - len(missed)} of {len(mine)}")
        lines += [f"  MISSED: {v.scenario}: {v.figure} = {v.value}" for v in missed]
    lines.append(f"(simulated in {time.perf_counter() - started:.0f} s of wall time)")
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tabs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    for line in report_lines(args.tabs, args.seed):
        print(line, flush=True)


if __name__ == "__main__":
    main()
