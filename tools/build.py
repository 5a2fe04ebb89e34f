"""Build ``dist/``: the whole deployable site, self-hosted runtime included.

    python tools/build.py [--out dist]

Reads the STATUSPAGE_* environment variables (see README), then writes:

    dist/index.html, dist/{de,fr,es}/index.html, dist/404.html   one page per locale
    dist/_r/pyodide-<version>-<hash>/   Pyodide core from the npm package, its standard
                                    library with bytecode for what boot imports
    dist/_r/pyscript-<version>/     PyScript from @pyscript/core (versioned path)
    dist/_a/<name>.<hash>.<ext>     app bundle (app/ + pinned wheels, as bytecode), CSS, JS
                                    (content-hashed)
    dist/mock/<scenario>.json       preview data
    dist/_headers                   caching and security headers for Cloudflare

Everything under _r/ and _a/ has a versioned or content-hashed path, so it is served
immutable; HTML is short-lived and carries the config and messages inline.

The bytecode is made by Pyodide itself under Node (tools/precompile.py), so the browser
loads it instead of compiling Python source at every cold start; cached in build/pyc/.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.model.config import Config, ConfigError, config_from_env  # noqa: E402
from app.model.i18n import BASE_LOCALE, LOCALES, locale_path  # noqa: E402

SITE_URL_DEFAULT = "https://status.supportmail.dev"
PYODIDE_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)
STATIC_FILES = (
    "static/style.css",
    "static/apply.js",
    "static/theme.js",
    "static/cached-paint.js",
    "static/favicon.svg",
    "static/boot.py",
)
WHEEL_CACHE = ROOT / "build" / "wheels"
PRECOMPILE_CACHE = ROOT / "build" / "pyc"
PRECOMPILE_TOOLS = (ROOT / "tools" / "precompile.mjs", ROOT / "tools" / "precompile.py")
PRECOMPILE_KEEP = 8  # cached results kept (one per distinct app bundle)


def npm_version(package: str) -> str:
    meta = json.loads((ROOT / "node_modules" / package / "package.json").read_text())
    return str(meta["version"])


def pinned_browser_requirements() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return list(project["dependencies"])


def fetch_wheels(requirements: list[str]) -> list[Path]:
    """The pinned pure-Python wheels, downloaded once into build/wheels/."""
    WHEEL_CACHE.mkdir(parents=True, exist_ok=True)
    wanted = []
    for req in requirements:
        name, _, version = req.partition("==")
        stem = f"{name.replace('-', '_')}-{version}-"
        found = [p for p in WHEEL_CACHE.glob("*.whl") if p.name.lower().startswith(stem.lower())]
        if not found:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--quiet",
                    "--no-deps",
                    "--only-binary=:all:",
                    "--dest",
                    str(WHEEL_CACHE),
                    req,
                ],
                check=True,
            )
            found = [
                p for p in WHEEL_CACHE.glob("*.whl") if p.name.lower().startswith(stem.lower())
            ]
        if not found or not found[0].name.endswith("-py3-none-any.whl"):
            raise SystemExit(f"build: no pure-Python wheel for {req}")
        wanted.append(found[0])
    return wanted


def app_bundle(wheels: list[Path]) -> bytes:
    """app/ plus the wheels' packages, zipped; PyScript unpacks it into the browser FS."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bundle:
        for path in sorted((ROOT / "app").rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            bundle.writestr(_stable_info(rel), path.read_bytes())
        for wheel in wheels:
            with zipfile.ZipFile(wheel) as source:
                for info in sorted(source.infolist(), key=lambda i: i.filename):
                    top = info.filename.split("/", 1)[0]
                    if top.endswith(".dist-info") or info.is_dir():
                        continue
                    bundle.writestr(_stable_info(info.filename), source.read(info))
    return buffer.getvalue()


def precompiled(stdlib: bytes, bundle: bytes) -> tuple[bytes, bytes]:
    """(standard library zip, app bundle) with bytecode made by Pyodide under Node.

    See tools/precompile.py. Cached in build/pyc/ by the inputs' and the tools' hashes.
    """
    key = hashlib.sha256(npm_version("@pyscript/core").encode())  # its package is compiled too
    for part in (stdlib, bundle, *(path.read_bytes() for path in PRECOMPILE_TOOLS)):
        key.update(hashlib.sha256(part).digest())
    cache = PRECOMPILE_CACHE / key.hexdigest()[:20]
    if not cache.exists():
        PRECOMPILE_CACHE.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="tmp-", dir=PRECOMPILE_CACHE))
        try:
            (work / "python_stdlib.zip").write_bytes(stdlib)
            (work / "app.zip").write_bytes(bundle)
            subprocess.run(["node", str(PRECOMPILE_TOOLS[0]), str(work)], check=True)
            (work / "python_stdlib.zip").unlink()
            (work / "app.zip").unlink()
            try:
                os.replace(work, cache)  # the result appears whole or not at all
            except OSError:
                if not cache.exists():  # else a concurrent build stored the same result
                    raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
        kept = [p for p in PRECOMPILE_CACHE.iterdir() if not p.name.startswith("tmp-")]
        for old in sorted(kept, key=lambda p: p.stat().st_mtime)[:-PRECOMPILE_KEEP]:
            shutil.rmtree(old, ignore_errors=True)
    return (cache / "python_stdlib.out.zip").read_bytes(), (cache / "app.out.zip").read_bytes()


