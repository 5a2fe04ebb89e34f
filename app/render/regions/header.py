"""The page's head: ``<html>`` hooks, overall status, notice, preview banner, theme, locales."""

from __future__ import annotations

from collections.abc import Iterator

from app.model.i18n import LOCALES, locale_path
from app.model.page_state import SourceKind
from app.model.vocabulary import OVERALL_STYLES
from app.render.context import Frame, attrs, link
from app.render.vdom import El

__all__ = ["header"]


def header(f: Frame) -> Iterator[El]:
    state, w = f.state, f.w
    connection = link(state)
    yield El(
        "html",
        "#html",
        attrs(
            ("data-status", state.overall.value),
            ("data-source", state.source.value if state.source else None),
            ("data-stale", "" if f.stale else None),
            ("data-connection", connection),
            ("data-theme", f.ui.theme),
            ("data-watching", "" if f.ui.watch.active else None),
        ),
    )
    style = OVERALL_STYLES[state.overall]
    yield El(
        "section",
        "#overall",
        attrs(("data-health", style.health.value), ("data-shape", style.shape)),
    )
    yield El("span", "#overall-title", text=w.overall_label(state))
    counts = f.counts
    detail = w.overall_detail(
        state.snapshot, counts.healthy if counts else 0, counts.running if counts else 0
    )
    yield El("span", "#overall-detail", text=detail)
    yield El("span", "#connection", text=w.text(f"connection.{connection}"))
    yield El(
        "p",
        "#updated",
        attrs(("data-stale", "" if f.stale else None)),
        text=w.updated(state, f.stale, f.now_ms),
    )
    yield _notice(f)
    yield El(
        "div",
        "#preview-banner",
        attrs(("hidden", None if state.source is SourceKind.MOCK else "")),
    )
    dark = f.ui.dark
    yield El(
        "button",
        "#theme-toggle",
        attrs(
            ("aria-pressed", "true" if dark else "false"),
            ("title", w.text("theme.to_light" if dark else "theme.to_dark")),
        ),
        text=w.text("theme.toggle"),
    )
    for locale in LOCALES:
        yield El("a", f"#locale-{locale}", (("href", locale_path(locale) + f.ui.search),))


def _notice(f: Frame) -> El:
    state = f.state
    if state.source is SourceKind.MOCK or not (state.failing or state.busy):
        return El("div", "#notice", attrs(("hidden", ""), ("data-notice", None)), text="")
    if not state.failing:
        # Answers arrive, slowly: the page says why it asks less often.
        return El(
            "div", "#notice", attrs(("hidden", None), ("data-notice", "busy")), text=f.w.busy(state)
        )
    title = f.w.text("notice.unavailable")
    text = f"{title} {f.w.failure(state, f.now_ms)}".strip()
    return El("div", "#notice", attrs(("hidden", None), ("data-notice", "failure")), text=text)
