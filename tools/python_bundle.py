"""The Python the page runs: the app bundle, and the bytecode Pyodide makes for it.

``app_bundle``: ``app/`` plus the pinned pure-Python wheels (``pyproject.toml``'s
dependencies, downloaded once into ``build/wheels/``), client modules only. ``precompiled``:
the boot part of the standard library and the bundle as bytecode made by Pyodide itself
under Node (``tools/precompile.py``), the rest of the standard library beside them;
cached in ``build/pyc/`` by the inputs' and the tools' hashes.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

from tools.lazy_imports import BUNDLE_PATCHES, patched_source

ROOT = Path(__file__).resolve().parent.parent

WHEEL_CACHE = ROOT / "build" / "wheels"
PRECOMPILE_CACHE = ROOT / "build" / "pyc"
PRECOMPILE_TOOLS = (
    ROOT / "tools" / "precompile.mjs",
    ROOT / "tools" / "precompile.py",
    ROOT / "static" / "sitecustomize.py",
)
# The packages' own __init__ imports every server, manager and ASGI/WSGI/Tornado glue
# module they have; the page is a client only. Replaced in the bundle by what the page
# uses, so precompile.py can leave out every module the page never imports
# (socketio's base client reads ``engineio.Client.reason``, which BaseClient defines).
CLIENT_ONLY_INITS = {
    "socketio/__init__.py": b"from .async_client import AsyncClient\n\n__all__ = ['AsyncClient']\n",
    "engineio/__init__.py": (
        b"from .async_client import AsyncClient\n"
        b"# socketio's base client reads Client.reason (defined on BaseClient); the sync\n"
        b"# client itself (threads, requests, websocket-client) is never used here.\n"
        b"from .base_client import BaseClient as Client\n\n"
        b"__all__ = ['AsyncClient', 'Client']\n"
    ),
}
BUNDLE_PATCHED = {patch.path for patch in BUNDLE_PATCHES}
PRECOMPILE_KEEP = 8  # cached results kept (one per distinct app bundle)


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
                    data = CLIENT_ONLY_INITS.get(info.filename) or source.read(info)
                    if info.filename in BUNDLE_PATCHED:
                        text = patched_source(info.filename, data.decode(), BUNDLE_PATCHES)
                        data = text.encode()
                    bundle.writestr(_stable_info(info.filename), data)
    return buffer.getvalue()


def precompiled(stdlib: bytes, bundle: bytes) -> tuple[bytes, bytes, bytes]:
    """(boot standard library, rest of the standard library, app bundle), the first and
    last with bytecode made by Pyodide under Node. See tools/precompile.py. Cached in
    build/pyc/ by the inputs' and the tools' hashes.
    """
    key = hashlib.sha256()
    for part in (stdlib, bundle, *(path.read_bytes() for path in PRECOMPILE_TOOLS)):
        key.update(hashlib.sha256(part).digest())
    cache = PRECOMPILE_CACHE / key.hexdigest()[:20]
    if not cache.exists():
        PRECOMPILE_CACHE.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="tmp-", dir=PRECOMPILE_CACHE))
        try:
            (work / "python_stdlib.zip").write_bytes(stdlib)
            (work / "app.zip").write_bytes(bundle)
            shutil.copy2(PRECOMPILE_TOOLS[2], work / "sitecustomize.py")
            subprocess.run(["node", str(PRECOMPILE_TOOLS[0]), str(work)], check=True)
            (work / "python_stdlib.zip").unlink()
            (work / "app.zip").unlink()
            (work / "sitecustomize.py").unlink()
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
    return tuple(  # type: ignore[return-value]
        (cache / name).read_bytes()
        for name in ("python_stdlib.out.zip", "python_stdlib_rest.out.zip", "app.out.zip")
    )


def _stable_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info
