"""Build ``dist/``: the whole deployable site, self-hosted runtime included.

    python tools/build.py [--out dist]

Reads the STATUSPAGE_* environment variables (see README), then writes:

    dist/index.html, dist/{de,fr,es}/index.html, dist/404.html   one page per locale
    dist/_r/pyodide-<version>-<hash>/   Pyodide core from the npm package, its standard
                                    library with bytecode for what boot imports
    dist/_r/pyscript-<version>-<hash>/   PyScript from @pyscript/core, patched by
                                    tools/runtime_patches.py
    dist/_a/<name>.<hash>.<ext>     app bundle (app/ + pinned wheels, as bytecode), CSS, JS
                                    (content-hashed)
    dist/mock/<scenario>.json       preview data
    dist/manifest.webmanifest, dist/{de,fr,es}/manifest.webmanifest   web app manifests
    dist/_a/og-image.<hash>.png, dist/_a/icon-*.<hash>.png   link preview and app icons,
                                    drawn by tools/artwork.py (cached in build/art/)
    dist/_headers                   caching and security headers for Cloudflare
    dist/sw.js                      the service worker (static/sw.js below the build's facts)

Everything under _r/ and _a/ has a versioned or content-hashed path, so it is served
immutable; HTML is short-lived and carries the config and messages inline.

The bytecode is made by Pyodide itself under Node (tools/precompile.py), so the browser
loads it instead of compiling Python source at every cold start; cached in build/pyc/.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.model.config import Config, ConfigError, config_from_env, origin  # noqa: E402
from app.model.i18n import BASE_LOCALE, LOCALES, locale_path  # noqa: E402
from tools import bytecode_cache, runtime_patches  # noqa: E402
from tools.headers import IMMUTABLE_TREES, SERVICE_WORKER, headers_file  # noqa: E402
from tools.lazy_imports import (  # noqa: E402
    PATCHES,
    patched_stdlib,
)
from tools.page_scripts import (  # noqa: E402
    PAGE_MODULES,
    head_start_script,
    minified_js,
    page_script,
)
from tools.python_bundle import (  # noqa: E402
    app_bundle,
    fetch_wheels,
    pinned_browser_requirements,
    precompiled,
)
from tools.runtime_patches import patched_files  # noqa: E402
from tools.share import MANIFEST, share_head, web_manifest, write_artwork  # noqa: E402

SITE_URL_DEFAULT = "https://status.supportmail.dev"
PYODIDE_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)
# The standard library modules boot does not import (see static/sitecustomize.py).
STDLIB_REST = "python_stdlib_rest.zip"
STATIC_FILES = (
    "static/style.css",
    "static/apply.js",
    "static/theme.js",
    "static/last-known.js",
    "static/favicon.svg",
    "static/boot.py",
    "static/boot-status.js",
)


def npm_version(package: str) -> str:
    meta = json.loads((ROOT / "node_modules" / package / "package.json").read_text())
    return str(meta["version"])


def boot_lock_file(path: Path) -> str:
    """Pyodide's lock file without its package list.

    loadPyodide always fetches it and awaits it before it resolves (it checks the ABI
    version in ``info``); the 300 package entries (119 KB, 26 KB gzip) are read only to
    load packages, and the page loads none: their wheels are not even served.
    """
    lock = json.loads(path.read_text())
    return json.dumps({"info": lock["info"], "packages": {}}, separators=(",", ":"))


def hashed_name(name: str, content: bytes) -> str:
    stem, dot, ext = name.rpartition(".")
    return f"{stem}.{hashlib.sha256(content).hexdigest()[:12]}{dot}{ext}"


def runtime_files(config: Config) -> dict[str, bytes]:
    """Pyodide's and PyScript's files the site serves, by their path under node_modules/,
    with tools/runtime_patches.py applied (a patch that no longer fits stops the build);
    PyScript's worker starts with the connection's head start for ``config``'s endpoints."""
    pyscript_dist = ROOT / "node_modules" / "@pyscript" / "core" / "dist"
    pyscript = sorted(p.name for p in pyscript_dist.iterdir() if p.suffix in (".js", ".css"))
    return patched_files(
        ROOT / "node_modules",
        [f"pyodide/{name}" for name in PYODIDE_FILES]
        + [f"@pyscript/core/dist/{name}" for name in pyscript],
        runtime_patches.patches(head_start_script(config)),
    )


