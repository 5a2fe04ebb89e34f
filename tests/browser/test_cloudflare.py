"""Deploying to Cloudflare: the dry run passes offline, and both routes serve the site alike.

The site deploys as Workers static assets (``wrangler deploy``, wrangler.jsonc); an
operator may deploy the same dist/ as a Pages project instead (README, "Deploying").
Each route has its own asset server: its own ``_headers`` parser, 404 handling and
redirects. Both run locally and offline in workerd, the real Cloudflare runtime:
``wrangler dev --assets <dist>`` (Workers) and ``wrangler pages dev <dist>`` (Pages).
Every test that takes the ``cloudflare`` fixture runs under each, against the same build.

Where the two differ, the tests say so (``ROUTE_DIFFERENCES``); everything else, the
production headers, the 404 page, the locale pages, the boot and the service worker, is
asserted identically.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.pages import VIOLATIONS, Watched, open_page
from tests.support.paths import ROOT
from tests.support.site import built_site

pytestmark = pytest.mark.browser

WRANGLER = ROOT / "node_modules" / ".bin" / "wrangler"
ENV = {**os.environ, "WRANGLER_SEND_METRICS": "false", "CI": "true", "NO_COLOR": "1"}
CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`));
"""
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=0, must-revalidate"
JAVASCRIPT_TYPES = ("text/javascript", "application/javascript")
SERVICE_WORKER_WAIT_MS = 45_000

ROUTES = ("workers", "pages")
# What each route's own asset server does differently, all of it outside dist/_headers:
#   not_found_cache  Pages replaces any Cache-Control of a 404 with `no-store`; Workers
#                    keeps what _headers gives (`/*` sets none: its default, revalidate).
#   redirect         /de -> /de/ and /index.html -> / (html_handling auto-trailing-slash
#                    on Workers, Pages' own pretty URLs): 307 on Workers, 308 on Pages.
# Besides: JavaScript is `text/javascript; charset=utf-8` on Workers and
# `application/javascript` on Pages (both are JavaScript to a browser, a service worker
# included), and Pages adds `Access-Control-Allow-Origin: *` to every asset.
ROUTE_DIFFERENCES: dict[str, dict[str, Any]] = {
    "workers": {"not_found_cache": REVALIDATE, "redirect": 307},
    "pages": {"not_found_cache": "no-store", "redirect": 308},
}


@dataclass(frozen=True)
class Cloudflare:
    """A local Cloudflare server (one route) serving the built site."""

    route: str
    url: str
    dist: Path

    def differs(self, what: str) -> Any:
        return ROUTE_DIFFERENCES[self.route][what]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-case names) and body of a GET; redirects are not followed."""
    try:
        with _OPENER.open(url, timeout=10) as response:
            return (
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                (response.read()),
            )
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def compatibility_date() -> str:
    """wrangler.jsonc's compatibility_date: the Pages server gets the same one."""
    text = (ROOT / "wrangler.jsonc").read_text(encoding="utf-8")
    match = re.search(r'"compatibility_date"\s*:\s*"(\d{4}-\d{2}-\d{2})"', text)
    assert match is not None, "no compatibility_date in wrangler.jsonc"
    return match.group(1)


def pages_project(root: Path) -> Path:
    """A directory outside the repository to run ``wrangler pages dev`` from.

    Without Functions, ``wrangler pages dev`` runs a shim from wrangler's own package
    (node_modules/wrangler/templates/) and looks for a Wrangler config file upwards from
    there, whatever the working directory. From this repository's node_modules it finds
    wrangler.jsonc, a Workers config: it then fails when ./dist does not exist, and
    otherwise serves ./dist through Workers assets in front of Pages' asset server (a
    hybrid of both routes). So the tests run a copy of the pinned wrangler package that
    lives outside the repository, with the repository's other packages linked beside it:
    it finds no config, and serves the directory as Pages does.
    """
    project = root / "pages-project"
    modules = project / "node_modules"
    if not (modules / "wrangler").exists():
        modules.mkdir(parents=True, exist_ok=True)
        for entry in (ROOT / "node_modules").iterdir():
            if entry.name not in ("wrangler", ".bin") and not (modules / entry.name).exists():
                (modules / entry.name).symlink_to(entry)
        shutil.copytree(ROOT / "node_modules" / "wrangler", modules / "wrangler", symlinks=True)
    return project


