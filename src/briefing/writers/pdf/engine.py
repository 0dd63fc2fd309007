"""Every change the print makes to the internals of WeasyPrint, pydyf and tinyhtml5, in one place.

The PDF engine is three libraries: tinyhtml5 parses the HTML, WeasyPrint lays it out and paints
the pages, pydyf writes the file. Six things in them made our prints slow (a 150-page briefing
spent seconds in each), and each is changed here, always so that the pages come out the same:
the same text, the same page count, the same pictures (tests/test_engine.py prints the briefing
with and without them and compares). Five leave the file the same to the byte; the quicker last
streams change only how two streams are compressed, never what they hold.

Rules every patch here keeps:

- It was written for, and checked against, the exact versions in `PINNED`. On any other version
  of a library it touches, it is not applied (the library runs stock, slower but correct) and
  the print says so once per process on standard error. A new release must be read against
  each patch before the pin moves; `PINNED` is the list to update, with the lock file.
- Nothing is changed when this module is imported. The PDF writer applies the patches with
  `patched()`, around one print, and everything is put back when the print ends. Prints in one
  process take turns while patched (a lock), so one print's changes never reach another.
- `BRIEFING_STOCK_ENGINE=1` (any value but empty or 0) turns every patch off; a list of patch
  names (`BRIEFING_STOCK_ENGINE=pack-ahead,quicker-last-streams`) turns off only those, to find
  which patch a difference comes from.

Each patch's docstring says what it changes, why, and the upstream issue it works around; where
no upstream issue exists (searched: Kozea/WeasyPrint, CourtBouillon/pydyf and
CourtBouillon/tinyhtml5 trackers), the docstring holds the report text to file.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import metadata
from types import SimpleNamespace
from typing import Any
from xml.etree import ElementTree

import pydyf

from briefing.base.processes import usable_cpus
from briefing.base.sharedlibs import found_by_ldconfig_only

with found_by_ldconfig_only():
    from weasyprint import CSS, HTML

# WeasyPrint's internals the patches reach into. On a version where one has moved, the patches
# are off anyway (PINNED), and the print must still run stock: a failed import is not an error.
try:
    from weasyprint.css.counters import CounterStyle
    from weasyprint.document import Page
    from weasyprint.images import SVGImage
except ImportError:  # pragma: no cover - another WeasyPrint
    CounterStyle = Page = SVGImage = None

try:
    from tinyhtml5 import inputstream
except ImportError:  # pragma: no cover - a WeasyPrint that does not parse with tinyhtml5
    inputstream = None

# The versions every patch below was written for and checked against (distribution names).
PINNED = {"weasyprint": "70.0", "pydyf": "0.13.0", "tinyhtml5": "2.1.0"}
STOCK_ENGINE = "BRIEFING_STOCK_ENGINE"


def installed(library: str) -> str | None:
    """The installed version of a library, as its distribution states it."""
    return _installed(library)


@cache
def _installed(library: str) -> str | None:
    try:
        return metadata.version(library)
    except metadata.PackageNotFoundError:
        return None


_said: set[str] = set()


def _say_once(message: str) -> None:
    """On standard error, as the command line prints its warnings, once per process: a build's
    workers are processes of their own and each says it at most once."""
    if message in _said:
        return
    _said.add(message)
    print(f"briefing: warning: {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the print's own state -----------


@dataclass
class Print:
    """What one print needs from the patches that are on: the names of those patches, the
    packer while pages are painted (pack-ahead), and the HTML document to print."""

    on: frozenset[str]
    packer: _Packer | None = None

    def document(self, html: str, **kwargs: Any) -> HTML:
        """The page as WeasyPrint's document: with the lean default stylesheet when that patch
        is on, WeasyPrint's own `HTML` otherwise."""
        return html_document(html, lean="lean-default-stylesheet" in self.on, **kwargs)

    def images_ahead(self, drawings: Iterable[tuple[str, tuple[str, str]]], fetcher, fonts) -> dict:
        """WeasyPrint's image cache, filled ahead with drawings still being made elsewhere
        (`drawings`: url and declared width and height); empty when that patch is off."""
        if "drawings-ahead" not in self.on:
            return {}
        return {url: LaterDrawing(url, size, fetcher, fonts) for url, size in drawings}

    def finish(self, pdf: pydyf.PDF) -> None:
        """For the print's finisher: the last streams handed to the packer, and every stream
        it compressed put in place."""
        if self.packer is not None:
            self.packer.finish(pdf)


