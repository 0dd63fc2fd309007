"""Names and quoted passages kept whole at a line's end, for the print only.

The print hyphenates running text (`hyphens: auto`) so that narrow columns do not gape, but a
split name reads as a different word ("Mc-Donald", "Lon-don's"), a name carries no
hyphenation a dictionary knows, and a hyphen inside a quoted title could be the source's own.
So before the print every run of capitalised words (a word with a capital anywhere: "London",
"McDonald", "Royal Society") and every passage in quotation marks (“...”, ‘...’) is wrapped
in a span that turns automatic hyphenation off; lines still break at the spaces inside it.
Ordinary words keep `hyphens: auto`.

One pass over the tree WeasyPrint prints, beside breaks.py: every hyphenated text the print
sets is reached (prose, judgments, the source list), whichever template or field it came from,
and the HTML file a reader opens is left as it was. Each span costs the layout a text box of
its own (a third more print time when every name of the notes had one), so the pass leaves out
what the print stylesheet never hyphenates: headings, table cells, captions and the notes (a
note is a reference, all names and titles).
"""

from __future__ import annotations

import re
from xml.etree import ElementTree

from briefing.writers.pdf.breaks import place_pieces

STYLE = "hyphens: manual"
SHORTEST = 5  # letters: a shorter word cannot be split with two letters kept on each side
_WORD = re.compile(r"[^\W_][\w\u2019'\-]*")
_QUOTED = re.compile(r"\u201c[^\u201c\u201d]*\u201d|\u2018[^\u2018\u2019]*\u2019(?!\w)")
_BETWEEN = re.compile(r"[\s\u2013\u2014\-]*")  # what may lie between two names of one run
_NOT_TEXT = {"style", "script", "head", "title", "template", "textarea", "svg", "math"}
# Set without hyphenation by the print stylesheet (`hyphens: manual`), so nothing to keep whole.
_UNHYPHENATED = {"h1", "h2", "h3", "h4", "h5", "h6", "th", "td", "caption", "figcaption"}
_UNHYPHENATED_ROLES = {"doc-endnotes"}


def _left_out(element: ElementTree.Element) -> bool:
    if not isinstance(element.tag, str):
        return True
    tag = element.tag.lower()
    return tag in _NOT_TEXT or tag in _UNHYPHENATED or element.get("role") in _UNHYPHENATED_ROLES


def _named(word: str) -> bool:
    return len(word) >= SHORTEST and any(c.isupper() for c in word)


def kept_whole(text: str) -> list[tuple[int, int]]:
    """The stretches of `text` (start, end) that must not be hyphenated, merged and in order."""
    spans = [m.span() for m in _QUOTED.finditer(text)]
    spans += [m.span() for m in _WORD.finditer(text) if _named(m.group())]
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and (
            start <= merged[-1][1] or _BETWEEN.fullmatch(text, merged[-1][1], start) is not None
        ):
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def _pieces(text: str) -> list[str | ElementTree.Element] | None:
    """`text` as plain strings and the spans keeping its names whole; None if it has none."""
    stretches = kept_whole(text)
    if not stretches:
        return None
    out: list[str | ElementTree.Element] = []
    last = 0
    for start, end in stretches:
        out.append(text[last:start])
        span = ElementTree.Element("span", {"style": STYLE})
        span.text = text[start:end]
        out.append(span)
        last = end
    out.append(text[last:])
    return out


def keep_names_whole(root: ElementTree.Element) -> int:
    """Wrap the names and quoted passages of `root`'s text in unhyphenated spans (in place);
    how many spans were made."""
    count = 0
    stack = [root]
    while stack:
        element = stack.pop()
        if _left_out(element):
            continue
        children = list(element)
        for index in range(len(children) - 1, -1, -1):
            child = children[index]
            if child.tail and (pieces := _pieces(child.tail)):
                child.tail = pieces[0]
                place_pieces(element, index + 1, pieces)
                count += len(pieces) // 2
        if element.text and (pieces := _pieces(element.text)):
            element.text = pieces[0]
            place_pieces(element, 0, pieces)
            count += len(pieces) // 2
        stack.extend(children)
    return count
