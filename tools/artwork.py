"""The site's PNG artwork, drawn at build time from its own mark and colours: no browser,
no image library, only ``zlib`` and ``struct``.

The build writes the manifest's icons (``app_icon``) and the 1200 x 630 Open Graph /
Twitter card image (``link_preview``), which has no text, so it is language-neutral, and
no status, since a static file cannot know it.

The mark is the envelope of ``index.html``'s ``.brand-mark`` (viewBox 0 0 32 32), kept here
as geometry in ``MARK_STROKES``: a rounded rectangle x=3 y=7 26 x 18 rx=4 and the flap
5,10 → 16,18 → 27,10, stroked 2.2 wide. It is drawn with signed distances (one sample per
pixel, coverage from the distance to the stroke's edge), which anti-aliases as well as a
renderer would at these sizes.

>>> png_size(png(app_icon(192)))
(192, 192)
"""

from __future__ import annotations

import itertools
import math
import struct
import zlib
from dataclasses import dataclass

__all__ = [
    "ACCENT",
    "BACKGROUND",
    "MARK_STROKES",
    "Raster",
    "app_icon",
    "link_preview",
    "png",
    "png_size",
]

RGB = tuple[int, int, int]

# The dark theme's colours (static/style.css): --bg, --surface-2, --accent.
BACKGROUND: RGB = (0x0F, 0x11, 0x15)
SURFACE: RGB = (0x22, 0x26, 0x2E)
ACCENT: RGB = (0x8E, 0xA1, 0xFF)

# In the mark's own units (its SVG viewBox).
_RECT = (3.0, 7.0, 29.0, 25.0, 4.0)  # x0, y0, x1, y1, corner radius
_FLAP = ((5.0, 10.0), (16.0, 18.0), (27.0, 10.0))
_STROKE = 2.2
MARK_STROKES = {"rect": _RECT, "flap": _FLAP, "width": _STROKE}
# The mark's painted extent, stroke included.
_MARK_BOX = (3.0 - _STROKE / 2, 7.0 - _STROKE / 2, 29.0 + _STROKE / 2, 25.0 + _STROKE / 2)


def _rounded_rect_sdf(x: float, y: float, rect: tuple[float, float, float, float, float]) -> float:
    x0, y0, x1, y1, r = rect
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    qx = abs(x - cx) - (x1 - x0) / 2 + r
    qy = abs(y - cy) - (y1 - y0) / 2 + r
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    return outside + min(max(qx, qy), 0.0) - r