class Site:
    def __init__(
        self, out: Path, config: Config, site_url: str, boot_limits: tuple[float, float]
    ) -> None:
        self.out = out
        self.config = config
        self.site_url = site_url.rstrip("/")
        self.boot_limits = boot_limits
        self.assets: dict[str, str] = {}

    def write_asset(self, logical: str, content: bytes) -> str:
        name = hashed_name(Path(logical).name, content)
        target = self.out / "_a" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        self.assets[logical] = f"/_a/{name}"
        return self.assets[logical]

    def copy_runtime(
        self, stdlib: bytes, stdlib_rest: bytes, files: dict[str, bytes]
    ) -> tuple[str, str]:
        """The runtime under versioned paths: the boot archive replaces
        python_stdlib.zip, the rest of the standard library sits beside it (fetched only
        on a lazy import), and the lock file keeps only what boot reads of it.

        Pyodide's and PyScript's files as tools/runtime_patches.py patches them
        (``runtime_files``); each directory's hash covers what it serves, so a changed
        patch is a new immutable path."""
        modules = ROOT / "node_modules"
        files = dict(files)
        files["pyodide/python_stdlib.zip"] = stdlib
        files["pyodide/pyodide-lock.json"] = boot_lock_file(
            modules / "pyodide" / "pyodide-lock.json"
        ).encode()
        files[f"pyodide/{STDLIB_REST}"] = stdlib_rest
        pyodide = {k: v for k, v in files.items() if k.startswith("pyodide/")}
        pyscript = {k: v for k, v in files.items() if k.startswith("@pyscript/")}
        pyodide_dir = f"/_r/pyodide-{npm_version('pyodide')}-{runtime_patches.digest(pyodide)}"
        pyscript_dir = (
            f"/_r/pyscript-{npm_version('@pyscript/core')}-{runtime_patches.digest(pyscript)}"
        )
        for directory, served in ((pyodide_dir, pyodide), (pyscript_dir, pyscript)):
            target = self.out / directory.lstrip("/")
            target.mkdir(parents=True, exist_ok=True)
            for path, content in served.items():
                (target / path.rsplit("/", 1)[1]).write_bytes(content)
        return pyodide_dir, pyscript_dir


# How long static/boot-status.js waits before it names a failure to start (seconds).
# Measured on this project's machines (2 shared cores) while six engineers' test runs
# kept the load average at 18-33, i.e. a device some ten times slower than the idle
# machine, the worst case available (window.statuspageBoot(), Chromium and WebKitGTK):
# STALL: no byte of the runtime arrives for this long (time to first byte included;
#   time this thread was blocked does not count). The longest gap between two chunks,
#   over loopback, was 9.9 s (WebKitGTK, main thread starved by the load). A visitor's
#   link adds what loopback has not: TCP retransmission backs off 1 s, 2 s, 4 s, so three
#   lost segments in a row on a poor mobile link are a 7 s silence that still recovers.
#   20 s is twice the worst gap measured and well above that back-off, and short enough
#   that a visitor on a dead link is told within a page's patience.
# START: from the last byte downloaded to Python's first call (boot() in apply.js). The
#   slowest measured was 67.8 s (WebKitGTK, worker) and 60.6 s (WebKitGTK, main thread);
#   idle, the whole boot takes 1.4 s (Chromium) to ~5 s (WebKitGTK). 120 s is ~1.8 times
#   the slowest; a start that completes later still withdraws the failure (boot-status.js).
BOOT_STALL_SECONDS = 20.0
BOOT_START_SECONDS = 120.0


