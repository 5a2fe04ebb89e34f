"""Turn the page's state into DOM operations, one batch per render pass.

``PageView.render`` builds the pass's ``Frame``, asks each region of the page
(``app/render/regions/``) for its ``El`` trees, rooted at static elements of
``index.html`` (``#overall``, ``#clusters``…), diffs each against what it rendered last
time and returns a ``Rendered``: the operations for ``static/apply.js`` and everything
else the controller needs to finish the pass (title, status, found shard…). Nothing
calls back into the view. Unchanged clusters and shards produce no operations at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from app.model.changelog import ChangeLog
from app.model.format import Formatter
from app.model.i18n import Catalogue
from app.model.page_state import PageState
from app.model.snapshot import Snapshot
from app.model.ui_state import UiState
from app.model.vocabulary import OverallStatus
from app.render.context import Counts, Frame, Shards, count, found_shard
from app.render.memo import Memo
from app.render.regions import (
    changes,
    clusters,
    details,
    diagnostics,
    glance,
    header,
    lookup,
    watch,
)
from app.render.vdom import El, Op, diff
from app.render.wording import Wording

__all__ = ["STARTS_HIDDEN", "PageView", "Rendered"]

# The static elements index.html hides until the page shows them. A region's first tree
# is diffed against the element as the HTML has it, so that one shown in the very first
# pass (a failure known before the first frame, preview data at once) loses its
# ``hidden``; tests/unit/test_page_view.py checks this set against index.html.
STARTS_HIDDEN = frozenset({"#preview-banner", "#notice", "#filter-status", "#diagnostics"})


@dataclass(frozen=True, slots=True)
class Rendered:
    """One render pass, as the controller needs it."""

    ops: list[Op]
    title: str  # the document title
    status_label: str  # the overall status in words (announced when it changes)
    status: OverallStatus | None  # None until data has arrived: no favicon yet
    found_shard: int | None  # the shard the lookup points at
    lookup_text: str | None  # the lookup's answer, None when nothing was asked


class PageView:
    """Keeps the last rendered trees and answers each render with the operations needed."""

    def __init__(self, catalogue: Catalogue, formatter: Formatter) -> None:
        self.wording = Wording(catalogue, formatter)
        self._trees: dict[str, El] = {}
        self._placeholders_removed = False
        self._memo = Memo()
        self._counted: tuple[Snapshot, Counts] | None = None
        self._capped: dict[tuple[int, int | None, int | None], tuple[Shards, Shards]] = {}

    def _counts(self, snapshot: Snapshot | None) -> Counts | None:
        if snapshot is None:
            return None
        # Compared by identity: a new answer is a new Snapshot, and the once-a-second
        # redraws between answers reuse the counts.
        if self._counted is None or self._counted[0] is not snapshot:
            self._counted = (snapshot, count(snapshot))
            self._capped.clear()
        return self._counted[1]

    def render(
        self, state: PageState, ui: UiState, now_ms: float, changes: ChangeLog | None = None
    ) -> Rendered:
        w = self.wording
        frame = Frame(
            w=w,
            memo=self._memo,
            state=state,
            ui=ui,
            now_ms=now_ms,
            changes=changes or ChangeLog(),
            counts=self._counts(state.snapshot),
            found=found_shard(state.snapshot, ui.lookup),
            lookup=w.lookup_answer(state.snapshot, ui.lookup),
            stale=state.is_stale(now_ms),
            capped=self._capped,
        )
        ops: list[Op] = []
        if state.snapshot is not None and not self._placeholders_removed:
            ops.append(["r", "#placeholders"])
            self._placeholders_removed = True
        for tree in _regions(frame):
            previous = self._trees.get(tree.key) or _as_served(tree)
            ops += diff(previous, tree)
            self._trees[tree.key] = tree
        self._memo.end_pass()
        label = w.overall_label(state)
        kind, answer = frame.lookup
        return Rendered(
            ops=ops,
            title=w.text("title.status", status=label),
            status_label=label,
            status=state.overall if state.snapshot is not None else None,
            found_shard=frame.found,
            lookup_text=answer if kind else None,
        )

    # -- the last known status (app/render/last_known.py): what is on screen, and forgetting it

    def rendered(self) -> dict[str, El]:
        """The trees last rendered, by root key (read-only by convention)."""
        return self._trees

    def forget(self, keys: Iterable[str]) -> None:
        """Treat these roots as never rendered: the next pass draws them from scratch."""
        for key in keys:
            self._trees.pop(key, None)


def _regions(f: Frame) -> Iterator[El]:
    """Every region of the page, in document order."""
    yield from header.header(f)
    yield from watch.watch(f)
    yield lookup.lookup(f)
    yield from glance.glance(f)
    yield clusters.clusters(f)
    yield from changes.changes(f)
    yield details.details(f)
    yield diagnostics.diagnostics(f)


def _as_served(tree: El) -> El:
    """The element before the page's first pass: as index.html serves it (hidden or not;
    the regions set every other attribute they manage), or nothing for a created one."""
    hidden = (("hidden", ""),) if tree.key in STARTS_HIDDEN else ()
    return El(tree.tag, tree.key, hidden)
