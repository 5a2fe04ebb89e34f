"""Unit tests for app.render.vdom: the keyed diff and the operations it emits.

``tests.support.dom.SimDom`` is a tiny pure-Python DOM that applies operation lists as
``static/apply.js`` does (same lookup map, same ``insertBefore`` semantics, same
``textContent`` replacing children, same subtree forgetting on remove). Applying
``diff(old, new)`` to a ``SimDom`` built from ``old`` must give a DOM equal to ``new``.
"""

from __future__ import annotations

import doctest
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.render import vdom as vdom_module
from app.render.vdom import El, diff, spec
from tests.support.dom import DomError, SimDom


def el_shape(el: El) -> Any:
    return (
        el.tag,
        el.key,
        sorted(dict(el.attrs).items()),
        el.text or "",
        [el_shape(c) for c in el.children],
    )


def el_keys(el: El) -> set[str]:
    return {el.key}.union(*(el_keys(c) for c in el.children))


def assert_applies(old: El, new: El) -> list[list[Any]]:
    """Apply diff(old, new) to a DOM of ``old``; it must equal ``new`` with no stale keys."""
    dom = SimDom.of(old)
    ops = diff(old, new)
    dom.apply(ops)
    assert dom.shape() == el_shape(new)
    assert set(dom.nodes) == el_keys(new), "the key map leaks or lost live elements"
    for key, node in dom.nodes.items():
        attached = node
        while attached.parent is not None:
            attached = attached.parent
        assert attached is dom.root, f"{key} maps to a detached element"
    return ops


def ul(*children: El, attrs: tuple[tuple[str, str], ...] = ()) -> El:
    return El("ul", "#list", attrs, children=children)


def li(key: str, text: str | None = None, **attrs: str) -> El:
    return El("li", key, tuple(attrs.items()), text)


# -- example-based tests --------------------------------------------------------------------


def test_module_docstring_example_runs() -> None:
    """The example in the module docstring is runnable and correct."""
    assert doctest.testmod(vdom_module).failed == 0


def test_spec_is_the_recursive_creation_payload() -> None:
    """``spec`` gives [tag, key, attrs, text, children] all the way down."""
    tree = El("div", "d", (("class", "x"),), None, (El("b", "b", text="hi"),))
    assert spec(tree) == ["div", "d", {"class": "x"}, None, [["b", "b", {}, "hi", []]]]


def test_identical_trees_emit_no_ops() -> None:
    """Equal trees (even distinct objects) produce an empty operation list."""
    make = lambda: ul(li("a", "A", cls="x"), li("b", "B"))  # noqa: E731
    assert diff(make(), make()) == []
    tree = make()
    assert diff(tree, tree) == []


def test_text_change_is_one_text_op() -> None:
    """Changing one leaf's text emits exactly one "t" op for that key."""
    ops = assert_applies(ul(li("a", "A"), li("b", "B")), ul(li("a", "A"), li("b", "B!")))
    assert ops == [["t", "b", "B!"]]


def test_text_removed_sets_empty_text() -> None:
    """Text going to None is sent as an empty string (textContent = "")."""
    ops = assert_applies(ul(li("a", "A")), ul(li("a")))
    assert ops == [["t", "a", ""]]


def test_attribute_change_sends_only_changed_names() -> None:
    """Only attributes whose value changed are sent."""
    ops = assert_applies(
        ul(li("a", "A", x="1", y="2")),
        ul(li("a", "A", x="1", y="3")),
    )
    assert ops == [["a", "a", {"y": "3"}]]


def test_attribute_removal_is_sent_as_null() -> None:
    """A dropped attribute is sent with a null value, which apply.js removes."""
    ops = assert_applies(ul(li("a", "A", hidden="", x="1")), ul(li("a", "A", x="1")))
    assert ops == [["a", "a", {"hidden": None}]]
    assert json.dumps(ops) == '[["a", "a", {"hidden": null}]]'


def test_attribute_added_and_removed_in_one_op() -> None:
    """Additions, changes and removals on one element travel in a single "a" op."""
    ops = assert_applies(ul(li("a", x="1", y="2")), ul(li("a", y="9", z="3")))
    assert ops == [["a", "a", {"y": "9", "z": "3", "x": None}]]


def test_attribute_order_alone_is_not_a_change() -> None:
    """The same attributes in another order need no op."""
    old = ul(El("li", "a", (("x", "1"), ("y", "2"))))
    new = ul(El("li", "a", (("y", "2"), ("x", "1"))))
    assert diff(old, new) == []


def test_keyed_insert_in_the_middle_is_one_create_before_its_successor() -> None:
    """Inserting one child creates it before the next sibling; nothing else is touched."""
    ops = assert_applies(
        ul(li("a", "A"), li("b", "B"), li("c", "C")),
        ul(li("a", "A"), li("x", "X"), li("b", "B"), li("c", "C")),
    )
    assert ops == [["c", "#list", "b", ["li", "x", {}, "X", []]]]