def boot_limits(env: dict[str, str]) -> tuple[float, float]:
    """(stall, start) limits; STATUSPAGE_BOOT_STALL_SECONDS / _START_SECONDS override them.

    The overrides exist for tests (a failure test should not wait 20 s); production builds
    leave them unset.
    """
    limits = []
    for name, default in (
        ("STATUSPAGE_BOOT_STALL_SECONDS", BOOT_STALL_SECONDS),
        ("STATUSPAGE_BOOT_START_SECONDS", BOOT_START_SECONDS),
    ):
        raw = env.get(name)
        try:
            value = float(raw) if raw else default
        except ValueError:
            value = -1.0
        if not 0 < value < 3600:
            raise SystemExit(f"build: {name} must be a number of seconds, got {raw!r}")
        limits.append(value)
    return limits[0], limits[1]


def load_messages(locale: str) -> dict[str, str]:
    return dict(json.loads((ROOT / "locales" / f"{locale}.json").read_text(encoding="utf-8")))


def preload_links(site: Site, pyodide: str, pyscript: str) -> list[str]:
    """Hints that start the runtime's downloads while the HTML is still being parsed.

    Python boots in a worker that PyScript starts only after its own modules have loaded;
    without hints, the worker asks for Pyodide's wasm and standard library a few hundred
    milliseconds after the first byte of HTML (and PyScript fetches the app bundle only
    once the interpreter is up). Preloaded, they wait in the HTTP cache (all immutable),
    where the worker's requests find them (a browser test checks each file is sent once;
    ``as="fetch"`` with ``crossorigin`` is how the worker asks: CORS mode, same-origin
    credentials). static/boot-status.js reads the same requests for its progress
    (``data-bytes`` is each file's size), which also ends Chromium's warning that they
    were "not used within a few seconds". ``fetchpriority="low"``
    lets PyScript's own modules, which start the worker, go first. Measured through a
    simulated 40 Mbit/s link (``make bench``; fresh disk cache, 5 runs each): data-ready
    3.95 s with these hints, 4.25 s without, 4.09 s with them at default priority. Over
    loopback, where downloads are free, they make no difference beyond noise.
    """
    dist = ROOT / "node_modules" / "@pyscript" / "core" / "dist"
    chunks = re.findall(r'from"\./(core-[\w-]+\.js)"', (dist / "core.js").read_text())
    # PyScript imports its error plugin at every boot, also when excluded (to switch it
    # off), and awaits it before starting the worker: one more round trip, unless hinted.
    # (Locally the gain is within noise; on a real network it is a round trip.)
    for chunk in list(chunks):
        core_chunk = (dist / chunk).read_text()
        chunks += re.findall(r'error:\(\)=>import\("\./(error-[\w-]+\.js)"\)', core_chunk)
    links = [f'<link rel="modulepreload" href="{pyscript}/{chunk}">' for chunk in chunks]
    # Every file the worker fetches on its way to the first render (the rest of the
    # standard library is fetched only on a lazy import: not hinted). Through a link each
    # one found late is a round trip on the critical path. All but the app bundle
    # (``bundle_fetch``): it would share the link with the wasm.
    for url in (
        f"{pyodide}/pyodide.asm.wasm",
        f"{pyodide}/python_stdlib.zip",
        f"{pyodide}/pyodide.asm.mjs",
        f"{pyodide}/pyodide.mjs",
        f"{pyodide}/pyodide-lock.json",
        site.assets["static/boot.py"],
    ):
        # The size lets static/boot-status.js show the download's progress.
        size = (site.out / url.lstrip("/")).stat().st_size
        links.append(
            f'<link rel="preload" href="{url}" as="fetch" crossorigin fetchpriority="low"'
            f' data-bytes="{size}">'
        )
    return links


def bundle_fetch(site: Site, pyodide: str) -> dict[str, str]:
    """The app bundle, fetched by static/boot-status.js once the wasm (``after``, one of
    the preloads) has arrived.

    The worker needs the bundle only after the interpreter has booted, which on a phone
    is most of a second after the wasm is in; preloaded with the rest, it shared the
    link with the wasm, which is what the boot waits for. Fetched after the wasm, it
    arrives while the interpreter boots: through the phone-grade link of ``make bench``
    (2026-12-07, 5 interleaved cold runs each), live data came at 5488 ms preloaded and
    at 5409 ms fetched after (1.127 and 1.111 x a bare boot of the runtime). The
    worker's own request finds it in the HTTP cache, as it finds the preloads.
    """
    url = site.assets["app.zip"]
    return {
        "url": url,
        "bytes": str((site.out / url.lstrip("/")).stat().st_size),
        "after": f"{pyodide}/pyodide.asm.wasm",
    }


