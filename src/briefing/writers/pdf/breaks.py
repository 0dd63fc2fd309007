"""Break opportunities in long tokens, for the print only.

WeasyPrint lays out a line by trying the text that is left; a token with no break opportunity
(a pasted identifier, a URL, a string of letters) is retried whole for every line it fills, and
with `hyphens: auto` once for every hyphenation point the dictionary finds in it. Cubic in the
token's length: 2,000 letters in one locator added 12 s to a print, 5,000 about 300 s.

So before the print, every run of more than `LONG_TOKEN` characters without a space in the
page's text gets a zero-width space (U+200B) after every `CHUNK` characters, and is wrapped in
a span that turns off automatic hyphenation (a hyphen inside a URL or an identifier would be a
character that is not there), lets a piece break anywhere if even it does not fit, and sets no
ligatures (one formed across a zero-width space, "f|ff", lost its letters from the PDF's text).
Each line then costs what one line costs. A zero-width space is invisible, and a PDF reader
neither shows nor copies it: the text read back from the PDF is the token, whole.

Only the tree WeasyPrint prints is changed, and only its text: attributes, CSS and the HTML
file a reader opens (and copies from) stay as they were.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from xml.etree import ElementTree

ZWSP = "\u200b"
# Longer than any word of a natural language (the longest English words in dictionaries have
# about 30 letters), so ordinary words keep their hyphenation.
LONG_TOKEN = 40
CHUNK = 10  # characters between break opportunities: a line loses fewer than ten at its end
STYLE = "hyphens: manual; overflow-wrap: anywhere; font-variant-ligatures: none"
_RUN = re.compile(rf"[^\s{ZWSP}]{{{LONG_TOKEN + 1},}}")
# Elements whose content is not laid out as text.
NOT_TEXT = {"style", "script", "head", "title", "template", "textarea", "svg", "math"}


def broken(token: str) -> str:
    return ZWSP.join(token[i : i + CHUNK] for i in range(0, len(token), CHUNK))


def _pieces(text: str) -> list[str | ElementTree.Element] | None:
    """`text` as plain strings and spans holding its long tokens; None if it has none."""
    if _RUN.search(text) is None:
        return None
    out: list[str | ElementTree.Element] = []
    last = 0
    for match in _RUN.finditer(text):
        out.append(text[last : match.start()])
        span = ElementTree.Element("span", {"style": STYLE})
        span.text = broken(match.group())
        out.append(span)
        last = match.end()
    out.append(text[last:])
    return out


def place_pieces(parent: ElementTree.Element, at: int, pieces: list) -> None:
    """Put `pieces` into `parent` from child position `at`: the first string becomes the text
    before them (the caller sets it), each span is inserted with the next string as its tail."""
    for span, tail in zip(pieces[1::2], pieces[2::2], strict=True):
        span.tail = tail
        parent.insert(at, span)
        at += 1


def rewrite_text(
    root: ElementTree.Element,
    pieces_of: Callable[[str], list[str | ElementTree.Element] | None],
    left_out: Callable[[ElementTree.Element], bool],
) -> int:
    """Replace each text and tail under `root` (but inside elements `left_out` skips) by the
    pieces `pieces_of` makes of it, strings and elements in turn (in place); how many elements
    were placed. The one walk both print passes (this module's and names.py) make."""
    count = 0
    stack = [root]
    while stack:
        element = stack.pop()
        if left_out(element):
            continue
        children = list(element)
        # Tails first, from the last child back, so earlier positions stay valid.
        for index in range(len(children) - 1, -1, -1):
            child = children[index]
            if child.tail and (pieces := pieces_of(child.tail)):
                child.tail = pieces[0]
                place_pieces(element, index + 1, pieces)
                count += len(pieces) // 2
        if element.text and (pieces := pieces_of(element.text)):
            element.text = pieces[0]
            place_pieces(element, 0, pieces)
            count += len(pieces) // 2
        stack.extend(children)
    return count


def not_text(element: ElementTree.Element) -> bool:
    """Comments, processing instructions and elements whose content is not text to set."""
    return not isinstance(element.tag, str) or element.tag.lower() in NOT_TEXT


def break_long_tokens(root: ElementTree.Element) -> int:
    """Give the long tokens of `root`'s text break opportunities (in place); how many."""
    return rewrite_text(root, _pieces, not_text)
