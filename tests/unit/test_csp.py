"""The production Content-Security-Policy (tools/headers.py) and the patches that let the
runtime live under it (tools/runtime_patches.py): no string becomes code, Trusted Types are
required, and a patch that no longer fits stops the build, naming it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app import seam
from app.model.config import config_from_env
from tests.support import ROOT
from tools import build, headers, page_scripts
from tools.runtime_patches import CORE_CHUNK, PATCHES, Patch, PatchError, patched_files

MODULES = ROOT / "node_modules"
CONFIG = config_from_env(
    {"STATUSPAGE_TOKEN_URL": "https://api.test/ws-token", "STATUSPAGE_WS_URL": "https://ws.test"}
)


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for directive in policy.split(";"):
        name, *values = directive.split()
        assert name not in parsed, f"{name} twice"
        parsed[name] = values
    return parsed


def test_script_src_lets_no_string_become_code() -> None:
    """'self', WebAssembly compilation and violation samples: no 'unsafe-eval', no
    'unsafe-inline', no other origin, no scheme. Fails when 'unsafe-eval' comes back."""
    policy = directives(headers.content_security_policy(CONFIG))
    assert policy["script-src"] == ["'self'", "'wasm-unsafe-eval'", "'report-sample'"]
    for name, values in policy.items():
        assert "'unsafe-eval'" not in values, name
        assert "'unsafe-inline'" not in values, name
    assert "script-src-elem" not in policy and "script-src-attr" not in policy


def test_trusted_types_are_required_with_the_pages_one_policy() -> None:
    """require-trusted-types-for 'script', and only the policy static/apply.js creates
    (named by app/seam.py); nothing else the page serves creates one."""
    policy = directives(headers.content_security_policy(CONFIG))
    assert policy["require-trusted-types-for"] == ["'script'"]
    assert policy["trusted-types"] == [seam.TRUSTED_TYPES_POLICY]
    assert page_scripts.seam_for_js()["trustedTypesPolicy"] == seam.TRUSTED_TYPES_POLICY
    created = {
        path.name: re.findall(r"createPolicy\((\w+)", path.read_text())
        for path in sorted((ROOT / "static").glob("*.js"))
    }
    assert {name: calls for name, calls in created.items() if calls} == {
        "apply.js": ["trustedTypesPolicy"]
    }
    for path, content in served_runtime().items():
        assert b"createPolicy" not in content, path


def test_every_header_rule_sends_the_same_policy() -> None:
    """dist/_headers (which tools/serve.py and wrangler serve) carries exactly this CSP."""
    served = headers.headers_file(CONFIG)
    sent = re.findall(r"Content-Security-Policy: (.*)", served)
    assert sent == [headers.content_security_policy(CONFIG)]


def served_runtime() -> dict[str, bytes]:
    """The runtime files the build serves, patched."""
    pyscript = sorted(
        f"@pyscript/core/dist/{p.name}"
        for p in (MODULES / "@pyscript" / "core" / "dist").iterdir()
        if p.suffix in (".js", ".css")
    )
    return patched_files(MODULES, [f"pyodide/{n}" for n in build.PYODIDE_FILES] + pyscript)


def test_the_patched_runtime_evaluates_no_string_and_names_no_cdn() -> None:
    """Every patch fits the pinned PyScript and Pyodide, and after them no served file
    calls Function() or eval() or probes importScripts, and PyScript names no public CDN
    to load an interpreter from."""
    files = served_runtime()
    original = (MODULES / CORE_CHUNK).read_text()
    assert re.search(r"\bFunction\(", original)  # what the patches are for
    for path, content in files.items():
        if not path.endswith((".js", ".mjs")):
            continue
        text = content.decode()
        assert 'importScripts("data:' not in text, path
        # Pyodide keeps Emscripten's eval() paths that boot never takes (run_script,
        # EM_ASM in side modules, Node's script loader) and a CDN URL read under Node
        # only; the strict CSP blocks them if anything ever did.
        if path.startswith("@pyscript/"):
            assert not re.search(r"(?<![\w.])(Function|eval)\(", text), path
            assert "window.Function(" not in text, path
            assert "cdn.jsdelivr.net" not in text, path


def test_a_patch_whose_text_is_missing_stops_the_build_naming_it(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "core.js").write_text("const f = () => 1;\n")
    patch = Patch("worker hooks without Function()", "pkg/core.js", "Function(x)", "x")
    with pytest.raises(PatchError, match=r"patch 'worker hooks without Function\(\)'.*found 0"):
        patched_files(tmp_path, ["pkg/core.js"], (patch,))


def test_a_patch_for_a_file_that_is_gone_stops_the_build_naming_it(tmp_path: Path) -> None:
    """An upgrade renames PyScript's hashed chunk: the patch is named, never skipped."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "core-NEW.js").write_text("Function(x)\n")
    patch = Patch("worker hooks without Function()", "pkg/core-OLD.js", "Function(x)", "x")
    with pytest.raises(PatchError, match=r"patch 'worker hooks without Function\(\)'"):
        patched_files(tmp_path, ["pkg/core-NEW.js"], (patch,))


def test_a_patch_found_more_often_than_counted_stops_the_build(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text("Function(x);Function(x);\n")
    with pytest.raises(PatchError, match=r"'twice' expects its text in a\.js 1 time\(s\), found 2"):
        patched_files(tmp_path, ["a.js"], (Patch("twice", "a.js", "Function(x)", "x"),))


def test_the_build_stops_on_a_pyscript_whose_text_changed(tmp_path: Path) -> None:
    """The real table against a copy of the pinned core chunk with one expected text
    altered (as an upgrade would): the build's own step names that patch."""
    chunk = tmp_path / CORE_CHUNK
    chunk.parent.mkdir(parents=True)
    patch = next(p for p in PATCHES if p.name == "the worker revives no hook from text")
    chunk.write_text((MODULES / CORE_CHUNK).read_text().replace(patch.old, "It=e=>revive(e)"))
    ours = tuple(p for p in PATCHES if p.path == CORE_CHUNK)
    with pytest.raises(PatchError, match="the worker revives no hook from text"):
        patched_files(tmp_path, [CORE_CHUNK], ours)


def test_patched_files_change_only_what_the_patches_name() -> None:
    """Files without a patch are served byte for byte as the packages ship them."""
    patched = {p.path for p in PATCHES}
    for path, content in served_runtime().items():
        original = (MODULES / path).read_bytes()
        assert (content != original) == (path in patched), path