def connection_hints(config: Config) -> list[str]:
    """Opens the way to the bot's endpoints while the runtime downloads.

    Python asks for a token only once it has booted, seconds into a first visit on a
    phone; by then the connection to the token endpoint (DNS, TCP, TLS: two to three
    round trips on a mobile link) is already open. ``crossorigin`` because the token
    request is a CORS request without credentials, which uses that connection pool. The
    Socket.IO host's name is resolved ahead too (browsers keep WebSocket connections in a
    pool of their own, so only its DNS lookup can be done early). Nothing for a build
    that only ever shows preview data.
    """
    if not config.connects:
        return []
    token_origin, ws_origin = (origin(url) for url in (config.token_url, config.ws_url))
    hints = [f'<link rel="preconnect" href="{html.escape(token_origin)}" crossorigin>']
    if ws_origin != token_origin:
        hints.append(f'<link rel="dns-prefetch" href="{html.escape(ws_origin)}">')
    return hints


def render_page(site: Site, locale: str, template: str, pyodide: str, pyscript: str) -> str:
    messages = load_messages(locale)
    available = [loc for loc in LOCALES if (ROOT / "locales" / f"{loc}.json").exists()]
    head_links = connection_hints(site.config) + preload_links(site, pyodide, pyscript)
    head_links.append(f'<link rel="canonical" href="{site.site_url}{locale_path(locale)}">')
    for other in available:
        head_links.append(
            f'<link rel="alternate" hreflang="{other}" href="{site.site_url}{locale_path(other)}">'
        )
    head_links.append(f'<link rel="alternate" hreflang="x-default" href="{site.site_url}/">')
    head_links += share_head(site, locale, messages, available)
    locale_links = []
    for other in available:
        current = ' aria-current="page"' if other == locale else ""
        name = load_messages(other).get("locale.name", other)
        locale_links.append(
            f'<a id="locale-{other}" href="{locale_path(other)}" hreflang="{other}"'
            f' lang="{other}" data-locale="{other}"{current}>{html.escape(name)}</a>'
        )
    pyscript_config = {
        **tomllib.loads((ROOT / "pyscript.toml").read_text()),
        "interpreter": f"{pyodide}/pyodide.mjs",
        # Written as it is and imported from (static/boot.py): unpacking it would make
        # PyScript download its zip reader (72 KB gzip) and write every file.
        "files": {site.assets["app.zip"]: "/home/pyodide/app.zip"},
    }
    bundle = bundle_fetch(site, pyodide)
    values = {
        "lang": locale,
        "head_links": "\n".join(head_links),
        "locale_links": "".join(locale_links),
        "config_json": _script_json(site.config.to_json()),
        "messages_json": _script_json(messages),
        "pyscript": pyscript,
        "pyscript_config": html.escape(json.dumps(pyscript_config), quote=True),
        "plugins_config": html.escape(json.dumps({"plugins": pyscript_config["plugins"]})),
        "bundle_url": bundle["url"],
        "bundle_bytes": bundle["bytes"],
        "bundle_after": bundle["after"],
        "boot_stall_ms": str(round(site.boot_limits[0] * 1000)),
        "boot_start_ms": str(round(site.boot_limits[1] * 1000)),
        "version_text": html.escape(
            messages["footer.version"].replace("{version}", site.config.version)
        ),
        "service_worker": SERVICE_WORKER,
    }
    return fill(template, site, messages, values)


def render_not_found(site: Site) -> str:
    messages = load_messages(BASE_LOCALE)
    links = "".join(
        f'<li><a href="{locale_path(loc)}" hreflang="{loc}" lang="{loc}">'
        f"{html.escape(load_messages(loc).get('locale.name', loc))}</a></li>"
        for loc in LOCALES
        if (ROOT / "locales" / f"{loc}.json").exists()
    )
    return fill(
        (ROOT / "404.html").read_text(encoding="utf-8"), site, messages, {"home_links": links}
    )