@dataclass(frozen=True)
class Patch:
    name: str
    libraries: tuple[str, ...]  # whose versions in PINNED it was written for
    apply: Callable[[Print], AbstractContextManager]

    @property
    def doc(self) -> str:
        return self.apply.__doc__ or ""


def _turned_off() -> set[str] | None:
    """The patch names BRIEFING_STOCK_ENGINE turns off; None for all of them."""
    value = os.environ.get(STOCK_ENGINE, "").strip()
    if value in ("", "0"):
        return set()
    names = {name.strip() for name in value.split(",") if name.strip()}
    known = {patch.name for patch in PATCHES}
    if not names <= known:  # "1", "yes", "all" and anything else that names no patch
        return None
    return names


def active() -> tuple[Patch, ...]:
    """The patches this process applies: those not turned off, on the versions they were
    written for. Any other version of a library is said once, and its patches left off."""
    off = _turned_off()
    if off is None:
        return ()
    moved = {}
    for library, pinned in PINNED.items():
        if (found := installed(library)) != pinned:
            moved[library] = found
    chosen = []
    for patch in PATCHES:
        if patch.name in off:
            continue
        changed = [library for library in patch.libraries if library in moved]
        if changed:
            for library in changed:
                left = [p.name for p in PATCHES if library in p.libraries]
                _say_once(
                    f"{library} {moved[library] or '(not installed)'} is not the version the "
                    f"print's engine patches were written for ({PINNED[library]}): "
                    f"{', '.join(left)} left off, so {library} runs stock (the same pages, "
                    "printed slower)"
                )
            continue
        chosen.append(patch)
    return tuple(chosen)


_one_print_at_a_time = threading.RLock()


@contextmanager
def patched() -> Iterator[Print]:
    """The active patches applied for one print, and every one undone when it ends."""
    with _one_print_at_a_time, ExitStack() as stack:
        patches = active()
        session = Print(frozenset(patch.name for patch in patches))
        for patch in patches:
            stack.enter_context(patch.apply(session))
        yield session


# ---------------------------------------------------------------- 1. tinyhtml5: pattern cache ----


class PatternCache(dict):
    """Keys are `(characters, opposite)` as `chars_until` asks for them; a missing pattern is
    built here, under that key, exactly as `chars_until` builds it."""

    def __missing__(self, key: tuple) -> re.Pattern:
        characters, opposite = key
        codes = "".join(f"\\x{ord(character):02x}" for character in characters)
        pattern = self[key] = re.compile(f"[{codes if opposite else '^' + codes}]+")
        return pattern


_patterns = PatternCache()  # kept from print to print: the sets of characters never change


def install_pattern_cache() -> Callable[[], None]:
    """Put the working cache in place; returns what puts the library's own back."""
    shipped = getattr(inputstream, "characters_until_regex", None)
    if not isinstance(shipped, dict) or isinstance(shipped, PatternCache):
        return lambda: None
    inputstream.characters_until_regex = _patterns

    def undo() -> None:
        inputstream.characters_until_regex = shipped

    return undo


@contextmanager
def pattern_cache(_print: Print) -> Iterator[None]:
    """tinyhtml5's tokenizer, with its cache of text-scanning patterns working.

    What: `inputstream.characters_until_regex`, the module-level cache `chars_until` reads, is
    replaced during the print by a dict that builds a missing pattern under the right key.
    Why: the parse of the 50-times briefing built a pattern 31,000 times (a quarter of a
    second; a twentieth for the real one), all before the layout can start. The patterns are
    the same, so the tree is the same (tests/test_speed.py compares the trees).
    Upstream: no issue found in CourtBouillon/tinyhtml5 (searched for the cache's name). The
    report to file there:

        Title: chars_until never hits its regex cache (key rebound before it is built)

        In tinyhtml5/inputstream.py (2.1.0), HTMLUnicodeInputStream.chars_until ends its
        cache miss with

            characters = characters_until_regex[(characters, opposite)] = regex

        A chained assignment binds its targets left to right, so `characters` is the
        compiled pattern by the time the dictionary key is built: the pattern is filed under
        (pattern, opposite), the next call with the same characters misses again, and the
        cache grows by one entry per call. html5lib, which this code comes from, used a
        separate name (`chars = charsUntilRegEx[...] = re.compile(...)`). Parsing a 1 MB
        document calls it about 30,000 times. Fix: `regex = re.compile(...)`, then
        `characters_until_regex[(characters, opposite)] = regex`, then use `regex` below.
    """
    undo = install_pattern_cache()
    try:
        yield
    finally:
        undo()


