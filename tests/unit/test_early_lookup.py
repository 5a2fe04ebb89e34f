"""A lookup typed before Python ran is answered when it starts, without pressing anything.

The lookup field takes typing while the runtime downloads (static/boot-status.js says
the answer comes once the page has started); ``boot()`` in static/apply.js hands Python
what the field holds, ``BrowserPort.typed_lookup``. The controller answers it as if it
were typed now: the reducer's lookup, the URL's ``?guild=``, the first frame's answer.
"""

from __future__ import annotations

from typing import Any

from app.model.page_state import SourceKind
from app.model.shard_lookup import GuildInputError
from tests.support import RecordingBrowser, ack, cluster, make_controller, messages

GUILD = 81384788765712384  # (>> 22) % 4 = 2 with 4 shards: shard 2
OTHER = 613425648685547541
EN = messages("en")


def lookup_texts(browser: RecordingBrowser) -> list[str]:
    """Every text the page was told to show in #lookup-result, in order."""
    return [
        op[2]
        for (ops,) in browser.sent("apply")
        for op in ops
        if op[0] == "t" and op[1] == "#lookup-result"
    ]


def answered(browser: RecordingBrowser) -> Any:
    c = make_controller(browser)
    c.start()
    return c


def test_a_server_id_typed_before_start_is_answered_and_put_in_the_url() -> None:
    browser = RecordingBrowser(typed=f" {GUILD} ")
    c = answered(browser)
    assert c.ui.lookup is not None and c.ui.lookup.guild_id == GUILD
    assert browser.query_param("guild") == str(GUILD)
    assert browser.inputs == {}  # the field keeps what the visitor typed
    # Before data: the first frame already says the shard is being looked for.
    assert lookup_texts(browser) == [EN["lookup.waiting"]]
    assert c.accept(ack(cluster(0, range(4))), SourceKind.LIVE)
    c.paint()
    found = EN["lookup.found"].split(":")[0].format(shard=2, cluster=0)
    assert lookup_texts(browser)[-1].startswith(found + ":"), lookup_texts(browser)


def test_what_was_typed_takes_the_place_of_the_urls_server() -> None:
    """The visitor's latest intent wins over the link they arrived by."""
    browser = RecordingBrowser(query={"guild": str(OTHER)}, typed=str(GUILD))
    c = answered(browser)
    assert c.ui.lookup is not None and c.ui.lookup.guild_id == GUILD
    assert browser.query_param("guild") == str(GUILD)
    assert browser.inputs == {}


def test_invalid_text_typed_before_start_is_answered_and_leaves_the_url() -> None:
    """Answered like any typing: the error is said, and the URL names no server."""
    browser = RecordingBrowser(query={"guild": str(OTHER)}, typed="discord.gg/abc")
    c = answered(browser)
    assert c.ui.lookup is not None and c.ui.lookup.error is GuildInputError.INVITE_LINK
    assert browser.query_param("guild") is None
    assert lookup_texts(browser) == [EN["lookup.error.invite_link"]]


def test_an_empty_or_blank_field_leaves_the_urls_server_as_it_was() -> None:
    for typed in ("", "   "):
        browser = RecordingBrowser(query={"guild": str(GUILD)}, typed=typed)
        c = answered(browser)
        assert c.ui.lookup is not None and c.ui.lookup.guild_id == GUILD
        assert browser.inputs == {"guild-input": str(GUILD)}
        assert browser.query_param("guild") == str(GUILD)
