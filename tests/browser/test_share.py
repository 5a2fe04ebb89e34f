"""Link previews and installability of every locale page (issue 15).

- An unfurl as Discord does it: the page fetched over HTTP with Discord's user agent, no
  script run, its Open Graph / Twitter tags read and checked, the image fetched and its
  size read from the PNG itself.
- The web app manifest of each locale: content type, caching, the fields an installable
  app needs, and icons whose PNG sizes match what the manifest says. Chromium's own
  manifest parser (DevTools ``Page.getAppManifest``) reports no error.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from app.model.i18n import LOCALES, locale_path
from tests.support import ROOT
from tests.support.site import Served, built_site, serve
from tools.artwork import png_size

pytestmark = pytest.mark.browser

SITE_URL = "https://status.example.org"
DISCORD_UA = "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)"
OG_LOCALES = {"en": "en_US", "de": "de_DE", "fr": "fr_FR", "es": "es_ES"}
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=0, must-revalidate"


@cache
def messages(locale: str) -> dict[str, str]:
    data = json.loads((ROOT / "locales" / f"{locale}.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


class HeadTags(HTMLParser):
    """Every <meta> and <link> of a document, as attribute dicts, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.metas: list[dict[str, str]] = []
        self.links: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "meta":
            self.metas.append(values)
        elif tag == "link":
            self.links.append(values)

    def all(self, key: str) -> list[str]:
        """Contents of the metas whose ``property`` or ``name`` is ``key``."""
        return [
            m.get("content", "") for m in self.metas if key in (m.get("property"), m.get("name"))
        ]

    def one(self, key: str) -> str:
        found = self.all(key)
        assert len(found) == 1, f"{key}: {found}"
        return found[0]


def get(url: str, user_agent: str = DISCORD_UA) -> tuple[dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200, url
        return {k.lower(): v for k, v in response.headers.items()}, response.read()


@pytest.fixture(scope="module")
def site(sites_dir: Path) -> Iterator[Served]:
    """A production-like build (no preview data) for another domain, served over HTTP."""
    served = serve(built_site(sites_dir, STATUSPAGE_MOCK="never", STATUSPAGE_SITE_URL=SITE_URL))
    yield served
    served.close()


def local(site: Served, absolute: str) -> str:
    """The served copy of a URL on SITE_URL (or of a root-relative path)."""
    parts = urlsplit(absolute)
    if parts.scheme:
        assert f"{parts.scheme}://{parts.netloc}" == SITE_URL, absolute
    return site.url + parts.path


def unfurl(site: Served, locale: str) -> HeadTags:
    headers, body = get(site.url + locale_path(locale))
    assert headers["content-type"].startswith("text/html")
    tags = HeadTags()
    tags.feed(body.decode("utf-8"))
    return tags


@pytest.mark.parametrize("locale", LOCALES)
def test_discord_unfurl_reads_localized_title_description_and_a_large_image(
    site: Served, locale: str
) -> None:
    """What Discord's crawler sees without running JS: localized text, absolute URLs on
    STATUSPAGE_SITE_URL, a summary_large_image card and a 1200x630 PNG it can fetch."""
    t = messages(locale)
    tags = unfurl(site, locale)
    assert tags.one("og:title") == t["meta.title"]
    assert tags.one("og:description") == t["meta.description"]
    assert tags.one("og:site_name") == t["site.name"]
    assert tags.one("og:type") == "website"
    assert tags.one("og:url") == SITE_URL + locale_path(locale)
    assert tags.one("og:locale") == OG_LOCALES[locale]
    assert sorted(tags.all("og:locale:alternate")) == sorted(
        OG_LOCALES[other] for other in LOCALES if other != locale
    )
    assert tags.one("twitter:card") == "summary_large_image"
    assert tags.one("twitter:title") == t["meta.title"]
    assert tags.one("og:image:alt") == tags.one("twitter:image:alt") == t["meta.image_alt"]
    image = tags.one("og:image")
    assert image.startswith(SITE_URL + "/_a/og-image.") and image.endswith(".png")
    assert tags.one("twitter:image") == image
    assert (tags.one("og:image:width"), tags.one("og:image:height")) == ("1200", "630")
    headers, png = get(local(site, image))
    assert headers["content-type"] == "image/png"
    assert headers["cache-control"] == IMMUTABLE
    assert png_size(png) == (1200, 630)


def test_every_locale_shares_the_same_language_neutral_image(site: Served) -> None:
    """The image has no text and no status, so one file serves all four locales."""
    images = {unfurl(site, locale).one("og:image") for locale in LOCALES}
    assert len(images) == 1


@pytest.mark.parametrize("locale", LOCALES)
def test_theme_colour_for_light_and_dark(site: Served, locale: str) -> None:
    tags = unfurl(site, locale)
    colours = {m["media"]: m["content"] for m in tags.metas if m.get("name") == "theme-color"}
    assert colours == {
        "(prefers-color-scheme: light)": "#f6f7f9",
        "(prefers-color-scheme: dark)": "#0f1115",
    }


def manifest_of(site: Served, locale: str) -> tuple[str, dict[str, str], dict[str, Any]]:
    links = [link for link in unfurl(site, locale).links if link.get("rel") == "manifest"]
    assert len(links) == 1
    href = links[0]["href"]
    headers, body = get(local(site, href))
    return href, headers, json.loads(body)


@pytest.mark.parametrize("locale", LOCALES)
def test_manifest_is_localized_standalone_and_starts_on_its_locale_page(
    site: Served, locale: str
) -> None:
    href, headers, manifest = manifest_of(site, locale)
    assert href == f"{locale_path(locale)}manifest.webmanifest"
    assert headers["content-type"] == "application/manifest+json"
    assert headers["cache-control"] == REVALIDATE
    assert manifest["name"] == messages(locale)["site.name"]
    assert manifest["lang"] == locale
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == manifest["id"] == locale_path(locale)
    assert manifest["scope"] == locale_path(locale)
    assert len(manifest["short_name"]) <= 12  # launchers cut longer names


@pytest.mark.parametrize("locale", LOCALES)
def test_manifest_icons_have_the_sizes_they_claim(site: Served, locale: str) -> None:
    """192 and 512 px icons and a maskable one; sizes read from the PNGs themselves."""
    _, _, manifest = manifest_of(site, locale)
    seen = set()
    for icon in manifest["icons"]:
        headers, png = get(local(site, icon["src"]))
        assert headers["content-type"] == icon["type"] == "image/png"
        assert headers["cache-control"] == IMMUTABLE
        width, height = png_size(png)
        assert icon["sizes"] == f"{width}x{height}"
        seen.add((icon["sizes"], icon.get("purpose", "any")))
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= seen


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_chromium_parses_the_manifest_without_errors(
    site: Served, context: Any, locale: str
) -> None:
    """The browser's own parser, through DevTools: no error, the localized name read."""
    page = context.new_page()
    page.goto(site.url + locale_path(locale), wait_until="domcontentloaded")
    cdp = context.new_cdp_session(page)
    answer = cdp.send("Page.getAppManifest")
    assert answer["url"].endswith(f"{locale_path(locale)}manifest.webmanifest")
    assert answer["errors"] == []
    assert json.loads(answer["data"])["name"] == messages(locale)["site.name"]