# ---------------------------------------------------------------- 2. pydyf: page references ------


@contextmanager
def page_references(_print: Print) -> Iterator[None]:
    """pydyf's list of page references, built once per page count instead of once per call.

    What: the property `pydyf.PDF.page_references` is replaced, during the print, by one that
    keeps the tuple it built and builds it again only when a page was added.
    Why: WeasyPrint's tagger (weasyprint/pdf/tags.py) asks for the list once per structure
    element, and pydyf builds the whole tuple each time: quadratic in pages, 2.5 s of a
    150-page tagged print. The tuple is the same, so the file is the same to the byte.
    Upstream: no issue found in CourtBouillon/pydyf or Kozea/WeasyPrint. The report to file
    (pydyf):

        Title: PDF.page_references rebuilds the whole tuple on every access

        PDF.page_references (pydyf 0.13.0) is a property that formats one reference per page
        each time it is read. WeasyPrint 70 reads it once per structure element when it
        writes a tagged PDF (pdf_tags=True or a PDF/UA variant), so a 150-page document
        formats about 150 x (number of elements) references: 2.5 s there. Caching it per
        len(self.pages['Kids']), or having the tagger read it once, makes it linear.
    """
    built = pydyf.PDF.__dict__.get("page_references")
    if not isinstance(built, property):
        yield
        return

    def kept(pdf: pydyf.PDF) -> tuple[bytes, ...]:
        kids = pdf.pages["Kids"]
        known = pdf.__dict__.get("_briefing_page_references")
        if known is None or known[0] != len(kids):
            known = (len(kids), built.fget(pdf))
            pdf.__dict__["_briefing_page_references"] = known
        return known[1]

    pydyf.PDF.page_references = property(kept)
    try:
        yield
    finally:
        pydyf.PDF.page_references = built


# ---------------------------------------------------------------- 3. both: streams packed ahead --


def content(stream: pydyf.Stream) -> bytes:
    """What pydyf would compress for this stream (its items are almost always bytes)."""
    try:
        return b"\n".join(stream.stream)
    except TypeError:
        return b"\n".join(pydyf._to_bytes(item) for item in stream.stream)


def deflate(data: bytes, level: int = 9) -> bytes:
    packer = zlib.compressobj(level=level)  # 9 is pydyf's own setting: the same bytes
    return packer.compress(data) + packer.flush()


class _Packer:
    """Compresses the PDF's streams on every processor while the pages are still painted."""

    def __init__(self, threads: ThreadPoolExecutor) -> None:
        self.threads = threads
        self.pending: list[tuple[pydyf.Stream, Future[bytes]]] = []

    def add(self, stream: pydyf.Stream) -> None:
        if not isinstance(stream, pydyf.Stream) or not stream.compress or "Filter" in stream.extra:
            return
        data = content(stream)
        stream.stream = []  # the list goes as soon as it is joined
        stream.extra["Filter"] = "/FlateDecode"  # where pydyf would put it: taken, too
        stream.compress = False
        self.pending.append((stream, self.threads.submit(deflate, data)))

    def finish(self, pdf: pydyf.PDF) -> None:
        for obj in pdf.objects:
            self.add(obj)
        for stream, packed in self.pending:
            stream.stream = [packed.result()]
        self.pending = []


@contextmanager
def pack_ahead(session: Print) -> Iterator[None]:
    """Each page's drawing compressed by a thread as soon as it is painted.

    What: `weasyprint.document.Page.paint` is wrapped, during the print, so that the stream
    it painted goes to a packer; the packer joins the stream's items, sets pydyf's `compress`
    to False with the `/FlateDecode` filter pydyf would have added, and compresses the bytes
    on a thread (zlib releases the interpreter). The print's finisher (`Print.finish`) hands
    the remaining streams (typefaces, images, metadata) over the same way and puts every
    compressed stream in place before pydyf writes the file.
    Why: pydyf compresses every stream one after the other as it writes the file, and until
    then holds each page's drawing as a list of small byte strings (a million of them in a
    200-page print): the packing ran on one processor with nothing beside it, and the lists
    held memory. Each stream ends up as the same bytes pydyf writes (level 9, the same
    dictionary): the file is the same to the byte (tests/test_print.py).
    Upstream: no issue found in Kozea/WeasyPrint or CourtBouillon/pydyf. The report to file
    (pydyf): "Stream.data compresses at write time only: offer Stream.compress_now() (or let
    PDF.write take an executor) so that a producer can compress a finished stream early and
    free its item list; WeasyPrint 70 could call it at the end of Page.paint."
    """
    painter = Page.paint
    with ThreadPoolExecutor(usable_cpus()) as threads:
        session.packer = _Packer(threads)
        packer = session.packer

        def paint(page: Page, stream: pydyf.Stream, scale: float = 1) -> None:
            painter(page, stream, scale)
            packer.add(stream)

        Page.paint = paint
        try:
            yield
        finally:
            Page.paint = painter
            session.packer = None