def _stable_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def hashed_name(name: str, content: bytes) -> str:
    stem, dot, ext = name.rpartition(".")
    return f"{stem}.{hashlib.sha256(content).hexdigest()[:12]}{dot}{ext}"


class Site:
    def __init__(self, out: Path, config: Config, site_url: str) -> None:
        self.out = out
        self.config = config
        self.site_url = site_url.rstrip("/")
        self.assets: dict[str, str] = {}

    def write_asset(self, logical: str, content: bytes) -> str:
        name = hashed_name(Path(logical).name, content)
        target = self.out / "_a" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        self.assets[logical] = f"/_a/{name}"
        return self.assets[logical]

    def copy_runtime(self, stdlib: bytes) -> tuple[str, str]:
        """The runtime under versioned paths; ``stdlib`` replaces python_stdlib.zip."""
        stdlib_hash = hashlib.sha256(stdlib).hexdigest()[:10]
        pyodide_dir = f"/_r/pyodide-{npm_version('pyodide')}-{stdlib_hash}"
        target = self.out / pyodide_dir.lstrip("/")
        target.mkdir(parents=True, exist_ok=True)
        for name in PYODIDE_FILES:
            if name == "python_stdlib.zip":
                (target / name).write_bytes(stdlib)
            else:
                shutil.copy2(ROOT / "node_modules" / "pyodide" / name, target / name)
        pyscript_dir = f"/_r/pyscript-{npm_version('@pyscript/core')}"
        target = self.out / pyscript_dir.lstrip("/")
        target.mkdir(parents=True, exist_ok=True)
        source = ROOT / "node_modules" / "@pyscript" / "core" / "dist"
        for path in source.iterdir():
            if path.suffix in (".js", ".css"):
                shutil.copy2(path, target / path.name)
        return pyodide_dir, pyscript_dir


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
    credentials). Chromium still warns that they were "not used within a few seconds":
    it cannot see the worker read them from the HTTP cache. ``fetchpriority="low"``
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
    for url in (
        f"{pyodide}/pyodide.asm.wasm",
        f"{pyodide}/python_stdlib.zip",
        f"{pyodide}/pyodide.asm.mjs",
        site.assets["app.zip"],
    ):
        links.append(
            f'<link rel="preload" href="{url}" as="fetch" crossorigin fetchpriority="low">'
        )
    return links


def render_page(site: Site, locale: str, template: str, pyodide: str, pyscript: str) -> str:
    messages = load_messages(locale)
    available = [loc for loc in LOCALES if (ROOT / "locales" / f"{loc}.json").exists()]
    head_links = preload_links(site, pyodide, pyscript)
    head_links.append(f'<link rel="canonical" href="{site.site_url}{locale_path(locale)}">')
    for other in available:
        head_links.append(
            f'<link rel="alternate" hreflang="{other}" href="{site.site_url}{locale_path(other)}">'
        )
    head_links.append(f'<link rel="alternate" hreflang="x-default" href="{site.site_url}/">')
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
        "files": {site.assets["app.zip"]: "./*"},
    }
    values = {
        "lang": locale,
        "head_links": "\n".join(head_links),
        "locale_links": "".join(locale_links),
        "config_json": _script_json(site.config.to_json()),
        "messages_json": _script_json(messages),
        "pyscript": pyscript,
        "pyscript_config": html.escape(json.dumps(pyscript_config), quote=True),
        "plugins_config": html.escape(json.dumps({"plugins": pyscript_config["plugins"]})),
        "version_text": html.escape(
            messages["footer.version"].replace("{version}", site.config.version)
        ),
    }
    return fill(template, site, messages, values)


IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=0, must-revalidate"


def content_security_policy(config: Config) -> str:
    """Only our origin, the configured API and WebSocket origins, and what Pyodide needs.

    'wasm-unsafe-eval' lets Pyodide compile its WebAssembly. 'unsafe-eval' is for
    PyScript 0.7.31 alone: at boot its core composes its worker hooks with
    ``Function("return(w,x)=>…")`` (core-*.js, function ``jo``) and stops without it.
    Pyodide itself needs no eval. Inline <script> blocks are data (JSON), never executed
    by the browser.

    'worker-src blob:' is for PyScript's worker: polyscript always starts it from a blob:
    URL holding its bootstrap code (core-*.js). The worker inherits this policy, so its
    imports of Pyodide and its fetches of the app bundle, mock data and token endpoint are
    held to script-src and connect-src like the page's own. The Python entry point is a
    file (static/boot.py), because PyScript would fetch() inline worker code from another
    blob: URL, which connect-src would have to allow.
    """
    connect = " ".join(("'self'", *config.connect_origins))
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval' 'report-sample'",
            f"connect-src {connect}",
            "img-src 'self' data:",
            "style-src 'self'",
            "font-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )


def headers_file(config: Config) -> str:
    """dist/_headers: long-lived immutable assets, short-lived HTML, security everywhere.

    Cloudflare joins a header set by several matching rules, so Cache-Control is only
    ever set by exactly one rule per path.
    """
    security = [
        f"Content-Security-Policy: {content_security_policy(config)}",
        "X-Content-Type-Options: nosniff",
        "Referrer-Policy: strict-origin-when-cross-origin",
        "Permissions-Policy: camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        # Cross-origin isolation, so that PyScript's worker can reach the page
        # synchronously (SharedArrayBuffer + Atomics). require-corp, not credentialless:
        # every subresource is our own, and Safari does not know credentialless.
        "Cross-Origin-Opener-Policy: same-origin",
        "Cross-Origin-Embedder-Policy: require-corp",
    ]
    rules = [("/*", security), ("/_r/*", [f"Cache-Control: {IMMUTABLE}"])]
    rules.append(("/_a/*", [f"Cache-Control: {IMMUTABLE}"]))
    rules.append(("/mock/*", ["Cache-Control: public, max-age=300, must-revalidate"]))
    for locale in LOCALES:
        path = locale_path(locale)
        rules.append((path, [f"Cache-Control: {REVALIDATE}"]))
        rules.append((f"{path}index.html", [f"Cache-Control: {REVALIDATE}"]))
    rules.append(("/404.html", [f"Cache-Control: {REVALIDATE}"]))
    lines = ["# Generated by tools/build.py; edit there."]
    for path, headers in rules:
        lines.append(path)
        lines += [f"  {h}" for h in headers]
    return "\n".join(lines) + "\n"


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
    site = Site(out, config, env.get("STATUSPAGE_SITE_URL") or SITE_URL_DEFAULT)
    stdlib, bundle = precompiled(
        (ROOT / "node_modules" / "pyodide" / "python_stdlib.zip").read_bytes(),
        app_bundle(fetch_wheels(pinned_browser_requirements())),
    )
    pyodide, pyscript = site.copy_runtime(stdlib)
    site.write_asset("app.zip", bundle)
    for logical in STATIC_FILES:
        site.write_asset(logical, (ROOT / logical).read_bytes())
    template = (ROOT / "index.html").read_text(encoding="utf-8")
    for locale in LOCALES:
        if not (ROOT / "locales" / f"{locale}.json").exists():
            continue
        page = render_page(site, locale, template, pyodide, pyscript)
        target = out / locale_path(locale).lstrip("/") / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page, encoding="utf-8")
    (out / "404.html").write_text(render_not_found(site), encoding="utf-8")
    (out / "_headers").write_text(headers_file(config), encoding="utf-8")
    mock_out = out / "mock"
    mock_out.mkdir()
    for path in sorted((ROOT / "mock").glob("*.json")):
        shutil.copy2(path, mock_out / path.name)
    return config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    args = parser.parse_args()
    config = build(args.out, dict(os.environ))
    print(f"build: wrote {args.out} (mock={config.mock.value}, token={config.token_url})")


if __name__ == "__main__":
    main()
