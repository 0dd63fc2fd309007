"""WeasyPrint's own default stylesheet, less the rules a given document cannot use.

The default (user-agent) stylesheet has six rules for pseudo-elements that name no element:
`::marker`, two for footnotes and three for sidenotes. WeasyPrint computes a style for each of
them on every element of the document, used or not: at 50 times the facts that is 56,000
styles, about 0.4 s and 67 MB of a 10 s print, for a few dozen list markers and no footnote at
all. Here the marker rule is narrowed to the elements that draw markers (list items and
summaries), and the footnote and sidenote rules are left out of a document that floats no
footnote and places no note. A document whose own CSS makes some other element a list item, or
uses footnotes or notes, gets the default stylesheet unchanged.

The sheet is WeasyPrint's own file as installed, edited in those places only; if any of them is
not found as expected (another WeasyPrint version), the default sheet is used. Either way the
printed file is the same, byte for byte (tests/test_print.py compares them).
"""

from __future__ import annotations

import re
from functools import lru_cache

from weasyprint import CSS, HTML
from weasyprint.css.counters import CounterStyle

# The default stylesheet's text, in the form WeasyPrint parses it; None if it moved.
try:
    from weasyprint.html import UA as _DEFAULT_TEXT
    from weasyprint.html import UA_STYLESHEET as _DEFAULT_SHEET
except ImportError:  # pragma: no cover - another WeasyPrint
    _DEFAULT_TEXT = _DEFAULT_SHEET = None

_MARKER = re.compile(r"^::marker \{", re.M)
_NOTES = re.compile(r"^::(?:footnote|note)-[a-z]+ \{[^}]*\}\n", re.M)
NOTE_RULES = 5  # ::footnote-call, ::footnote-marker, ::note-call, ::note-marker, ::note-callback

# What in a document's own CSS would need the rules left out.
_OTHER_LIST_ITEMS = re.compile(r"display\s*:[^;}\"]*list-item", re.I)
_NOTES_USED = re.compile(r"float\s*:\s*footnote|note\(", re.I)


def needs_default(html: str) -> bool:
    """Whether the document (its markup with its inline CSS) could use a rule the lean sheet
    leaves out."""
    return bool(_OTHER_LIST_ITEMS.search(html) or _NOTES_USED.search(html))


def lean_text(text: str) -> str | None:
    """The default sheet's text with the marker rule narrowed and the note rules removed; None
    unless each was found exactly as expected."""
    narrowed, markers = _MARKER.subn("li::marker, summary::marker {", text)
    lean, notes = _NOTES.subn("", narrowed)
    return lean if markers == 1 and notes == NOTE_RULES else None


@lru_cache(maxsize=1)
def _lean_sheet() -> CSS | None:
    text = lean_text(_DEFAULT_TEXT) if _DEFAULT_TEXT is not None else None
    # Its @counter-style rules go to a throwaway registry: the document still takes
    # WeasyPrint's own, which the default sheet filled when WeasyPrint was imported.
    return None if text is None else CSS(string=text, counter_style=CounterStyle())


class LeanHTML(HTML):
    """An HTML document printed with the lean default stylesheet when nothing in it could tell
    the difference (`needs_default`)."""

    def __init__(self, *args, lean: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lean = lean

    def _ua_stylesheets(self, forms: bool = False):
        sheets = super()._ua_stylesheets(forms)
        sheet = _lean_sheet() if self.lean else None
        if sheet is None:
            return sheets
        return [sheet if default is _DEFAULT_SHEET else default for default in sheets]


def html_document(html: str, **kwargs) -> HTML:
    return LeanHTML(string=html, lean=not needs_default(html), **kwargs)