# ---------------------------------------------------------------- 4. pydyf: last streams ---------

# The level for the two streams pydyf makes as it writes the file.
LAST_STREAMS_LEVEL = 7


@contextmanager
def quicker_last_streams(_print: Print) -> Iterator[None]:
    """The object stream and the cross-reference stream compressed at zlib level 7, not 9.

    What: the property `pydyf.Stream.data` is replaced, during the print, by one that
    compresses a stream whose `/Type` is `/ObjStm` or `/XRef` at level 7 and then writes it
    exactly as pydyf would; every other stream goes through pydyf's own property.
    Why: pydyf makes these two streams as it writes the file, after everything else, and
    compresses them at zlib's slowest level: 0.47 s of a 200-page print, on one processor,
    with nothing left to do beside it. At level 7 they take 0.10 s; the cross-reference
    stream comes out the same size and the object stream 2% larger (the whole file 0.7%).
    What they hold is the same once decompressed (tests/test_print.py); this is the one patch
    that changes the file's bytes, never its pages.
    Upstream: no issue found in CourtBouillon/pydyf. The report to file: "PDF.write
    (compress=True) compresses the object and cross-reference streams at zlib level 9 (the
    Stream.data default); levels above 6 cost three to five times the time for a percent or
    two: could the level be a parameter of PDF.write?"
    """
    written = pydyf.Stream.__dict__.get("data")
    if not isinstance(written, property):
        yield
        return

    def data(stream: pydyf.Stream) -> bytes:
        if not stream.compress or stream.extra.get("Type") not in ("/ObjStm", "/XRef"):
            return written.fget(stream)
        # What pydyf writes for the stream, with the compression done here.
        packed = pydyf.Stream(
            [deflate(content(stream), LAST_STREAMS_LEVEL)],
            {**stream.extra, "Filter": "/FlateDecode"},
        )
        return written.fget(packed)

    pydyf.Stream.data = property(data)
    try:
        yield
    finally:
        pydyf.Stream.data = written


# ---------------------------------------------------------------- 5. WeasyPrint: lean UA sheet ---

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
def lean_sheet() -> CSS | None:
    if _DEFAULT_TEXT is None or CounterStyle is None:
        return None
    text = lean_text(_DEFAULT_TEXT)
    # Its @counter-style rules go to a throwaway registry: the document still takes
    # WeasyPrint's own, which the default sheet filled when WeasyPrint was imported.
    return None if text is None else CSS(string=text, counter_style=CounterStyle())


def html_document(html: str, lean: bool = True, **kwargs: Any) -> HTML:
    """WeasyPrint's document for a page: a lean one if `lean` allows it and nothing in the page
    could tell the difference (`needs_default`), WeasyPrint's stock `HTML` otherwise."""
    if lean and not needs_default(html) and lean_sheet() is not None:
        return LeanHTML(string=html, **kwargs)
    return HTML(string=html, **kwargs)


