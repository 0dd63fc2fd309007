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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pydyf

from briefing.base.sharedlibs import found_by_ldconfig_only

with found_by_ldconfig_only():
    from weasyprint import CSS, Attachment
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from briefing.base import fonts
from briefing.base.errors import InputError
from briefing.base.model import Document
from briefing.base.wording import label
from briefing.charts.draw import DRAWING_FILE, svg_size
from briefing.writers import PDF_VARIANT, WriteContext
from briefing.writers.html import CHART_SCHEME, HtmlWriter, svg_uri
from briefing.writers.pdf import engine, placement
from briefing.writers.pdf.breaks import break_long_tokens
from briefing.writers.pdf.names import keep_names_whole
from briefing.writers.pdf.tables import scope_headers

# The names users give on the command line (PDF_VARIANT), and what WeasyPrint calls them.
VARIANTS = {"pdfua": "pdf/ua-1", "pdfa": "pdf/a-3b"}
DEFAULT_VARIANT = PDF_VARIANT.default
FONT_SCHEME = "briefing-font"
EVIDENCE_NAME = "evidence.json"


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


def _later_drawings(
    doc: Document | None, fetcher: InlineOnlyFetcher
) -> list[tuple[str, tuple[str, str]]]:
    """The drawings still to come, by address, with the size each will declare: the layout
    needs only that, and reads the drawing when its page is painted (engine.drawings_ahead)."""
    if doc is None or not fetcher.drawings:
        return []
    return [
        (url, svg_size(chart.size))
        for chart in doc.charts
        if not chart.svg and (url := svg_uri(chart)).startswith(f"{CHART_SCHEME}:")
    ]


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


def _finisher(descriptions: dict[str, str] | None, session: engine.Print):
    def finish(_document, pdf: pydyf.PDF) -> None:
        scope_headers(pdf)
        if descriptions:
            _describing_links(pdf, descriptions)
        session.finish(pdf)

    return finish


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
    logger = logging.getLogger("weasyprint")
    errors = _EngineErrors()
    logger.addHandler(errors)
    try:
        yield
    finally:
        logger.removeHandler(errors)
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
    if variant in PDF_VARIANT.carrying_evidence and evidence is not None:
        when = doc.generated if doc is not None else None
        attachments.append(
            Attachment(
                file_obj=io.BytesIO(evidence),
                name=EVIDENCE_NAME,
                description=label("evidence_attachment"),
                created=when,
                modified=when,
                relationship="Source",
            )
        )
    try:
        # The engine's patches (engine.py) are applied for this print only, and undone after.
        with _failing_on_engine_errors(), few_collections(), engine.patched() as session:
            page = session.document(html, url_fetcher=fetcher, base_url=None)
            # Names and quoted passages are not hyphenated (names.py); a long unbreakable token
            # costs the print the cube of its length (breaks.py).
            keep_names_whole(page.etree_element)
            break_long_tokens(page.etree_element)
            options = {
                "pdf_variant": VARIANTS[variant],
                "pdf_tags": True,
                "attachments": attachments or None,
                "cache": session.images_ahead(_later_drawings(doc, fetcher), fetcher, font_config),
            }
            laid = page.render(font_config, stylesheets=[faces], **options)
            # A figure that left a page's foot empty goes after the text that can fill it.
            for _ in range(placement.ROUNDS):
                if not placement.moves(laid.pages, page.etree_element):
                    break
                laid = page.render(font_config, stylesheets=[faces], **options)
            laid.write_pdf(
                target,
                finisher=_finisher(link_descriptions(doc) if doc is not None else None, session),
                **options,
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
            PDF_VARIANT.of(ctx.options),
            ctx.evidence,
            doc,
            ctx.drawings,
        )
