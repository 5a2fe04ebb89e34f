"""Unit tests for app.render.report: the "Copy diagnostics" text has every field support needs.

The spec's fields: the shard and cluster found, their states and ping, the overall status,
the time in UTC, the locale and the page's version. Tested on the English catalogue, both on
``diagnostics_report`` itself and through the controller, with a click on "Copy
diagnostics" in a ``RecordingBrowser``, so the wiring (which lookup, which label, which
version) is covered too.
"""

from __future__ import annotations

import doctest
import os
import time
from collections.abc import Iterator

import pytest

from app.controller import Controller
from app.model.page_state import SourceKind
from app.render import report as report_module
from app.render.report import diagnostics_report
from app.seam import Action
from tests.support import CREATED, NOW, RecordingBrowser, act, english, make_controller

UTC_TEXT = "2023-11-14 22:14:20"  # NOW; 2023-11-15 03:44:20 in Kolkata (UTC+5:30)
DISCORD_API = 81384788765712384  # (>> 22) % 16 = 2: shard 2 of cluster 0 in the ack below
DEVELOPERS = 613425648685547541  # (>> 22) % 16 = 8: cluster 2, which is stopped


ACK = {
    "success": True,
    "data": [
        {
            "id": 0,
            "status": "running",
            "shardList": [0, 1, 2, 3],
            "createdAt": CREATED,
            "guilds": 10,
            "members": 100,
            "shards": [
                {"id": 0, "ping": 40, "status": 0},
                {"id": 1, "ping": 41, "status": 0},
                {"id": 2, "ping": 87, "status": 2},  # Reconnecting
                {"id": 3, "ping": 43, "status": 0},
            ],
        },
        {
            "id": 1,
            "status": "running",
            "shardList": [4, 5, 6, 7],
            "createdAt": CREATED,
            "guilds": 10,
            "members": 100,
            "shards": [{"id": i, "ping": 50, "status": 0} for i in range(4, 8)],
        },
        {"id": 2, "status": "stopped", "shardList": [8, 9, 10, 11]},
        {
            "id": 3,
            "status": "running",
            "shardList": [12, 13, 14, 15],
            "createdAt": NOW,
            "guilds": 1,
            "members": 1,
            "shards": [{"id": i, "ping": 50, "status": 0} for i in range(12, 16)],
        },
    ],
}


@pytest.fixture
def far_from_utc() -> Iterator[None]:
    """Run in a zone far from UTC, so local time in the report would be caught."""
    previous = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Kolkata"
    time.tzset()
    yield
    if previous is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = previous
    time.tzset()


def test_module_docstring_example_runs() -> None:
    assert doctest.testmod(report_module).failed == 0


def test_report_has_title_lookup_overall_utc_time_locale_version_and_source(
    far_from_utc: None,
) -> None:
    text = diagnostics_report(
        english(),
        lookup="Your server is on shard 2 (cluster 0): Reconnecting, ping 87 ms.",
        overall="Partially degraded",
        now_ms=NOW,
        version="0.1.0+abc1234",
        source="live",
    )
    assert text.splitlines() == [
        "SupportMail status report",
        "Lookup: Your server is on shard 2 (cluster 0): Reconnecting, ping 87 ms.",
        "Overall status: Partially degraded",
        f"Time (UTC): {UTC_TEXT}",
        "Locale: en",
        "Page version: 0.1.0+abc1234",
        "Data source: live",
    ]


def test_report_without_a_lookup_says_so() -> None:
    text = diagnostics_report(
        english(), lookup=None, overall="Major outage", now_ms=0, version="v", source="none"
    )
    assert "Lookup: none" in text.splitlines()
    assert "Time (UTC): 1970-01-01 00:00:00" in text.splitlines()


# -- through the controller -------------------------------------------------------------


def copied(guild_input: str | None) -> tuple[str, Controller]:
    """The report a click on "Copy diagnostics" copies, with ``?guild=guild_input``."""
    browser = RecordingBrowser(query={} if guild_input is None else {"guild": guild_input})
    controller = make_controller(browser, env={"STATUSPAGE_MOCK": "never"}, version="0.1.0+abc1234")
    controller.start()
    assert controller.accept(ACK, SourceKind.LIVE)
    assert act(browser, "document", "click", action=Action.COPY) == 1
    assert len(browser.clipboard) == 1
    assert controller.ui.copy_status == "copy.done"
    return browser.clipboard[0], controller


def test_copied_report_names_the_found_shard_cluster_state_and_ping(far_from_utc: None) -> None:
    text, _ = copied(str(DISCORD_API))
    lines = text.splitlines()
    lookup = next(line for line in lines if line.startswith("Lookup: "))
    assert "shard 2" in lookup
    assert "cluster 0" in lookup
    assert "Reconnecting" in lookup
    assert "87 ms" in lookup
    assert "Overall status: Partially degraded" in lines  # one cluster is stopped
    assert f"Time (UTC): {UTC_TEXT}" in lines
    assert "Locale: en" in lines
    assert "Page version: 0.1.0+abc1234" in lines
    assert "Data source: live" in lines


def test_copied_report_names_a_stopped_cluster_when_the_shard_is_on_it() -> None:
    text, _ = copied(f"https://discord.com/channels/{DEVELOPERS}/1")
    lookup = next(line for line in text.splitlines() if line.startswith("Lookup: "))
    assert "shard 8" in lookup
    assert "cluster 2" in lookup
    assert "Stopped" in lookup


def test_copied_report_without_a_lookup_still_has_every_other_field() -> None:
    text, _ = copied(None)
    lines = text.splitlines()
    assert "Lookup: none" in lines
    assert "Overall status: Partially degraded" in lines
    assert any(line.startswith("Time (UTC): 2023-11-14 ") for line in lines)
    assert "Locale: en" in lines
    assert "Page version: 0.1.0+abc1234" in lines
