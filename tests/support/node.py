"""Running the page's own scripts under Node, in jsdom: the JS side of the seam tested
without a browser, as the build bundles it (``tools.page_scripts.page_script``).

``run_in_page(html, scripts, probe)`` loads ``html`` at https://status.test/ (with
``storage`` put in its localStorage first, and ``Date.now()`` fixed at ``now_ms`` if
given), runs each bundled script in order, then
evaluates ``probe`` (a JS expression, awaited) in the window and returns its value,
which must be JSON.
"""

from __future__ import annotations

import functools
import html
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tests.support.paths import ROOT

__all__ = ["page_html", "page_script", "run_in_page", "seam_for_js"]

_RUNNER = r"""
import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";

const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
const dom = new JSDOM(job.html, {
  url: "https://status.test/", runScripts: "outside-only", pretendToBeVisual: true,
});
const { window } = dom;
for (const [key, value] of Object.entries(job.storage)) window.localStorage.setItem(key, value);
// What jsdom lacks and the scripts read.
if (job.now !== null) window.Date.now = () => job.now;
window.matchMedia = query => ({
  matches: false, media: query, addEventListener() {}, removeEventListener() {},
});
for (const script of job.scripts) window.eval(script);
const result = await window.eval(`(async () => (${job.probe}))()`);
process.stdout.write(JSON.stringify(result === undefined ? null : result));
"""


def page_html(config: Mapping[str, Any], messages: Mapping[str, str], lang: str = "en") -> str:
    """index.html as the build fills it, without the build's assets (no script runs by
    itself in jsdom's page: the test runs the scripts it names)."""
    out = (ROOT / "index.html").read_text(encoding="utf-8")
    out = out.replace("{{lang}}", lang)
    out = out.replace("{{config_json}}", json.dumps(dict(config)).replace("</", "<\\/"))
    out = out.replace("{{messages_json}}", json.dumps(dict(messages)).replace("</", "<\\/"))
    out = re.sub(r"\{\{t:([a-z_.]+)\}\}", lambda m: html.escape(messages[m.group(1)]), out)
    return re.sub(r"\{\{[^}]*\}\}", "", out)


def _scripts() -> Any:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import tools.page_scripts

    return tools.page_scripts


@functools.cache
def page_script(logical: str) -> str:
    """``logical`` (``static/apply.js``, ``static/last-known.js``) as the build ships it."""
    return str(_scripts().page_script(logical).decode())


def seam_for_js() -> dict[str, Any]:
    """The JSON module ``statuspage-seam`` the build bundles into those scripts."""
    return dict(_scripts().seam_for_js())


def run_in_page(
    html: str,
    scripts: Sequence[str],
    probe: str,
    storage: Mapping[str, str] | None = None,
    now_ms: float | None = None,
) -> Any:
    with tempfile.TemporaryDirectory(dir=ROOT / "node_modules") as work:
        runner = Path(work) / "runner.mjs"
        runner.write_text(_RUNNER, encoding="utf-8")
        job = Path(work) / "job.json"
        job.write_text(
            json.dumps(
                {
                    "html": html,
                    "scripts": [page_script(s) for s in scripts],
                    "probe": probe,
                    "storage": dict(storage or {}),
                    "now": now_ms,
                }
            ),
            encoding="utf-8",
        )
        result = subprocess.run(
            ["node", str(runner), str(job)], capture_output=True, text=True, check=False
        )
    if result.returncode != 0:
        raise AssertionError(f"node failed:\n{result.stderr}")
    return json.loads(result.stdout)