class LeanHTML(HTML):
    """WeasyPrint's HTML document; with `lean`, printed with the lean default stylesheet.

    What: the private method `HTML._ua_stylesheets` is overridden (in this subclass only, so
    nothing in WeasyPrint itself changes) to hand the layout the default (user-agent)
    stylesheet with its `::marker` rule narrowed to `li` and `summary` and its five footnote
    and sidenote rules left out. The sheet is WeasyPrint's own file as installed
    (`weasyprint.html.UA`), edited in those places only; if any is not found exactly, the
    default sheet is used. A page whose own CSS makes another element a list item, floats a
    footnote or places a note (`needs_default`) gets the default sheet unchanged.
    Why: WeasyPrint computes a style for each pseudo-element a rule names, on every element
    it could apply to, used or not: at 50 times the facts that was 56,000 styles, about 0.4 s
    and 67 MB of a 10 s print, for a few dozen list markers and no footnote at all. The file
    is the same to the byte (tests/test_print.py compares it with the default sheet's).
    Upstream: no issue found in Kozea/WeasyPrint. The report to file: "The user-agent rules
    for ::marker, ::footnote-call, ::footnote-marker, ::note-call, ::note-marker and
    ::note-callback name no element, so a style is computed for each on every element of
    every document (56,000 styles for 9,400 elements in one report). Scoping ::marker to
    elements that can be list items, and computing footnote and note pseudo-elements only
    for elements that float as footnotes or are placed as notes, would spare them."
    """

    lean = True

    def _ua_stylesheets(self, forms: bool = False):
        sheets = super()._ua_stylesheets(forms)
        sheet = lean_sheet()
        if sheet is None:
            return sheets
        return [sheet if default is _DEFAULT_SHEET else default for default in sheets]


@contextmanager
def lean_default_stylesheet(_print: Print) -> Iterator[None]:
    """Nothing to put in place: `Print.document` makes its document a lean one while this
    patch is on (see `LeanHTML` for what, why and the upstream report)."""
    yield


# ---------------------------------------------------------------- 6. WeasyPrint: drawings ahead --


class LaterDrawing:
    """A chart drawing still being made by another worker, as WeasyPrint's image cache holds
    it: an object with `get_intrinsic_size` and `draw`, which is all the layout and the
    painter ask of an image. The layout gets the size from an empty SVG that declares the
    drawing's own width and height (the chart's values decide them, through its kind's `size`
    in `charts/kinds/`); the drawing itself is read, through the print's fetcher, when its
    page is painted."""

    def __init__(self, url: str, size: tuple[str, str], fetcher, fonts) -> None:
        self.url, self.fetcher = url, fetcher
        # What WeasyPrint's layout would have handed the drawing: the print's typefaces (its
        # words are set in them); nothing else, as a chart embeds no images.
        self.context = SimpleNamespace(font_config=fonts)
        width, height = size
        outline = f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"/>'
        self.sized = SVGImage(ElementTree.fromstring(outline), url, fetcher, None)
        self.drawn: SVGImage | None = None

    def get_intrinsic_size(self, image_resolution, font_size):
        return self.sized.get_intrinsic_size(image_resolution, font_size)

    def draw(self, stream, concrete_width, concrete_height, style) -> None:
        if self.drawn is None:
            svg = self.fetcher.fetch(self.url).read()
            tree = ElementTree.fromstring(svg)
            self.drawn = SVGImage(tree, self.url, self.fetcher, self.context)
        self.drawn.draw(stream, concrete_width, concrete_height, style)


@contextmanager
def drawings_ahead(_print: Print) -> Iterator[None]:
    """The print lays out charts still being drawn, and reads each when its page is painted.

    What: WeasyPrint's image cache (the `cache` argument of `write_pdf`, whose values are its
    internal image objects) is filled before the print with a `LaterDrawing` per chart whose
    drawing another worker is still making (`Print.images_ahead`). It builds WeasyPrint's
    own `SVGImage` (an internal class; its constructor and its `context` attribute are what
    70.0 has) once from an outline of the drawing's declared size and once from the drawing.
    Why: WeasyPrint loads every image as it builds the boxes, a tenth of a second into the
    print, when the drawing worker is often still importing matplotlib; without this the
    print waits there for each drawing (the fetcher waits for the file), about a second. The
    layout needs only the size, which the drawing declares the same, so the pages are the
    same to the last bit.
    Upstream: no issue found in Kozea/WeasyPrint; nothing there to report as a bug, as the
    cache's contents are not public API. A request to file: "let an image's intrinsic size
    be given ahead of its data (for example a url_fetcher response that can be read later),
    so that layout can start before every image is available."
    """
    yield


PATCHES: tuple[Patch, ...] = (
    Patch("pattern-cache", ("tinyhtml5",), pattern_cache),
    Patch("page-references", ("pydyf",), page_references),
    Patch("pack-ahead", ("weasyprint", "pydyf"), pack_ahead),
    Patch("quicker-last-streams", ("pydyf",), quicker_last_streams),
    Patch("lean-default-stylesheet", ("weasyprint",), lean_default_stylesheet),
    Patch("drawings-ahead", ("weasyprint",), drawings_ahead),
)