def wrangler_command(route: str, dist: Path, port: int) -> tuple[list[str], Path]:
    """The command line that serves ``dist`` on ``port`` by ``route``, and its directory."""
    common = [
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        "--inspector-port",
        str(free_port()),
        "--show-interactive-dev-session=false",
        "--log-level",
        "warn",
    ]
    if route == "workers":
        return [str(WRANGLER), "dev", "--assets", str(dist), *common], ROOT
    project = pages_project(dist.parent)
    wrangler = project / "node_modules" / "wrangler" / "bin" / "wrangler.js"
    pages = [
        str(wrangler),
        "pages",
        "dev",
        str(dist),
        "--compatibility-date",
        compatibility_date(),
        "--persist-to",
        str(project / "state"),
        *common,
    ]
    return pages, project


@pytest.fixture(scope="module")
def mock_dist(sites_dir: Path) -> Path:
    return built_site(sites_dir, STATUSPAGE_MOCK="always")


@pytest.fixture(scope="module", params=ROUTES)
def cloudflare(request: pytest.FixtureRequest, mock_dist: Path) -> Iterator[Cloudflare]:
    """The built site served by ``wrangler dev`` (workers) or ``wrangler pages dev`` (pages).

    One server per route, started once for the module and stopped after its last test.
    """
    route = str(request.param)
    port = free_port()
    command, cwd = wrangler_command(route, mock_dist, port)
    log_path = mock_dist.parent / f"wrangler-{route}-{port}.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        command,
        cwd=cwd,
        env=ENV,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # wrangler's node processes and workerd: one group to stop
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    try:
        while True:
            try:
                if fetch(url + "/")[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{route}: {log_path.read_text()[-3000:]}")
            time.sleep(0.2)  # polling a port that is still starting up
        yield Cloudflare(route, url, mock_dist)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError):  # what outlived wrangler (workerd)
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def test_wrangler_deploy_dry_run_passes_offline(mock_dist: Path) -> None:
    """The wrangler.jsonc in the repo validates and bundles the built site without a network."""
    result = subprocess.run(
        [str(WRANGLER), "deploy", "--dry-run", "--assets", str(mock_dist)],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "--dry-run: exiting now." in result.stdout


def test_serves_immutable_assets_and_revalidated_html(cloudflare: Cloudflare) -> None:
    """Hashed/versioned paths are immutable for a year; HTML must revalidate."""
    status, headers, _ = fetch(cloudflare.url + "/")
    assert status == 200
    assert headers["cache-control"] == REVALIDATE
    dist = cloudflare.dist
    wasm = next((dist / "_r").glob("pyodide-*/pyodide.asm.wasm"))
    status, headers, _ = fetch(f"{cloudflare.url}/{wasm.relative_to(dist).as_posix()}")
    assert status == 200
    assert headers["content-type"] == "application/wasm"
    assert headers["cache-control"] == IMMUTABLE
    bundle = next((dist / "_a").glob("app.*.zip"))
    _, headers, _ = fetch(f"{cloudflare.url}/_a/{bundle.name}")
    assert headers["cache-control"] == IMMUTABLE
    script = next((dist / "_a").glob("apply.*.js"))
    status, headers, _ = fetch(f"{cloudflare.url}/_a/{script.name}")
    assert status == 200
    assert headers["content-type"].split(";")[0] in JAVASCRIPT_TYPES
    assert headers["cache-control"] == IMMUTABLE


def assert_security_headers(headers: dict[str, str], path: str) -> None:
    csp = headers.get("content-security-policy", "")
    assert "default-src 'self'" in csp, path
    assert "frame-ancestors 'none'" in csp, path
    assert (
        "connect-src 'self' http://localhost:3000 http://localhost:4000 ws://localhost:4000" in csp
    ), path
    assert "'unsafe-inline'" not in csp, path
    assert "'unsafe-eval'" not in csp, path  # no string becomes code (tools/runtime_patches.py)
    assert "require-trusted-types-for 'script'" in csp, path
    assert "trusted-types statuspage" in csp, path
    assert headers.get("cross-origin-opener-policy") == "same-origin", path
    assert headers.get("cross-origin-embedder-policy") == "require-corp", path
    assert headers.get("x-content-type-options") == "nosniff", path
    assert headers.get("referrer-policy") == "strict-origin-when-cross-origin", path
    assert "camera=()" in headers.get("permissions-policy", ""), path


def test_sends_the_security_headers(cloudflare: Cloudflare) -> None:
    """CSP allows only our origin, the configured API/WebSocket origins and what Pyodide needs.

    On every kind of response: pages, assets, the service worker and the 404 page.
    """
    script = next((cloudflare.dist / "_a").glob("apply.*.js"))
    for path in ("/", "/de/", f"/_a/{script.name}", "/manifest.webmanifest", "/sw.js", "/xx/"):
        _, headers, _ = fetch(cloudflare.url + path)
        assert_security_headers(headers, path)


def test_routes_locales_and_answers_unknown_prefixes_with_404(cloudflare: Cloudflare) -> None:
    """/ and every built locale prefix answer their page; /xx/ is dist/404.html with 404."""
    dist = cloudflare.dist
    for locale in ("en", "de", "fr", "es"):
        if not (ROOT / "locales" / f"{locale}.json").exists():
            continue
        path = "/" if locale == "en" else f"/{locale}/"
        status, headers, body = fetch(cloudflare.url + path)
        assert status == 200, path
        assert f'<html lang="{locale}"'.encode() in body
        assert body == (dist / path.lstrip("/") / "index.html").read_bytes(), path
        assert headers["cache-control"] == REVALIDATE, path
    not_found = (dist / "404.html").read_bytes()
    for path in ("/xx/", "/xx", "/de/nothing-here"):
        status, headers, body = fetch(cloudflare.url + path)
        assert status == 404, path
        assert body == not_found, path
        assert b"<title>" in body and b'hreflang="en"' in body
        assert headers["content-type"].startswith("text/html"), path
        assert headers["cache-control"] == cloudflare.differs("not_found_cache"), path


def test_adds_the_trailing_slash_and_drops_index_html(cloudflare: Cloudflare) -> None:
    """/de and /de/index.html lead to /de/, /index.html to /: one URL per page."""
    for path, target in (("/de", "/de/"), ("/de/index.html", "/de/"), ("/index.html", "/")):
        status, headers, _ = fetch(cloudflare.url + path)
        assert status == cloudflare.differs("redirect"), path
        assert headers["location"] == target, path


def test_page_reaches_ready_with_no_csp_violation(cloudflare: Cloudflare, watched: Watched) -> None:
    """Booted through the real Cloudflare runtime, under its CSP, the mock page renders,
    with no violation on the page or in Python's worker."""
    watched.page.add_init_script(CSP_WATCH)
    page = open_page(watched, cloudflare.url + "/?scenario=degraded")
    assert page.get_attribute("html", "data-source") == "mock"
    assert page.locator("[data-cluster-id]").count() > 0
    assert page.evaluate("window.__cspViolations") == []
    assert page.evaluate(VIOLATIONS) == []
    watched.assert_clean()


def test_serves_the_service_worker_revalidated(cloudflare: Cloudflare) -> None:
    """dist/sw.js at /sw.js: JavaScript, revalidated like HTML so a new build's is found."""
    status, headers, body = fetch(cloudflare.url + "/sw.js")
    assert status == 200
    assert headers["content-type"].split(";")[0] in JAVASCRIPT_TYPES
    assert headers["cache-control"] == REVALIDATE
    assert body == (cloudflare.dist / "sw.js").read_bytes()


def test_service_worker_registers_for_the_whole_site(
    cloudflare: Cloudflare, watched: Watched
) -> None:
    """Once the page is ready, its service worker becomes active with the scope '/'."""
    watched.page.add_init_script(CSP_WATCH)
    page = open_page(watched, cloudflare.url + "/")
    active = page.evaluate(
        """wait => Promise.race([
            navigator.serviceWorker.ready.then(
                registration => [registration.scope, registration.active.scriptURL]),
            new Promise(done => setTimeout(() => done(null), wait)),
        ])""",
        SERVICE_WORKER_WAIT_MS,
    )
    assert active is not None, f"no active service worker {SERVICE_WORKER_WAIT_MS} ms after ready"
    scope, script = active
    assert scope == cloudflare.url + "/"
    assert script == cloudflare.url + "/sw.js"
    assert page.evaluate("window.__cspViolations") == []
    watched.assert_clean()


def test_serves_the_manifests_and_share_images_with_their_types(cloudflare: Cloudflare) -> None:
    """Issue 15: .webmanifest as application/manifest+json (revalidated), PNGs immutable."""
    for path in ("/manifest.webmanifest", "/de/manifest.webmanifest"):
        status, headers, body = fetch(cloudflare.url + path)
        assert status == 200, path
        assert headers["content-type"] == "application/manifest+json"
        assert headers["cache-control"] == REVALIDATE
        assert json.loads(body)["display"] == "standalone"
    for png in (cloudflare.dist / "_a").glob("*.png"):
        status, headers, body = fetch(f"{cloudflare.url}/_a/{png.name}")
        assert status == 200 and body[:8] == b"\x89PNG\r\n\x1a\n"
        assert headers["content-type"] == "image/png"
        assert headers["cache-control"] == IMMUTABLE
