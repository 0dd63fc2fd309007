"""Formats as plug-ins: one thin writer per format, each reading the same Document.

A format is one registry entry (name, file extension, and where its writer class lives) plus
one module. Writer modules load only when a build renders, so listing or validating formats
costs nothing, and an up-to-date build never imports WeasyPrint or pandoc. As nbconvert's PDF
exporter extends its HTML exporter, `PdfWriter` extends `HtmlWriter`: the PDF is the HTML
printed, rendered once per document and shared through the context.

Where a document block's rules live (a block: Paragraph, Table, JudgmentList...). A new block is
one node and one rule per writer:

- the node: a subclass of `Block` in `base/model.py`, declaring the template helpers that place
  it (`helpers`: name and arguments), an optional `check` of those arguments and the `make` that
  builds it from them. The helper (`compose/prose.py`), the placeholder-to-node step
  (`compose/document.py`), the notes (`compose/notes.py`) and the mail summary
  (`publish/summary.py`) are generic over the declared nodes: cited text is found by walking
  the node's fields that hold inlines, and `prose`/`summary`/`briefs` say how it counts;
- one rule per writer: HTML (and so the PDF, which prints the HTML) in the packaged
  `templates/layouts/_parts.html.j2` (`block` macro), or in a template of its own,
  `layouts/blocks/<Block>.html.j2`; Word in `RULES` of `writers/docx/writer.py`. Each writer
  refuses a node it has no rule for, naming it and where the rule goes, so a missing rule
  fails the first build, never drops the block silently.

A project's `templates/` no longer holds any of these; it may override `_parts.html.j2` by a
file of the same name (base/templating.py), and then owns the rules for its layouts.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from briefing.base.model import Document


@dataclass
class WriteContext:
    """What writers share for one document: where templates are, which layout and stylesheet
    the report uses, and a cache so the HTML is rendered once for both HTML and PDF."""

    templates: Path
    layout: str
    stylesheets: tuple[str, ...]
    pdf_variant: str = "pdfua"  # "pdfa": PDF/A-3b with the evidence attached
    evidence: bytes | None = None  # the edition's evidence.json, for formats that carry it
    cache: dict[str, Any] = field(default_factory=dict)
    # Where drawings being made by another process will appear, for a print that starts before
    # they are done (it reads each one when it paints that page, waiting if need be).
    drawings: tuple[Path, ...] = ()


class Writer(Protocol):
    def write(self, doc: Document, target: Path, ctx: WriteContext) -> None: ...


@dataclass(frozen=True)
class Format:
    name: str
    extension: str
    media_type: str  # for feeds and web servers
    writer: str  # "module:Class" under briefing.writers, imported on first use
    primary: bool = False  # the format a feed entry or link opens by default
    # Modules its writer needs, imported by a worker while the document is still composed;
    # a format that names some is slow enough to be worth its own process.
    warm: tuple[str, ...] = ()
    needs_png: bool = False  # reads charts as PNG (the others take the SVG)
    from_html: bool = False  # writes the HTML rendering (cached in the context) or prints it

    def load(self) -> Writer:
        module, _, cls = self.writer.partition(":")
        return getattr(importlib.import_module(f"{__name__}.{module}"), cls)()


REGISTRY: dict[str, Format] = {
    f.name: f
    for f in (
        Format(
            "pdf",
            "pdf",
            "application/pdf",
            "pdf.writer:PdfWriter",
            warm=("briefing.writers.pdf.writer",),
            from_html=True,
        ),
        Format(
            "docx",
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx.writer:DocxWriter",
            warm=("docx", "pypandoc"),
            needs_png=True,
        ),
        Format("html", "html", "text/html", "html:HtmlWriter", primary=True, from_html=True),
    )
}
FORMATS: tuple[str, ...] = tuple(REGISTRY)


def write_format(name: str, doc: Document, target: Path, ctx: WriteContext) -> None:
    """One format written, in whichever process runs it (module-level, so a worker can)."""
    REGISTRY[name].load().write(doc, target, ctx)
