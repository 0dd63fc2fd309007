"""Figures and tables placed as a typesetter places floats: after the text that can go first.

A figure's drawing or a short table cannot be split, so when one does not fit at the foot of a
page the engine moves it to the next page and leaves the foot empty (a fifth of a page and more
for a chart). WeasyPrint has no page floats, so the print does what a typesetter does by hand:
after laying out the pages it looks for a page left more than `GAP` empty while the next page
opens with a figure or table that its section follows with a paragraph or a list, and moves the
figure or table after that paragraph in the printed tree. The text then fills the gap and the
figure follows it, still inside its section and under its heading. The pages are laid out
again, at most `ROUNDS` times; a document with no such gap is laid out once, as before.

Only the tree WeasyPrint prints is changed: the HTML file a reader opens keeps the order the
author wrote. The laid-out pages are read (never changed) through the boxes of WeasyPrint's
`Page` objects, the tree its own drawing code reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree import ElementTree

GAP = 0.10  # of the page's text area, left empty at its foot before a figure moves
ROUNDS = 2  # layouts after the first, at most
FLOWING = {"p", "ul", "ol", "blockquote", "dl"}  # blocks that can fill a gap, breaking
_MOVABLE = (("figure", "chart"), ("div", "table-wrap"))  # figure.chart and div.table-wrap


def _movable(element: ElementTree.Element) -> bool:
    classes = (element.get("class") or "").split()
    return any(element.tag == tag and name in classes for tag, name in _MOVABLE)


def _flow(page):
    """The root box of the page's flow (the page box's other children are its margin boxes)."""
    children = page._page_box.children
    return children[0] if children else None


def _descendants(box) -> Iterator:
    stack = [box]
    while stack:
        box = stack.pop()
        yield box
        stack.extend(getattr(box, "children", ()))


def empty_part(page) -> float:
    """How much of the page's text area is left empty below its lowest line or picture."""
    box = page._page_box
    top, height = box.content_box_y(), box.height
    lowest = top
    flow = _flow(page)
    for child in _descendants(flow) if flow is not None else ():
        kind = type(child).__name__
        if kind in ("LineBox", "TableRowBox") or kind.endswith("ReplacedBox"):
            lowest = max(lowest, child.position_y + child.margin_height())
    return max(0.0, (top + height - lowest) / height) if height else 0.0


def _opening(page) -> ElementTree.Element | None:
    """The figure or table the page's flow begins with, if it begins with one."""
    box = _flow(page)
    while box is not None:
        element = getattr(box, "element", None)
        if element is not None and _movable(element):
            return element
        children = getattr(box, "children", None)
        box = children[0] if children else None
    return None


def moves(pages: list, root: ElementTree.Element) -> int:
    """Move each figure or table that opens a page after an emptied one past the paragraph
    that follows it (in `root`, in place); how many moved."""
    parents = {child: parent for parent in root.iter() for child in parent}
    moved = 0
    for before, page in zip(pages, pages[1:], strict=False):
        element = _opening(page)
        if element is None or element not in parents or empty_part(before) <= GAP:
            continue
        parent = parents[element]
        siblings = list(parent)
        at = siblings.index(element)
        if at + 1 >= len(siblings) or siblings[at + 1].tag not in FLOWING:
            continue  # the last block of its section, or followed by one that cannot break
        parent.remove(element)
        parent.insert(at + 1, element)
        moved += 1
    return moved
