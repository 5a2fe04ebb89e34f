"""tools/artwork.py: the PNG encoder and the drawings, decoded back with zlib alone."""

from __future__ import annotations

import struct
import zlib

import pytest

from tools.artwork import ACCENT, BACKGROUND, Raster, app_icon, link_preview, png, png_size


def decode(data: bytes) -> tuple[int, int, int, bytes]:
    """(width, height, channels, pixels) of a PNG written by ``png`` (filter 0 rows)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        chunks[kind] = chunks.get(kind, b"") + body
        pos += 12 + length
    width, height, depth, colour, *_ = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert depth == 8 and b"IEND" in chunks
    channels = {2: 3, 6: 4}[colour]
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = width * channels
    rows = [raw[y * (stride + 1) : (y + 1) * (stride + 1)] for y in range(height)]
    assert all(row[0] == 0 for row in rows)
    return width, height, channels, b"".join(row[1:] for row in rows)


def pixel(raster: Raster, x: int, y: int) -> tuple[int, ...]:
    i = 4 * (y * raster.width + x)
    return tuple(raster.pixels[i : i + 4])


def test_png_round_trips_an_opaque_raster_as_rgb() -> None:
    raster = Raster.filled(3, 2, (1, 2, 3))
    raster.pixels[4:8] = bytes((200, 100, 50, 255))
    width, height, channels, pixels = decode(png(raster))
    assert (width, height, channels) == (3, 2, 3)
    assert pixels == bytes((1, 2, 3, 200, 100, 50, *(1, 2, 3) * 4))


def test_png_keeps_alpha_when_anything_is_transparent() -> None:
    raster = Raster.filled(2, 1, (9, 9, 9), alpha=0)
    assert decode(png(raster))[2:] == (4, bytes((9, 9, 9, 0)) * 2)


def test_png_size_reads_the_header_and_refuses_other_files() -> None:
    assert png_size(png(Raster.filled(7, 5, (0, 0, 0)))) == (7, 5)
    with pytest.raises(ValueError):
        png_size(b"GIF89a" + b"\0" * 30)


def test_link_preview_is_1200_by_630_opaque_with_the_mark_in_the_accent_colour() -> None:
    art = link_preview()
    assert (art.width, art.height) == (1200, 630)
    assert pixel(art, 2, 2) == (*BACKGROUND, 255)
    # The flap's vertex (16, 18 in the mark's units) lies at the centre of the mark's box
    # horizontally; the stroke there is solid accent.
    column = [pixel(art, 600, y) for y in range(315, 630)]
    assert (*ACCENT, 255) in column
    assert decode(png(art))[2] == 3


@pytest.mark.parametrize(("size", "maskable"), [(192, False), (512, False), (512, True)])
def test_icons_are_square_and_maskable_ones_are_full_bleed(size: int, maskable: bool) -> None:
    art = app_icon(size, maskable)
    assert (art.width, art.height) == (size, size)
    corner = pixel(art, 0, 0)
    assert corner[3] == (255 if maskable else 0)  # a mask cuts corners; "any" icons round them
    assert (*ACCENT, 255) in {pixel(art, size // 2, y) for y in range(size)}


def test_maskable_icon_keeps_the_mark_inside_the_safe_zone() -> None:
    """Everything that is not background lies within the central circle of radius 40 %."""
    size = 128
    art = app_icon(size, maskable=True)
    for y in range(size):
        for x in range(size):
            if pixel(art, x, y)[:3] != BACKGROUND:
                assert (x + 0.5 - size / 2) ** 2 + (y + 0.5 - size / 2) ** 2 <= (0.4 * size) ** 2