def test_keyed_append_creates_at_the_end() -> None:
    """Appending creates with before = null."""
    ops = assert_applies(ul(li("a", "A")), ul(li("a", "A"), li("b", "B")))
    assert ops == [["c", "#list", None, ["li", "b", {}, "B", []]]]


def test_keyed_remove_is_one_remove_op() -> None:
    """Removing one child is a single "r"; its siblings stay untouched."""
    ops = assert_applies(
        ul(li("a", "A"), li("b", "B"), li("c", "C")),
        ul(li("a", "A"), li("c", "C")),
    )
    assert ops == [["r", "b"]]


def test_moving_one_element_to_the_end_is_one_move() -> None:
    """A reorder of one element emits one "m", not a rebuild of the list."""
    ops = assert_applies(
        ul(li("a"), li("b"), li("c"), li("d")),
        ul(li("b"), li("c"), li("d"), li("a")),
    )
    assert ops == [["m", "#list", "a", None]]


def test_moving_one_element_forward_is_one_move_before_its_new_successor() -> None:
    """Moving the last element to second place is one "m" placed before its new successor."""
    ops = assert_applies(
        ul(li("a"), li("b"), li("c"), li("d")),
        ul(li("a"), li("d"), li("b"), li("c")),
    )
    assert ops == [["m", "#list", "d", "b"]]


def test_swapping_two_elements_is_one_move() -> None:
    """Swapping two neighbours moves one of them."""
    ops = assert_applies(ul(li("a"), li("b")), ul(li("b"), li("a")))
    assert [op[0] for op in ops] == ["m"]


def test_reversal_moves_all_but_one() -> None:
    """Reversing n children keeps one in place and moves n - 1."""
    keys = "abcdef"
    ops = assert_applies(ul(*(li(k) for k in keys)), ul(*(li(k) for k in reversed(keys))))
    assert [op[0] for op in ops] == ["m"] * (len(keys) - 1)


def test_change_inside_a_moved_child_is_diffed_not_recreated() -> None:
    """A moved child whose text also changed gets a "t" and an "m", never "r" + "c"."""
    ops = assert_applies(ul(li("a", "A"), li("b", "B")), ul(li("b", "B2"), li("a", "A")))
    assert sorted(op[0] for op in ops) == ["m", "t"]
    assert ["t", "b", "B2"] in ops


def test_nested_change_touches_only_the_changed_descendant() -> None:
    """A change deep in one subtree produces ops for that key only."""
    old = El("div", "#root", children=(El("section", "s1", children=(li("x", "1"),)),))
    new = El("div", "#root", children=(El("section", "s1", children=(li("x", "2"),)),))
    assert assert_applies(old, new) == [["t", "x", "2"]]


def test_removing_a_subtree_forgets_every_key_inside_it() -> None:
    """After "r" of a parent, none of its descendants' keys remain mapped (no leak)."""
    old = ul(El("li", "p", children=(El("b", "q", children=(El("i", "r", text="deep"),)),)))
    ops = assert_applies(old, ul())
    assert ops == [["r", "p"]]


def test_element_moving_to_a_later_parent_survives() -> None:
    """A key moving to a sibling processed earlier (the diff walks children from the end)
    ends up in its new parent; its removal from the old parent must not delete it."""
    old = El("div", "#root", children=(El("div", "A", children=(li("x", "X"),)), El("div", "B")))
    new = El("div", "#root", children=(El("div", "A"), El("div", "B", children=(li("x", "X"),))))
    assert_applies(old, new)


def test_descendant_moving_out_of_a_removed_subtree_keeps_its_key_mapped() -> None:
    """A grandchild promoted elsewhere stays addressable after its old ancestor is removed."""
    old = El(
        "div",
        "#root",
        children=(
            El("div", "A", children=(El("div", "x", children=(li("y", "Y"),)),)),
            El("div", "B"),
        ),
    )
    new = El("div", "#root", children=(El("div", "A"), El("div", "B", children=(li("y", "Y"),))))
    assert_applies(old, new)


def test_first_render_from_an_empty_static_element_creates_children() -> None:
    """Diffing from the bare static element (what PageView does first) creates every child."""
    new = ul(li("a", "A"), li("b", "B"))
    ops = assert_applies(ul(), new)
    assert ops == [
        ["c", "#list", None, ["li", "b", {}, "B", []]],
        ["c", "#list", "b", ["li", "a", {}, "A", []]],
    ]


def test_ops_are_json_serialisable_lists() -> None:
    """Every op is a JSON array that survives the boundary unchanged."""
    ops = diff(ul(li("a", "A", k="v")), ul(li("b", "<b>x</b>", k="w")))
    assert json.loads(json.dumps(ops)) == ops


def test_markup_in_text_is_sent_as_a_text_op_value() -> None:
    """Markup in text is carried as a plain string in a "t" op (apply.js sets textContent)."""
    hostile = "<img src=x onerror=alert(1)>"
    ops = assert_applies(ul(li("a", "A")), ul(li("a", hostile)))
    assert ops == [["t", "a", hostile]]