def _segment_distance(x: float, y: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(x - ax - t * dx, y - ay - t * dy)


def _mark_distance(x: float, y: float) -> float:
    """Distance from (x, y) to the mark's painted area, in mark units (< 0 inside)."""
    edge = abs(_rounded_rect_sdf(x, y, _RECT))
    for a, b in itertools.pairwise(_FLAP):
        edge = min(edge, _segment_distance(x, y, a, b))
    return edge - _STROKE / 2


@dataclass
class Raster:
    """Straight (not premultiplied) RGBA, row-major, one bytearray."""

    width: int
    height: int
    pixels: bytearray

    @classmethod
    def filled(cls, width: int, height: int, colour: RGB, alpha: int = 255) -> Raster:
        return cls(width, height, bytearray(bytes((*colour, alpha)) * (width * height)))

    def blend(self, x: int, y: int, colour: RGB, coverage: float) -> None:
        if coverage <= 0.0:
            return
        i = 4 * (y * self.width + x)
        px = self.pixels
        a = min(coverage, 1.0)
        dst_a = px[i + 3] / 255
        out_a = a + dst_a * (1 - a)
        for c in range(3):
            px[i + c] = round((colour[c] * a + px[i + c] * dst_a * (1 - a)) / out_a)
        px[i + 3] = round(out_a * 255)

    def rounded_rect(
        self, x0: float, y0: float, x1: float, y1: float, radius: float, colour: RGB
    ) -> None:
        """A filled, anti-aliased rounded rectangle (in pixels)."""
        rect = (x0, y0, x1, y1, radius)
        for y in range(max(0, int(y0) - 1), min(self.height, math.ceil(y1) + 1)):
            for x in range(max(0, int(x0) - 1), min(self.width, math.ceil(x1) + 1)):
                d = _rounded_rect_sdf(x + 0.5, y + 0.5, rect)
                self.blend(x, y, colour, 0.5 - d)

    def mark(self, left: float, top: float, scale: float, colour: RGB) -> None:
        """The mark with its viewBox origin at (left, top), ``scale`` pixels per unit."""
        bx0, by0, bx1, by1 = _MARK_BOX
        x_range = range(max(0, int(left + bx0 * scale) - 1), math.ceil(left + bx1 * scale) + 1)
        for y in range(max(0, int(top + by0 * scale) - 1), math.ceil(top + by1 * scale) + 1):
            if y >= self.height:
                break
            v = (y + 0.5 - top) / scale
            for x in x_range:
                if x >= self.width:
                    break
                d = _mark_distance((x + 0.5 - left) / scale, v) * scale
                self.blend(x, y, colour, 0.5 - d)

    def centred_mark(self, width: float, colour: RGB, cx: float, cy: float) -> None:
        """The mark ``width`` pixels wide (stroke included), centred on (cx, cy)."""
        bx0, by0, bx1, by1 = _MARK_BOX
        scale = width / (bx1 - bx0)
        self.mark(cx - (bx0 + bx1) / 2 * scale, cy - (by0 + by1) / 2 * scale, scale, colour)


def png(raster: Raster) -> bytes:
    """The raster as a PNG: RGB when every pixel is opaque, else RGBA."""
    opaque = all(a == 255 for a in raster.pixels[3::4])
    channels = 3 if opaque else 4
    if opaque:
        data = bytearray(raster.width * raster.height * 3)
        data[0::3], data[1::3], data[2::3] = (raster.pixels[c::4] for c in range(3))
    else:
        data = raster.pixels
    stride = raster.width * channels
    # Filter type 0 on every row: the flat background compresses well as it is.
    rows = b"".join(b"\x00" + data[y * stride : (y + 1) * stride] for y in range(raster.height))
    colour_type = 2 if opaque else 6
    header = struct.pack(">IIBBBBB", raster.width, raster.height, 8, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows, 9))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR; ValueError if it is not a PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def link_preview() -> Raster:
    """1200 x 630: the mark on the dark theme's background, over a faint shard grid."""
    width, height = 1200, 630
    art = Raster.filled(width, height, BACKGROUND)
    # A field of shard tiles, as the page draws them, in a neutral tone: decoration, not
    # data (a preview must never claim a status).
    tile, gap = 26, 12
    columns = (width - 2 * 60 + gap) // (tile + gap)
    rows = (height - 2 * 60 + gap) // (tile + gap)
    x_margin = (width - (columns * (tile + gap) - gap)) / 2
    y_margin = (height - (rows * (tile + gap) - gap)) / 2
    plate = (width / 2 - 250, height / 2 - 190, width / 2 + 250, height / 2 + 190)
    for row in range(rows):
        for column in range(columns):
            x = x_margin + column * (tile + gap)
            y = y_margin + row * (tile + gap)
            beside_plate = plate[0] - gap < x + tile and x < plate[2] + gap
            if beside_plate and plate[1] - gap < y + tile and y < plate[3] + gap:
                continue
            art.rounded_rect(x, y, x + tile, y + tile, 6, SURFACE)
    art.rounded_rect(*plate, 48, SURFACE)
    art.centred_mark(400, ACCENT, width / 2, height / 2)
    return art


def app_icon(size: int, maskable: bool = False) -> Raster:
    """A square icon. Maskable: full-bleed background, the mark inside the safe zone (the
    central circle of 80 % of the size that every mask keeps); otherwise a rounded plate
    on transparency, the mark filling most of it."""
    if maskable:
        art = Raster.filled(size, size, BACKGROUND)
        art.centred_mark(size * 0.56, ACCENT, size / 2, size / 2)
        return art
    art = Raster.filled(size, size, BACKGROUND, alpha=0)
    art.rounded_rect(0, 0, size, size, size * 0.22, BACKGROUND)
    art.centred_mark(size * 0.74, ACCENT, size / 2, size / 2)
    return art
