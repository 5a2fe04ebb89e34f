"""The shared test harness (``tests.support``) does what it says.

``RecordingBrowser`` must stay a ``BrowserPort``: statically, through the typed
assignment below (``.venv/bin/mypy tests/support tests/unit/test_harness.py``; the
project's own mypy run follows ``tests.support`` from ``tools/``), and at run time,
method by method. It records only the seam's commands (``app.seam.Command``), with their arity,
and models the page's address, events and listeners as ``app.runtime.Browser`` does.
"""

from __future__ import annotations

import asyncio
import doctest
import inspect

import pytest

from app.model.page_state import SourceKind
from app.ports import BrowserPort, Location, UiEvent
from app.render.vdom import El
from app.seam import Action, Command, UiKind
from tests.support import (
    NOW,
    DomError,
    PageEvent,
    RecordingBrowser,
    SimDom,
    ack,
    act,
    catalogue,
    cluster,
    english,
    make_controller,
    messages,
    settle,
)
from tests.support import acks as acks_module


def test_the_recording_browser_is_a_browser_port() -> None:
    port: BrowserPort = RecordingBrowser()  # mypy checks every method's signature here
    assert port.now_ms() == NOW


def port_methods() -> list[str]:
    return [
        name for name, _ in inspect.getmembers(BrowserPort, inspect.isfunction) if name[0] != "_"
    ]


def test_every_port_method_is_implemented_with_the_ports_parameters() -> None:
    """No catch-all: each method is the recorder's own, with the same parameters, async
    where the port's is."""
    assert "__getattr__" not in vars(RecordingBrowser)
    assert len(port_methods()) >= 30
    for name in port_methods():
        wanted, mine = getattr(BrowserPort, name), vars(RecordingBrowser)[name]
        assert inspect.iscoroutinefunction(mine) == inspect.iscoroutinefunction(wanted), name
        ours = inspect.signature(mine).parameters
        theirs = inspect.signature(wanted).parameters
        assert [(p.name, p.kind, p.default, p.annotation) for p in ours.values()] == [
            (p.name, p.kind, p.default, p.annotation) for p in theirs.values()
        ], name


def every_write(browser: RecordingBrowser) -> None:
    """Call every port method that writes to the page once."""
    browser.apply([["t", "#notice", "x"]])
    browser.record_render("data", 1.5)
    browser.set_title("Title")
    browser.set_favicon([("fill", "#000")], 32)
    browser.announce("Major outage")
    listener = browser.listen("window", "focus", lambda event: None)
    listener.close()
    browser.mark_ready()
    browser.replace_query_param("guild", "1")
    browser.set_input_value("guild-input", "1")
    browser.scroll_to_shard(2)
    browser.focus_shard(2)
    browser.show_details(2)
    browser.hide_details()
    browser.store_theme("dark")
    browser.store_watch(True)
    browser.notify("Title", "Body")
    browser.drop_last_known()
    browser.store_last_known(None)
    asyncio.run(browser.write_clipboard("report"))
    asyncio.run(browser.request_notifications())
    browser.close()


def test_only_declared_commands_are_recorded_with_their_arity() -> None:
    """Every command the seam declares (``app.seam.Command``) but the runtime's own
    report of where Python runs is recorded, with its declared arity (what apply.js
    implements is compared with the same table in tests/unit/test_seam.py)."""
    browser = RecordingBrowser()
    every_write(browser)
    arity = {c.spelling: c.arity for c in Command}
    assert {command[0] for command in browser.commands} == set(arity) - {"reportRuntime"}
    for name, *args in browser.commands:
        assert len(args) == arity[name], name


def test_writes_are_kept_by_kind_and_flushed_in_batches() -> None:
    browser = RecordingBrowser(permission="default", answer="denied")
    every_write(browser)
    assert browser.title == "Title" and browser.favicon == ([("fill", "#000")], 32)
    assert browser.announced == ["Major outage"] and browser.ready
    assert ["t", "#live-region", "Major outage"] in browser.ops()
    assert ["a", "#html", {"data-ready": ""}] in browser.ops()
    assert browser.renders == [("data", 1.5)]
    assert browser.inputs == {"guild-input": "1"}
    assert (browser.scrolled_to, browser.focused, browser.details) == ([2], [2], None)
    assert (browser.theme, browser.watch) == ("dark", True)
    assert browser.notes == [("Title", "Body")] and browser.clipboard == ["report"]
    assert browser.dropped_last_known and browser.stored_last_known == [None]
    assert (browser.asked, browser.permission) == (1, "denied")
    assert browser.closed and browser.listeners == {}
    # Waiting on the main thread (the clipboard) flushes first, as the runtime does.
    assert browser.batches == [browser.commands]
    assert browser.batches[0][-1] == ["storeLastKnown", None]
    browser.set_title("Title")
    assert browser.sent("setTitle") == [["Title"]]  # unchanged titles are not sent


