"""The PDF writer: WeasyPrint prints the HTML writer's output with the print stylesheet.

Every PDF is tagged (structure tree, marked content, /Lang, alt text, bookmarks) as PDF/UA-1,
so screen readers and reflow work. The archival variant is PDF/A-3b, still tagged, carrying the
edition's evidence (facts and sources as JSON) as an embedded file whose relationship is
`Source`: an archived briefing holds what it was built from.

WeasyPrint would otherwise fetch any URL the HTML names (file:// included). The fetcher below
serves inline data: URIs and the package's own typefaces, and stops the build on anything else,
so neither a template nor a fact can make a build read local files or reach the network.
"""

from __future__ import annotations

import contextlib
import gc
import io
import logging
import time
import zlib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from xml.etree import ElementTree

import pydyf

from ..sharedlibs import found_by_ldconfig_only

with found_by_ldconfig_only():
    from weasyprint import CSS, Attachment
    from weasyprint.document import Page
    from weasyprint.images import SVGImage
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from .. import fonts
from ..charts import DRAWING_FILE, svg_size
from ..errors import InputError
from ..labels import label
from ..model import Document
from ..parallel import usable_cpus
from . import WriteContext, htmlparse
from .breaks import break_long_tokens
from .html import CHART_SCHEME, HtmlWriter, svg_uri
from .uastyles import html_document

# The names users give on the command line, and what WeasyPrint calls them.
VARIANTS = {"pdfua": "pdf/ua-1", "pdfa": "pdf/a-3b"}
DEFAULT_VARIANT = "pdfua"
FONT_SCHEME = "briefing-font"
EVIDENCE_NAME = "evidence.json"

htmlparse.repair()


class InlineOnlyFetcher(URLFetcher):
    """Serves data: URIs, the shipped fonts and the build's own chart drawings; refuses
    everything else, and refusal is fatal."""

    def __init__(self, drawings: tuple[Path, ...] = ()) -> None:
        super().__init__(allowed_protocols={"data"}, fail_on_errors=True, timeout=1)
        self.drawings = drawings

    def fetch(self, url, headers=None):
        if url.startswith(f"{FONT_SCHEME}:"):
            path = fonts.FOLDER / url.partition(":")[2]
            if path.parent == fonts.FOLDER and path.suffix == ".ttf" and path.is_file():
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": "font/ttf"})
        if url.startswith(f"{CHART_SCHEME}:") and self.drawings:
            name = url.partition(":")[2]
            if (drawn := DRAWING_FILE.fullmatch(name)) and drawn.group(2) == "svg":
                svg = _wait_for_drawing(self.drawings, name)
                return URLFetcherResponse(url, svg, {"Content-Type": "image/svg+xml"})
        return super().fetch(url, headers)


DRAWING_WAIT = 600.0  # seconds; the build stops this process sooner if the drawing failed


def _wait_for_drawing(folders: tuple[Path, ...], name: str) -> bytes:
    """A chart another worker is drawing: the print laid out everything it could meanwhile.
    Drawings are written atomically, so a file that exists is whole."""
    deadline = time.monotonic() + DRAWING_WAIT
    while time.monotonic() < deadline:
        for folder in folders:
            with contextlib.suppress(FileNotFoundError):
                return (folder / name).read_bytes()
        time.sleep(0.005)
    raise TimeoutError(f"chart drawing {name} never arrived")


class _LaterDrawing:
    """A chart drawing still being made by another worker, as the print sees it.

    WeasyPrint loads every image as it builds the page's boxes, a tenth of a second into the
    print, when the drawing worker is often still importing matplotlib. The layout needs only
    the picture's size, which the chart's values decide (`charts.SIZES`): WeasyPrint works it
    out here from the very attributes the drawing will carry, so the pages come out the same
    to the last bit. The drawing itself is read when its page is painted, a second later."""

    def __init__(
        self, url: str, inches: tuple[float, float], fetcher: URLFetcher, fonts: FontConfiguration
    ) -> None:
        self.url, self.fetcher = url, fetcher
        # What WeasyPrint's layout would have handed the drawing: the print's typefaces (its
        # words are set in them); nothing else, as a chart embeds no images.
        self.context = SimpleNamespace(font_config=fonts)
        width, height = svg_size(inches)
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


def _later_drawings(
    doc: Document | None, fetcher: InlineOnlyFetcher, fonts: FontConfiguration
) -> dict[str, _LaterDrawing]:
    """WeasyPrint's image cache, filled ahead with the drawings still to come."""
    if doc is None or not fetcher.drawings:
        return {}
    return {
        url: _LaterDrawing(url, chart.size, fetcher, fonts)
        for chart in doc.charts
        if not chart.svg and (url := svg_uri(chart)).startswith(f"{CHART_SCHEME}:")
    }


