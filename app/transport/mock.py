"""Preview data from ``mock/<scenario>.json``, behind the same interface as the live source.

The files hold the ``data`` array of a real acknowledgement. Their ``createdAt`` values
are fixed, so they are rebased on load: the youngest cluster started
``_YOUNGEST_UPTIME_MS`` ago and the others keep their spacing, which makes uptimes look
like a real deployment whatever day the preview is opened.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

from app.model.page_state import SourceKind

__all__ = ["SCENARIOS", "MockSource", "scenario_from_query"]

SCENARIOS = ("operational", "degraded", "outage", "empty")
DEFAULT_SCENARIO = "degraded"
_YOUNGEST_UPTIME_MS = 3 * 3_600_000 + 17 * 60_000


def scenario_from_query(search: str) -> str:
    """``?scenario=outage`` picks a scenario; anything else gets the default."""
    values = parse_qs(search.lstrip("?")).get("scenario", [])
    return values[0] if values and values[0] in SCENARIOS else DEFAULT_SCENARIO


class MockSource:
    kind = SourceKind.MOCK

    def __init__(
        self,
        scenario: str,
        fetch_text: Callable[[str], Awaitable[str]],
        now_ms: Callable[[], float],
        base_url: str = "/mock/",
    ) -> None:
        self.scenario = scenario
        self._fetch_text = fetch_text
        self._now_ms = now_ms
        self._url = f"{base_url}{scenario}.json"
        self._data: list[object] | None = None

    async def start(self) -> None:
        if self._data is None:
            self._data = _rebase(json.loads(await self._fetch_text(self._url)), self._now_ms())

    async def fetch(self) -> object:
        await self.start()
        return {"success": True, "data": copy.deepcopy(self._data)}

    async def close(self) -> None:
        self._data = None


def _rebase(data: object, now_ms: float) -> list[object]:
    if not isinstance(data, list):
        return []
    stamps = [
        c["createdAt"]
        for c in data
        if isinstance(c, dict) and isinstance(c.get("createdAt"), int | float)
    ]
    if not stamps:
        return data
    shift = now_ms - _YOUNGEST_UPTIME_MS - max(stamps)
    for cluster in data:
        if isinstance(cluster, dict) and isinstance(cluster.get("createdAt"), int | float):
            cluster["createdAt"] = int(cluster["createdAt"] + shift)
    return data