def test_diff_from_none_is_a_single_root_create() -> None:
    """``diff(None, tree)`` describes the whole tree as one create with no parent."""
    tree = ul(li("a", "A"))
    assert diff(None, tree) == [["c", None, None, spec(tree)]]


# -- properties -----------------------------------------------------------------------------

POOL = [f"k{i}" for i in range(10)]
TAG_OF = {k: ("div", "span", "li", "section")[i % 4] for i, k in enumerate(POOL)}


@st.composite
def trees(draw: st.DrawFn) -> El:
    """A tree under ``#root`` from a shared key pool: random shape, order, attrs and text.

    Keys are unique within a tree; a key's tag is fixed (as on the page, where a key names
    one kind of element). Only leaves carry text, as on the page.
    """
    keys = draw(st.lists(st.sampled_from(POOL), unique=True, max_size=len(POOL)))
    parent_of = {k: draw(st.integers(-1, i - 1)) for i, k in enumerate(keys)}
    attrs_of = {
        k: tuple(
            draw(
                st.dictionaries(
                    st.sampled_from(["class", "data-x", "hidden"]),
                    st.sampled_from(["", "1", "2"]),
                    max_size=2,
                )
            ).items()
        )
        for k in keys
    }
    text_of = {k: draw(st.one_of(st.none(), st.sampled_from(["", "a", "b"]))) for k in keys}
    child_keys: dict[int, list[str]] = {}
    for k in keys:
        child_keys.setdefault(parent_of[k], []).append(k)
    # Shuffle sibling order independently of creation order.
    for siblings in child_keys.values():
        siblings[:] = draw(st.permutations(siblings))

    def make(key: str, index: int) -> El:
        kids = tuple(make(c, keys.index(c)) for c in child_keys.get(index, []))
        return El(TAG_OF[key], key, attrs_of[key], None if kids else text_of[key], kids)

    root_attrs = tuple(
        draw(st.dictionaries(st.just("data-r"), st.sampled_from(["1", "2"]))).items()
    )
    return El(
        "div",
        "#root",
        root_attrs,
        children=tuple(make(k, i) for k, i in ((c, keys.index(c)) for c in child_keys.get(-1, []))),
    )


@settings(max_examples=300, deadline=None)
@given(old=trees(), new=trees())
def test_applying_the_diff_turns_old_dom_into_new(old: El, new: El) -> None:
    """For any two trees, applying diff(old, new) to a DOM of old yields exactly new."""
    assert_applies(old, new)


@settings(max_examples=200, deadline=None)
@given(tree=trees())
def test_diff_of_a_tree_with_itself_is_empty(tree: El) -> None:
    """No change, no ops."""
    assert diff(tree, tree) == []
    assert diff(tree, El(tree.tag, tree.key, tree.attrs, tree.text, tree.children)) == []


def _lis_length(seq: list[int]) -> int:
    best = [1] * len(seq)
    for i in range(len(seq)):
        for j in range(i):
            if seq[j] < seq[i]:
                best[i] = max(best[i], best[j] + 1)
    return max(best, default=0)


@settings(max_examples=300, deadline=None)
@given(order=st.permutations(range(15)))
def test_reorder_moves_only_what_the_longest_ordered_run_leaves_out(order: list[int]) -> None:
    """A pure reorder emits only "m" ops, exactly n minus the longest increasing subsequence."""
    old = ul(*(li(f"i{n}", str(n)) for n in range(15)))
    new = ul(*(li(f"i{n}", str(n)) for n in order))
    ops = assert_applies(old, new)
    assert {op[0] for op in ops} <= {"m"}
    assert len(ops) == 15 - _lis_length(order)


@settings(max_examples=300, deadline=None)
@given(
    kept=st.lists(st.integers(0, 19), unique=True, max_size=20),
    added=st.lists(st.integers(20, 29), unique=True, max_size=5),
    data=st.data(),
)
def test_insert_and_remove_emit_one_op_per_changed_key(
    kept: list[int], added: list[int], data: st.DataObject
) -> None:
    """Keeping order, each removed key costs one "r" and each added key one "c"; no moves."""
    old_keys = list(range(20))
    survivors = [k for k in old_keys if k in set(kept)]
    new_keys = list(survivors)
    for k in added:
        new_keys.insert(data.draw(st.integers(0, len(new_keys))), k)
    ops = assert_applies(
        ul(*(li(f"i{k}", str(k)) for k in old_keys)), ul(*(li(f"i{k}", str(k)) for k in new_keys))
    )
    assert sorted(op[0] for op in ops) == ["c"] * len(added) + ["r"] * (20 - len(survivors))


def test_sim_dom_rejects_an_insert_before_a_foreign_node() -> None:
    """The simulator is as strict as the DOM: insertBefore with a non-child reference throws."""
    dom = SimDom.of(
        El("div", "#root", children=(El("div", "A", children=(li("x"),)), El("div", "B")))
    )
    with pytest.raises(DomError):
        dom.apply([["m", "B", "A", "x"]])