def _font_url(face: fonts.Face) -> str:
    return f"{FONT_SCHEME}:{face.path.name}"


def link_descriptions(doc: Document) -> dict[str, str]:
    """What each in-document link leads to, in words, keyed by its target id. WeasyPrint
    describes a link annotation by its bare target id ("note-12"); PDF/UA wants a
    description a screen reader can speak."""
    described = {s.id: s.title for s in doc.sections}
    described["notes"] = label("notes")
    described["main"] = label("skip")
    for note in doc.notes:
        described[f"note-{note.number}"] = label("note", n=note.number)
        described[f"ref-{note.number}"] = label("back_to_text", n=note.number)
    for source in doc.sources:
        described[f"source-{source.id}"] = source.name
    for chart in doc.charts:
        described[f"figure-{chart.id}"] = f"{label('figure', n=chart.number)} {chart.title}"
    return described


def _describing_links(pdf: pydyf.PDF, descriptions: dict[str, str]) -> None:
    for obj in pdf.objects:
        if isinstance(obj, dict) and obj.get("Subtype") == "/Link" and "Dest" in obj:
            target = getattr(obj["Dest"], "string", None)
            if target in descriptions:
                obj["Contents"] = pydyf.String(descriptions[target])


def _content(stream: pydyf.Stream) -> bytes:
    """What pydyf would compress for this stream (its items are almost always bytes)."""
    try:
        return b"\n".join(stream.stream)
    except TypeError:
        return b"\n".join(pydyf._to_bytes(item) for item in stream.stream)


def _deflate(data: bytes, level: int = 9) -> bytes:
    packer = zlib.compressobj(level=level)  # 9 is pydyf's own setting: the same bytes
    return packer.compress(data) + packer.flush()


# For the two streams pydyf makes as it writes the file (see _quicker_last_streams).
LAST_STREAMS_LEVEL = 7


class _Packer:
    """Compresses the PDF's streams on every processor while the pages are still being painted.

    pydyf compresses each stream one after the other as it writes the file, and until then
    holds every page's drawing as a list of small byte strings (a million of them in a
    200-page print). Here each page is joined as soon as it is painted and compressed by a
    thread (zlib lets go of the interpreter while it works) while the next page is painted;
    the rest (typefaces, images, metadata) are compressed the same way just before the file
    is written. Each stream ends up as the same bytes pydyf would have written."""

    def __init__(self, threads: ThreadPoolExecutor) -> None:
        self.threads = threads
        self.pending: list[tuple[pydyf.Stream, Future[bytes]]] = []

    def add(self, stream: pydyf.Stream) -> None:
        if not isinstance(stream, pydyf.Stream) or not stream.compress or "Filter" in stream.extra:
            return
        data = _content(stream)
        stream.stream = []  # the list goes as soon as it is joined
        stream.extra["Filter"] = "/FlateDecode"  # where pydyf would put it: taken, too
        stream.compress = False
        self.pending.append((stream, self.threads.submit(_deflate, data)))

    def finish(self, pdf: pydyf.PDF) -> None:
        for obj in pdf.objects:
            self.add(obj)
        for stream, packed in self.pending:
            stream.stream = [packed.result()]
        self.pending = []


@contextmanager
def _packing() -> Iterator[_Packer]:
    """Pages are handed to the packer as they are painted, during this print only."""
    painter = Page.paint
    with ThreadPoolExecutor(usable_cpus()) as threads:
        packer = _Packer(threads)

        def paint(page: Page, stream: pydyf.Stream, scale: float = 1) -> None:
            painter(page, stream, scale)
            packer.add(stream)

        Page.paint = paint
        try:
            yield packer
        finally:
            Page.paint = painter


@contextmanager
def _quicker_last_streams() -> Iterator[None]:
    """The object stream (every dictionary of the file, the structure tree's included) and the
    cross-reference stream are made by pydyf as it writes the file, after everything else, and
    compressed at zlib's slowest level: 0.47 s of a 200-page print, on one processor, with
    nothing left to do beside it. At level 7 they take 0.10 s; the cross-reference stream comes
    out the same size and the object stream 2% larger (the whole file 0.7%)."""
    written = pydyf.Stream.data

    def data(stream: pydyf.Stream) -> bytes:
        if not stream.compress or stream.extra.get("Type") not in ("/ObjStm", "/XRef"):
            return written.fget(stream)
        # What pydyf writes for the stream, with the compression done here.
        packed = pydyf.Stream(
            [_deflate(_content(stream), LAST_STREAMS_LEVEL)],
            {**stream.extra, "Filter": "/FlateDecode"},
        )
        return written.fget(packed)

    pydyf.Stream.data = property(data)
    try:
        yield
    finally:
        pydyf.Stream.data = written


