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

from briefing.writers.pdf.breaks import not_text, rewrite_text

STYLE = "hyphens: manual"
SHORTEST = 5  # letters: a shorter word cannot be split with two letters kept on each side
_WORD = re.compile(r"[^\W_][\w\u2019'\-]*")
_QUOTED = re.compile(r"\u201c[^\u201c\u201d]*\u201d|\u2018[^\u2018\u2019]*\u2019(?!\w)")
_BETWEEN = re.compile(r"[\s\u2013\u2014\-]*")  # what may lie between two names of one run
# Set without hyphenation by the print stylesheet (`hyphens: manual`), so nothing to keep whole.
_UNHYPHENATED = {"h1", "h2", "h3", "h4", "h5", "h6", "th", "td", "caption", "figcaption"}
_UNHYPHENATED_ROLES = {"doc-endnotes"}


def _left_out(element: ElementTree.Element) -> bool:
    if not_text(element):
        return True
    return element.tag.lower() in _UNHYPHENATED or element.get("role") in _UNHYPHENATED_ROLES


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
    return rewrite_text(root, _pieces, _left_out)
