"""The favicon for each overall status: a coloured shape, drawn on a 64 px canvas.

Colour is never the only cue: each status has its own shape too (a pinned tab at
16 px still tells operational from outage for colour-blind visitors).

``favicon_drawing`` returns canvas commands, tuples the runtime seam replays on a 2D context:
    ("fill", css_colour) | ("stroke", css_colour, width)
    ("circle", cx, cy, r) | ("poly", [(x, y), ...]) | ("rect", x, y, w, h)

>>> favicon_drawing(OverallStatus.OUTAGE)[0]
('fill', '#d93a3a')
"""

from __future__ import annotations

from app.model.vocabulary import OVERALL_STYLES, OverallStatus

__all__ = ["FAVICON_COLOURS", "FAVICON_SIZE", "Command", "favicon_drawing"]

FAVICON_SIZE = 64
FAVICON_COLOURS: dict[OverallStatus, str] = {
    OverallStatus.OPERATIONAL: "#23a55a",
    OverallStatus.DEGRADED: "#f0a020",
    OverallStatus.OUTAGE: "#d93a3a",
    OverallStatus.UNKNOWN: "#80848e",
}

Command = tuple[object, ...]


def favicon_drawing(status: OverallStatus) -> list[Command]:
    colour = FAVICON_COLOURS[status]
    shape = OVERALL_STYLES[status].shape
    s = FAVICON_SIZE
    if shape == "circle":
        return [("fill", colour), ("circle", s / 2, s / 2, s * 0.44)]
    if shape == "triangle":
        return [
            ("fill", colour),
            ("poly", [(s / 2, s * 0.06), (s * 0.96, s * 0.92), (s * 0.04, s * 0.92)]),
        ]
    if shape == "square":
        return [("fill", colour), ("rect", s * 0.08, s * 0.08, s * 0.84, s * 0.84)]
    return [("stroke", colour, s * 0.14), ("circle", s / 2, s / 2, s * 0.36)]