def _finisher(descriptions: dict[str, str] | None, packer: _Packer):
    def finish(_document, pdf: pydyf.PDF) -> None:
        if descriptions:
            _describing_links(pdf, descriptions)
        packer.finish(pdf)

    return finish


def _cached_page_references() -> None:
    """WeasyPrint's tagger asks pydyf for the list of page references once per structure
    element, and pydyf builds the whole list each time: quadratic in pages, 2.5 s of a
    150-page print. The list only grows as pages are added, so it is kept per page count."""
    built = getattr(pydyf.PDF, "page_references", None)
    if not isinstance(built, property) or getattr(built.fget, "cached", False):
        return

    def page_references(pdf: pydyf.PDF) -> tuple[bytes, ...]:
        kids = pdf.pages["Kids"]
        kept = pdf.__dict__.get("_briefing_page_references")
        if kept is None or kept[0] != len(kids):
            kept = (len(kids), built.fget(pdf))
            pdf.__dict__["_briefing_page_references"] = kept
        return kept[1]

    page_references.cached = True  # type: ignore[attr-defined]
    pydyf.PDF.page_references = property(page_references)


_cached_page_references()


@contextmanager
def few_collections() -> Iterator[None]:
    """WeasyPrint makes millions of short-lived objects and almost no reference cycles, so the
    collector's frequent young-generation passes cost about a tenth of a print and free almost
    nothing. During a print it runs a hundred times less often, and never rescans what was
    imported before it (frozen). Memory measured the same either way."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


class _EngineErrors(logging.Handler):
    """WeasyPrint reports a picture it could not load or draw as a logged error and prints the
    page without it. A briefing must not lose a figure without a word: the print fails."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _failing_on_engine_errors() -> Iterator[None]:
    engine = logging.getLogger("weasyprint")
    errors = _EngineErrors()
    engine.addHandler(errors)
    try:
        yield
    finally:
        engine.removeHandler(errors)
    if errors.messages:
        raise RuntimeError("the PDF engine left something out: " + "; ".join(errors.messages))


def write_pdf(
    html: str,
    target: Path,
    layout_name: str,
    variant: str = DEFAULT_VARIANT,
    evidence: bytes | None = None,
    doc: Document | None = None,
    drawings: tuple[Path, ...] = (),
) -> None:
    fetcher = InlineOnlyFetcher(drawings)
    font_config = FontConfiguration()
    faces = CSS(string=fonts.font_face_css(_font_url), font_config=font_config, url_fetcher=fetcher)
    attachments = []
    if variant == "pdfa" and evidence is not None:
        when = doc.generated if doc is not None else None
        attachments.append(
            Attachment(
                file_obj=io.BytesIO(evidence),
                name=EVIDENCE_NAME,
                description="The facts and sources this edition was built from",
                created=when,
                modified=when,
                relationship="Source",
            )
        )
    try:
        with (
            _failing_on_engine_errors(),
            few_collections(),
            _quicker_last_streams(),
            _packing() as packer,
        ):
            page = html_document(html, url_fetcher=fetcher, base_url=None)
            # A long unbreakable token costs the print the cube of its length (breaks.py).
            break_long_tokens(page.etree_element)
            page.write_pdf(
                target,
                stylesheets=[faces],
                font_config=font_config,
                pdf_variant=VARIANTS[variant],
                pdf_tags=True,
                attachments=attachments or None,
                cache=_later_drawings(doc, fetcher, font_config),
                finisher=_finisher(link_descriptions(doc) if doc is not None else None, packer),
            )
    except FatalURLFetchingError as exc:
        raise InputError.one(
            layout_name,
            None,
            f"{exc}; a briefing may only embed inline data (no files or web addresses)",
        ) from None


class PdfWriter(HtmlWriter):
    """The HTML writer's output, printed by WeasyPrint with the print rules of the stylesheet."""

    def write(self, doc: Document, target: Path, ctx: WriteContext) -> None:
        write_pdf(
            self.html(doc, ctx),
            target,
            f"templates/{ctx.layout}",
            ctx.pdf_variant,
            ctx.evidence,
            doc,
            ctx.drawings,
        )
