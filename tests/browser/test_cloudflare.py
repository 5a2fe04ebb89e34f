"""Deploying to Cloudflare: the dry run passes offline, and workerd serves the site right.

``wrangler dev`` runs workerd, the real Cloudflare runtime, locally and offline; the
tests below go through it rather than through tools/serve.py.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, Watched, built_site, open_page

pytestmark = pytest.mark.browser

WRANGLER = ROOT / "node_modules" / ".bin" / "wrangler"
ENV = {**os.environ, "WRANGLER_SEND_METRICS": "false", "CI": "true", "NO_COLOR": "1"}
CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`));
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return (
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                (response.read()),
            )
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


@pytest.fixture(scope="module")
def mock_dist(sites_dir: Path) -> Path:
    return built_site(sites_dir, STATUSPAGE_MOCK="always")


@pytest.fixture(scope="module")
def workerd(mock_dist: Path) -> Iterator[str]:
    """``wrangler dev`` serving the built site; yields its base URL."""
    port = free_port()
    log = (mock_dist.parent / f"wrangler-{port}.log").open("wb")
    proc = subprocess.Popen(
        [
            str(WRANGLER),
            "dev",
            "--assets",
            str(mock_dist),
            "--ip",
            "127.0.0.1",
            "--port",
            str(port),
            "--inspector-port",
            str(free_port()),
            "--log-level",
            "warn",
        ],
        cwd=ROOT,
        env=ENV,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            try:
                if fetch(url + "/")[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((mock_dist.parent / log.name).read_text()[-2000:])
            time.sleep(0.2)  # polling a port that is still starting up
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
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


def test_workerd_serves_immutable_assets_and_revalidated_html(
    workerd: str, mock_dist: Path
) -> None:
    """Hashed/versioned paths are immutable for a year; HTML must revalidate."""
    status, headers, _ = fetch(workerd + "/")
    assert status == 200
    assert headers["cache-control"] == "public, max-age=0, must-revalidate"
    wasm = next((mock_dist / "_r").glob("pyodide-*/pyodide.asm.wasm"))
    status, headers, _ = fetch(f"{workerd}/{wasm.relative_to(mock_dist).as_posix()}")
    assert status == 200
    assert headers["content-type"] == "application/wasm"
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    bundle = next((mock_dist / "_a").glob("app.*.zip"))
    _, headers, _ = fetch(f"{workerd}/_a/{bundle.name}")
    assert headers["cache-control"] == "public, max-age=31536000, immutable"


def test_workerd_sends_the_security_headers(workerd: str) -> None:
    """CSP allows only our origin, the configured API/WebSocket origins and what Pyodide needs."""
    _, headers, _ = fetch(workerd + "/")
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert (
        "connect-src 'self' http://localhost:3000 http://localhost:4000 ws://localhost:4000" in csp
    )
    assert "'unsafe-inline'" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["permissions-policy"]


def test_workerd_routes_locales_and_answers_unknown_prefixes_with_404(workerd: str) -> None:
    """/ and every built locale prefix answer 200 in their language; /xx/ is a real 404."""
    for locale in ("en", "de", "fr", "es"):
        if not (ROOT / "locales" / f"{locale}.json").exists():
            continue
        path = "/" if locale == "en" else f"/{locale}/"
        status, _, body = fetch(workerd + path)
        assert status == 200, path
        assert f'<html lang="{locale}"'.encode() in body
    status, _, body = fetch(workerd + "/xx/")
    assert status == 404
    assert b"<title>" in body and b'hreflang="en"' in body


def test_page_reaches_ready_through_workerd_with_no_csp_violation(
    workerd: str, watched: Watched
) -> None:
    """Booted through the real Cloudflare runtime, under its CSP, the mock page renders."""
    watched.page.add_init_script(CSP_WATCH)
    page = open_page(watched, workerd + "/?scenario=degraded")
    assert page.get_attribute("html", "data-source") == "mock"
    assert page.locator("[data-cluster-id]").count() > 0
    assert page.evaluate("window.__cspViolations") == []
    watched.assert_clean()


def test_workerd_serves_the_manifests_and_share_images_with_their_types(
    workerd: str, mock_dist: Path
) -> None:
    """Issue 15: .webmanifest as application/manifest+json (revalidated), PNGs immutable."""
    for path in ("/manifest.webmanifest", "/de/manifest.webmanifest"):
        status, headers, body = fetch(workerd + path)
        assert status == 200, path
        assert headers["content-type"] == "application/manifest+json"
        assert headers["cache-control"] == "public, max-age=0, must-revalidate"
        assert json.loads(body)["display"] == "standalone"
    for png in (mock_dist / "_a").glob("*.png"):
        status, headers, body = fetch(f"{workerd}/_a/{png.name}")
        assert status == 200 and body[:8] == b"\x89PNG\r\n\x1a\n"
        assert headers["content-type"] == "image/png"
        assert headers["cache-control"] == "public, max-age=31536000, immutable"
