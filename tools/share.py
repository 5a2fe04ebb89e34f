"""Link previews and installability: what Discord, Slack and browsers read without
running the page.

Open Graph and Twitter card tags, theme colours and the manifest link for each page's
head (``share_head``), one web app manifest per locale (``web_manifest``), and the PNGs
they name, drawn by ``tools/artwork.py`` (``write_artwork``, cached in ``build/art/``).
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from app.model.i18n import locale_path
from tools import artwork

if TYPE_CHECKING:
    from tools.build import Site

ROOT = Path(__file__).resolve().parent.parent

# Open Graph wants language_TERRITORY; the territory is the one each language's Discord
# users are most often in (Discord's own client locales: en-US, de, fr, es-ES).
OG_LOCALES = {"en": "en_US", "de": "de_DE", "fr": "fr_FR", "es": "es_ES"}
# The page's background in each theme (static/style.css --bg), for the browser's chrome.
THEME_COLOURS = {"light": "#f6f7f9", "dark": "#0f1115"}
APP_SHORT_NAME = "SupportMail"  # the bot's name, the same in every language
MANIFEST = "manifest.webmanifest"
ARTWORK_CACHE = ROOT / "build" / "art"
ARTWORK = {
    # logical name: (drawing, (width, height))
    "og-image.png": (artwork.link_preview, (1200, 630)),
    "icon-192.png": (lambda: artwork.app_icon(192), (192, 192)),
    "icon-512.png": (lambda: artwork.app_icon(512), (512, 512)),
    "icon-maskable-512.png": (lambda: artwork.app_icon(512, maskable=True), (512, 512)),
}


def write_artwork(site: Site) -> None:
    """Draw the PNGs (a few seconds of pure Python) once per version of tools/artwork.py."""
    key = hashlib.sha256((ROOT / "tools" / "artwork.py").read_bytes()).hexdigest()[:16]
    cache = ARTWORK_CACHE / key
    for name, (draw, size) in ARTWORK.items():
        cached = cache / name
        if not cached.exists():
            cache.mkdir(parents=True, exist_ok=True)
            data = artwork.png(draw())
            if artwork.png_size(data) != size:
                raise SystemExit(f"build: {name} is {artwork.png_size(data)}, not {size}")
            partial = cache / f".{name}.{os.getpid()}"
            partial.write_bytes(data)
            os.replace(partial, cached)  # whole or not at all, even with concurrent builds
        site.write_asset(name, cached.read_bytes())
    for old in ARTWORK_CACHE.iterdir():
        if old != cache and not old.name.startswith("."):
            shutil.rmtree(old, ignore_errors=True)  # drawn by an earlier tools/artwork.py


def share_head(
    site: Site, locale: str, messages: dict[str, str], available: list[str]
) -> list[str]:
    """Open Graph and Twitter card tags, theme colours and the manifest link.

    Discord, Slack and others read these from the HTML without running any script, so
    everything is static: the image is absolute (crawlers do not resolve relative URLs
    reliably) and shows no status.
    """
    url = f"{site.site_url}{locale_path(locale)}"
    image = f"{site.site_url}{site.assets['og-image.png']}"
    width, height = ARTWORK["og-image.png"][1]

    def meta(attr: str, name: str, content: str) -> str:
        return f'<meta {attr}="{name}" content="{html.escape(content, quote=True)}">'

    lines = [
        meta("property", "og:type", "website"),
        meta("property", "og:site_name", messages["site.name"]),
        meta("property", "og:title", messages["meta.title"]),
        meta("property", "og:description", messages["meta.description"]),
        meta("property", "og:url", url),
        meta("property", "og:locale", OG_LOCALES[locale]),
        *(
            meta("property", "og:locale:alternate", OG_LOCALES[other])
            for other in available
            if other != locale
        ),
        meta("property", "og:image", image),
        meta("property", "og:image:type", "image/png"),
        meta("property", "og:image:width", str(width)),
        meta("property", "og:image:height", str(height)),
        meta("property", "og:image:alt", messages["meta.image_alt"]),
        meta("name", "twitter:card", "summary_large_image"),
        meta("name", "twitter:title", messages["meta.title"]),
        meta("name", "twitter:description", messages["meta.description"]),
        meta("name", "twitter:image", image),
        meta("name", "twitter:image:alt", messages["meta.image_alt"]),
    ]
    for scheme, colour in THEME_COLOURS.items():
        lines.append(
            f'<meta name="theme-color" media="(prefers-color-scheme: {scheme})" content="{colour}">'
        )
    lines.append(f'<link rel="manifest" href="{locale_path(locale)}{MANIFEST}">')
    lines.append(f'<link rel="apple-touch-icon" href="{site.assets["icon-192.png"]}">')
    return lines


def web_manifest(site: Site, locale: str, messages: dict[str, str]) -> str:
    """One manifest per locale (``messages`` are its): its own name, start URL and scope,
    so that installing /de/ opens the German page. Icons are shared (they carry no text)."""
    start = locale_path(locale)
    manifest = {
        "id": start,
        "name": messages["site.name"],
        "short_name": APP_SHORT_NAME,
        "description": messages["meta.description"],
        "lang": locale,
        "dir": "ltr",
        "start_url": start,
        "scope": start,
        "display": "standalone",
        "background_color": THEME_COLOURS["dark"],
        "theme_color": THEME_COLOURS["dark"],
        "icons": [
            {"src": site.assets["icon-192.png"], "sizes": "192x192", "type": "image/png"},
            {"src": site.assets["icon-512.png"], "sizes": "512x512", "type": "image/png"},
            {
                "src": site.assets["icon-maskable-512.png"],
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    return json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
