"""The house typefaces inside an HTML page, cut to the characters the page shows.

A reader's browser rarely has Source Serif 4 or Source Sans 3, and a briefing may load nothing
from outside itself (it must read the same offline and in mail), so each page carries its faces
as WOFF2 in data: URIs. Whole, the nine faces weigh about a megabyte; cut by HarfBuzz
(fontsubset.py) to the page's characters and packed as WOFF2 each weighs some ten kilobytes.

Which faces: those some text of the page asks for, by the cascade of its stylesheet
(cssfaces.py), each family, weight and style matched to a shipped face as CSS font matching
would, so the browser picks the same face it would pick among all nine.

Which characters: the text of the body, as written and upper-cased (`text-transform`), the
strings the CSS generates (`content: "· "`, `attr(data-label)`), digits and the marks of list
markers and hyphenation. Every chosen face gets them all.

Packing a face as WOFF2 (fontTools and brotli) takes 40 to 90 ms; a build asks for the same
faces and characters again whenever the text is unchanged, so the packed bytes are kept in the
user's cache folder (cachedirs.py), under a key of the face, the characters and the libraries'
versions. The bytes do not depend on the cache: same page in, same page out.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import io
import re
from collections.abc import Iterable
from html.parser import HTMLParser
from importlib import metadata
from pathlib import Path

from briefing.base import fonts
from briefing.base.cachedirs import engine_cache
from briefing.base.cssfaces import asked_fonts
from briefing.base.files import write_atomic
from briefing.base.fontsubset import subset

# Characters a browser draws that the markup does not hold: list numbers and their full stop,
# the bullet of a list, the hyphens it adds when it hyphenates.
DRAWN = "0123456789.\u2022-\u2010 "
# Name records kept: copyright and licence (the OFL asks that they travel with the face), the
# family and style names, and the version.
NAMES = (0, 1, 2, 3, 4, 5, 6, 13, 14, 16, 17)
_CONTENT = re.compile(r"content\s*:\s*([^;}]+)", re.IGNORECASE)
_STRING = re.compile(r""""((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'""")
_ATTR = re.compile(r"attr\(\s*([\w-]+)", re.IGNORECASE)
_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?|\\(.)")
_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)


class _Page(HTMLParser):
    """What a page shows: its text, its CSS, and the values of its attributes (some of which
    the CSS shows, through attr())."""

    HIDDEN = frozenset({"head", "title", "style", "script", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.css: list[str] = []
        self.text: list[str] = []
        self.attributes: dict[str, list[str]] = {}
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is not None and not value.startswith("data:"):
                self.attributes.setdefault(name, []).append(value)
        if tag in self.HIDDEN:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            del self.open[self.open.index(tag) :]

    def handle_data(self, data: str) -> None:
        if self.open and self.open[-1] == "style":
            self.css.append(data)
        elif not self.open:
            self.text.append(data)


def _css_text(value: str) -> str:
    """A CSS string's characters, its escapes (`\\2002`) resolved."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)) if m.group(1) else m.group(2), value)


def characters(page: _Page) -> frozenset[str]:
    """Every character the page can show (see the module's notes)."""
    css = "\n".join(page.css)
    shown = ["".join(page.text), DRAWN]
    for declaration in _CONTENT.findall(css):
        shown += [_css_text(a or b) for a, b in _STRING.findall(declaration)]
        for name in _ATTR.findall(declaration):
            shown += page.attributes.get(name.lower(), [])
    text = "".join(shown)
    return frozenset(text + text.upper() + text.lower()) - set("\n\r\t\f")


def match(faces: Iterable[fonts.Face], weight: int, italic: bool) -> fonts.Face:
    """The face CSS font matching picks among `faces` (one family) for a weight and style: the
    style first (a browser slants an upright face only when there is no italic), then the
    nearest weight in the direction CSS Fonts 4, section 5.2, prescribes."""
    faces = list(faces)
    styled = [f for f in faces if f.italic == italic] or faces

    def order(face: fonts.Face) -> tuple[int, int]:
        w = face.weight
        if weight > 500:
            return (0, w - weight) if w >= weight else (1, weight - w)
        if weight < 400:
            return (0, weight - w) if w <= weight else (1, w - weight)
        if weight <= w <= 500:
            return (0, w - weight)
        return (1, weight - w) if w < weight else (2, w - weight)

    return min(styled, key=order)


def page_faces(html: str) -> list[fonts.Face]:
    """The shipped faces the text of `html` asks for, in the shipped order. Every house family
    a text's font-family list names counts, not only the first."""
    shipped = fonts.faces()
    chosen = set()
    for font in asked_fonts(html):
        for family in set(font.families) & {fonts.SERIF, fonts.SANS}:
            faces = [f for f in shipped if f.family == family]
            chosen.add(match(faces, font.weight, font.italic))
    return [f for f in shipped if f in chosen]


@functools.cache
def _libraries() -> str:
    return "|".join(f"{n} {metadata.version(n)}" for n in ("uharfbuzz", "fonttools", "brotli"))


def _face_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def woff2(face: fonts.Face, chars: frozenset[str]) -> bytes:
    """`face` cut to `chars` and packed as WOFF2, from the cache when it was packed before."""
    key = hashlib.sha256(
        "\n".join(
            [_face_sha256(face.path), _libraries(), repr(NAMES), "".join(sorted(chars))]
        ).encode("utf-8", "surrogatepass")
    ).hexdigest()
    folder = engine_cache("webfonts")
    cached = folder / f"{key}.woff2" if folder is not None else None
    if cached is not None and cached.is_file():
        data = cached.read_bytes()
        if data.startswith(b"wOF2"):
            return data
    data = _pack(subset(face.path, chars, layout=True, hinting=False, names=NAMES))
    if cached is not None:  # one that cannot be written only costs the next build the time
        with contextlib.suppress(OSError):
            write_atomic(cached, data)
    return data


def _pack(ttf: bytes) -> bytes:
    """TrueType bytes as WOFF2; the timestamps are the face's own, so the bytes never vary."""
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(ttf), recalcTimestamp=False, recalcBBoxes=False)
    font.flavor = "woff2"
    out = io.BytesIO()
    font.save(out, reorderTables=False)
    return out.getvalue()


def font_face_css(html: str) -> str:
    """@font-face rules carrying the faces `html` can use, cut to its characters."""
    page = _Page()
    page.feed(html)
    page.close()
    chars = characters(page)
    rules = []
    for face in page_faces(html):
        data = base64.b64encode(woff2(face, chars)).decode("ascii")
        rules.append(
            f'@font-face {{ font-family: "{face.family}"; font-weight: {face.weight}; '
            f"font-style: {'italic' if face.italic else 'normal'}; "
            f'src: url("data:font/woff2;base64,{data}") format("woff2"); }}'
        )
    return "\n".join(rules)


def embed(html: str) -> str:
    """`html` with its faces in a <style> at the end of its head (unchanged if it has no
    head, or its CSS names no house face)."""
    rules = font_face_css(html)
    end = _HEAD_END.search(html)
    if not rules or end is None:
        return html
    return f"{html[: end.start()]}<style>\n{rules}\n</style>\n{html[end.start() :]}"