def test_the_address_reads_and_changes_like_url_search_params() -> None:
    browser = RecordingBrowser(url="http://localhost:8000/sub/?mock=1&guild=5&guild=6")
    assert browser.location() == Location("http:", "localhost", "?mock=1&guild=5&guild=6", "/sub/")
    assert browser.query_param("guild") == "5"
    assert browser.query_param("nope") is None
    assert browser.replace_query_param("guild", "7 8") == "?mock=1&guild=7+8"
    assert browser.query_param("guild") == "7 8"
    assert browser.replace_query_param("mock", None) == "?guild=7+8"
    assert browser.replace_query_param("guild", None) == ""
    assert browser.location() == Location("http:", "localhost", "", "/sub/")
    assert browser.sent("replaceUrl")[-1] == ["http://localhost:8000/sub/"]
    assert RecordingBrowser(query={"guild": ""}).query_param("guild") == ""
    assert RecordingBrowser().location() == Location("https:", "status.test", "", "/")


def test_events_reach_the_listeners_of_their_target_and_kind() -> None:
    browser = RecordingBrowser()
    seen: list[UiEvent | None] = []
    browser.listen("document", "click", lambda event: seen.append(browser.ui_event(event)))
    browser.listen("window", "click", lambda event: seen.append(None))  # never this target
    assert browser.fire("document", "click", action=Action.COPY, shard_id=3) == 1
    assert browser.fire("document", "click") == 1
    assert browser.fire("document", "keydown") == 0
    assert seen == [UiEvent(UiKind.CLICK, action=Action.COPY, shard_id=3), UiEvent(UiKind.CLICK)]
    assert browser.listened("document") == ["click"]
    assert browser.ui_event(PageEvent("keydown", "document")) == UiEvent(UiKind.KEYDOWN)


def test_a_started_controller_follows_the_pages_events() -> None:
    browser = RecordingBrowser(theme="dark", query={"guild": "81384788765712384"})
    c = make_controller(browser)
    c.start()
    assert c.ui.theme == "dark" and c.ui.lookup is not None
    assert browser.inputs == {"guild-input": "81384788765712384"}
    assert set(browser.listened("window")) == {"focus", "online", "offline", "pagehide"}
    assert browser.title and browser.batches  # the first frame, flushed
    browser.set_online(False)
    assert c.state.connection.value == "offline"
    assert act(browser, "document", "click", action=Action.THEME) == 1
    assert browser.theme == "light" and browser.sent("storeTheme") == [["light"]]


def test_the_controller_has_no_source_unless_given_one() -> None:
    c = make_controller()
    with pytest.raises(AssertionError, match="no source"):
        asyncio.run(c.refresh())
    assert c.accept(ack(cluster(0, range(2))), SourceKind.LIVE)
    assert not c.accept({"success": False}, SourceKind.LIVE)


def test_settle_waits_for_tasks_and_the_tasks_they_start() -> None:
    done: list[str] = []
    tasks: list[asyncio.Future[None]] = []

    async def inner() -> None:
        await asyncio.sleep(0)
        done.append("inner")

    async def outer() -> None:
        await asyncio.sleep(0)
        tasks.append(asyncio.ensure_future(inner()))
        done.append("outer")

    async def go() -> None:
        tasks.append(asyncio.ensure_future(outer()))
        await settle()

    asyncio.run(go())
    assert done == ["outer", "inner"]


def test_catalogues_are_the_locale_files() -> None:
    assert english().locale == "en" and catalogue("fr").locale == "fr"
    assert "overall.title" in english() or messages("en")
    copy = messages("en")
    copy.clear()
    assert messages("en"), "messages() hands out copies"


def test_ack_builders() -> None:
    assert doctest.testmod(acks_module).failed == 0


def test_sim_dom_finds_static_elements_by_id_until_removed() -> None:
    page = SimDom({"html", "clusters"})
    page.apply([["c", "#clusters", None, ["div", "c0", {"class": "cluster"}, "x", []]]])
    assert page.child_keys("#clusters") == ["c0"]
    page.apply([["a", "#html", {"data-ready": ""}], ["r", "#clusters"]])
    assert page.need("#html").attrs == {"data-ready": ""}
    assert page.lookup("#clusters") is None and page.lookup("c0") is None
    with pytest.raises(DomError):
        page.apply([["t", "#missing", "text"]])  # apply.js would skip it: the model refuses
    with pytest.raises(DomError):
        page.apply([["z", "#html"]])


def test_sim_dom_of_a_tree_builds_it_as_apply_js_does() -> None:
    dom = SimDom.of(El("ul", "#list", children=(El("li", "a", text="A"),)))
    assert dom.shape() == ("ul", "#list", [], "", [("li", "a", [], "A", [])])
    assert set(dom.nodes) == {"#list", "a"}
    with pytest.raises(DomError):
        dom.apply([["m", "a", "#list", None]])  # into its own subtree