def fill(template: str, site: Site, messages: dict[str, str], values: dict[str, str]) -> str:
    """Replace {{name}}, {{asset:path}} and {{t:key}} (HTML-escaped) placeholders."""
    out = template
    for key, value in values.items():
        out = out.replace("{{" + key + "}}", value)
    for logical, url in site.assets.items():
        out = out.replace("{{asset:" + logical + "}}", url)
    while "{{t:" in out:
        start = out.index("{{t:")
        end = out.index("}}", start)
        key = out[start + 4 : end]
        out = out[:start] + html.escape(messages[key]) + out[end + 2 :]
    if "{{" in out:
        raise SystemExit(f"build: unfilled placeholder near {out[out.index('{{') :][:40]!r}")
    return out


def _script_json(value: object) -> str:
    # Inside <script type="application/json">, "</" would end the element early.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def version() -> str:
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        rev = "dev"
    return f"{tomllib.loads((ROOT / 'pyproject.toml').read_text())['project']['version']}+{rev}"


def build(out: Path, env: dict[str, str]) -> Config:
    try:
        config = config_from_env(env, version=version())
    except ConfigError as exc:
        raise SystemExit(f"build: {exc}") from None
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    site = Site(out, config, env.get("STATUSPAGE_SITE_URL") or SITE_URL_DEFAULT, boot_limits(env))
    runtime = runtime_files(config)
    stdlib, stdlib_rest, bundle = precompiled(
        bytecode_cache.with_module(
            patched_stdlib(
                (ROOT / "node_modules" / "pyodide" / "python_stdlib.zip").read_bytes(),
                PATCHES + bytecode_cache.PATCHES,
            )
        ),
        app_bundle(fetch_wheels(pinned_browser_requirements())),
    )
    pyodide, pyscript = site.copy_runtime(stdlib, stdlib_rest, runtime)
    site.write_asset("app.zip", bundle)
    for logical in STATIC_FILES:
        content = (ROOT / logical).read_bytes()
        if logical in PAGE_MODULES:
            content = page_script(logical)
        elif logical.endswith(".js"):
            content = minified_js(content)
        site.write_asset(logical, content)
    write_artwork(site)
    template = (ROOT / "index.html").read_text(encoding="utf-8")
    for locale in LOCALES:
        if not (ROOT / "locales" / f"{locale}.json").exists():
            continue
        page = render_page(site, locale, template, pyodide, pyscript)
        target = out / locale_path(locale).lstrip("/") / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page, encoding="utf-8")
        (target.parent / MANIFEST).write_text(
            web_manifest(site, locale, load_messages(locale)), encoding="utf-8"
        )
    (out / "404.html").write_text(render_not_found(site), encoding="utf-8")
    (out / "_headers").write_text(headers_file(config), encoding="utf-8")
    mock_out = out / "mock"
    mock_out.mkdir()
    for path in sorted((ROOT / "mock").glob("*.json")):
        shutil.copy2(path, mock_out / path.name)
    (out / SERVICE_WORKER.lstrip("/")).write_text(service_worker(out), encoding="utf-8")
    return config


def locale_pages() -> list[str]:
    """The path of every locale page the build writes."""
    return [locale_path(loc) for loc in LOCALES if (ROOT / "locales" / f"{loc}.json").exists()]


def service_worker(out: Path) -> str:
    """dist/sw.js: static/sw.js below ``const BUILD``, the facts it needs from this build.

    Its cache is named by a digest of every other file of the build, so any change gives
    visitors a new worker that replaces what the old one kept (and never a worker whose
    cache mixes two builds)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        digest.update(path.relative_to(out).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    facts = {
        "version": digest.hexdigest()[:16],
        "pages": locale_pages(),
        "immutable": IMMUTABLE_TREES,
    }
    header = (
        '"use strict";  // Generated by tools/build.py from static/sw.js.\n'
        f"const BUILD = {json.dumps(facts)};\n"
    )
    return header + minified_js((ROOT / "static" / "sw.js").read_bytes()).decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    args = parser.parse_args()
    config = build(args.out, dict(os.environ))
    print(f"build: wrote {args.out} (mock={config.mock.value}, token={config.token_url})")


if __name__ == "__main__":
    main()
