"""A tiny pure-Python DOM that applies operation lists the way ``static/apply.js`` does.

Same lookup map (``nodes``; a key starting with "#" that is not in it is looked up among
the page's static elements by id, and remembered), same ``insertBefore`` semantics, same
``textContent`` replacing children, same subtree forgetting on remove. It is stricter
than apply.js in one way, on purpose: an operation on an element that does not exist
raises ``DomError`` (apply.js skips an "a" or "t" op on a static element the page lacks;
the simulation refuses it, so a test sees ops sent for nothing).

``SimDom.of(root)``: a document holding one keyed tree (``app.render.vdom.El``);
``SimDom(static_ids)``: a page with these static element ids (``index.html``'s, say).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from app.render.vdom import El, spec

__all__ = ["DomError", "Node", "SimDom"]


class DomError(LookupError):
    """What the browser would throw (TypeError on undefined, NotFoundError, …)."""


class Node:
    __slots__ = ("attrs", "children", "key", "parent", "removed", "tag", "text")

    def __init__(self, tag: str, key: str) -> None:
        self.tag = tag
        self.key = key
        self.attrs: dict[str, str] = {}
        self.text = ""  # the element's own text node; "" means none
        self.children: list[Node] = []
        self.parent: Node | None = None
        self.removed = False  # a static element removed from the page is gone for good

    def descendants(self) -> list[Node]:
        out: list[Node] = []
        for child in self.children:
            out.append(child)
            out += child.descendants()
        return out

    def shape(self) -> Any:
        """(tag, key, sorted attrs, text, children's shapes): comparable with ``el_shape``."""
        return (
            self.tag,
            self.key,
            sorted(self.attrs.items()),
            self.text,
            [c.shape() for c in self.children],
        )


class SimDom:
    """A document driven like static/apply.js ``applyOps``."""

    def __init__(self, static_ids: Iterable[str] = ()) -> None:
        self.static = {f"#{i}": Node("static", f"#{i}") for i in static_ids}
        self.nodes: dict[str, Node] = {}  # apply.js `nodes`
        self.root: Node | None = None

    @classmethod
    def of(cls, root: El) -> SimDom:
        """A document whose only content is ``root``'s tree, built as apply.js builds."""
        dom = cls()
        dom.root = dom.build(spec(root))
        return dom

    # apply.js lookup(key)
    def lookup(self, key: str) -> Node | None:
        node = self.nodes.get(key)
        if node is None and key.startswith("#"):
            node = self.static.get(key)
            if node is None or node.removed:
                return None
            self.nodes[key] = node
        return node

    def need(self, key: str) -> Node:
        node = self.lookup(key)
        if node is None:
            raise DomError(f"lookup({key!r}) is undefined")
        return node

    # apply.js build(spec)
    def build(self, payload: list[Any]) -> Node:
        tag, key, attrs, text, children = payload
        node = Node(tag, key)
        node.attrs.update(attrs)
        if text is not None:
            node.text = text
        for child in children:
            self.insert_before(node, self.build(child), None)
        self.nodes[key] = node
        return node

    @staticmethod
    def insert_before(parent: Node, node: Node, before: Node | None) -> None:
        if before is not None and before.parent is not parent:
            raise DomError(f"NotFoundError: {before.key} is not a child of {parent.key}")
        ancestor: Node | None = parent
        while ancestor is not None:
            if ancestor is node:
                raise DomError(f"HierarchyRequestError: {node.key} into its own subtree")
            ancestor = ancestor.parent
        if node.parent is not None:
            node.parent.children.remove(node)
        index = len(parent.children) if before is None else parent.children.index(before)
        parent.children.insert(index, node)
        node.parent = parent

    def forget_subtree(self, key: str, node: Node) -> None:
        self.nodes.pop(key, None)
        for inner in node.descendants():
            self.nodes.pop(inner.key, None)

    def apply(self, ops: list[list[Any]]) -> int:
        """apply.js ``applyOps``: the ops cross the boundary as JSON text (in ``run``)."""
        decoded = json.loads(json.dumps(ops))
        for op in decoded:
            kind = op[0]
            if kind == "c":
                if op[1] is None:
                    raise DomError("lookup(null): TypeError")
                parent = self.need(op[1])
                before = None if op[2] is None else self.lookup(op[2])
                self.insert_before(parent, self.build(op[3]), before)
            elif kind == "r":
                node = self.lookup(op[1])
                if node is not None:
                    if node.parent is not None:
                        node.parent.children.remove(node)
                        node.parent = None
                    node.removed = True
                    self.forget_subtree(op[1], node)
            elif kind == "m":
                before = None if op[3] is None else self.lookup(op[3])
                self.insert_before(self.need(op[1]), self.need(op[2]), before)
            elif kind == "a":
                node = self.need(op[1])
                for name, value in op[2].items():
                    if value is None:
                        node.attrs.pop(name, None)
                    else:
                        node.attrs[name] = value
            elif kind == "t":
                node = self.need(op[1])
                for child in node.children:  # textContent replaces every child
                    child.parent = None
                node.children = []
                node.text = op[2]
            else:
                raise DomError(f"unknown op {op!r}")
        return len(decoded)

    def child_keys(self, key: str) -> list[str]:
        return [c.key for c in self.need(key).children]

    def shape(self) -> Any:
        assert self.root is not None, "SimDom.of(root) has a root; a page of static ids not"
        return self.root.shape()
