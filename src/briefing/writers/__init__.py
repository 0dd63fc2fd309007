"""Formats as plug-ins: one thin writer per format, each reading the same Document.

A format is one registry entry (name, file extension, where its writer class lives, the options
it offers and what the build should know of it) plus one module. The build asks the registry,
never a format's name: which formats are worth a worker of their own, which print the HTML, which
need PNG charts. A format's options are its own: the command line offers each as a flag, the
fingerprint covers the value chosen, and only its writer reads it. Writer modules load only when
a build renders, so listing or validating formats costs nothing, and an up-to-date build never
imports WeasyPrint or pandoc. As nbconvert's PDF exporter extends its HTML exporter, `PdfWriter`
extends `HtmlWriter`: the PDF is the HTML printed, rendered once per document and shared through
the context.

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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from briefing.base.model import Document
from briefing.base.sharedlibs import check_pdf_libraries


@dataclass(frozen=True)
class Option:
    """A choice one format offers, as `--<name>` on the command line (underscores as dashes).
    The name is also its key in `WriteContext.options` and in the manifest's options, so it
    carries its format's name to stay unique across formats."""

    name: str
    choices: tuple[str, ...]
    default: str
    help: str
    # The choices with which the file embeds the edition's evidence snapshot: the edition then
    # keeps every fact (not only those the report uses), and the snapshot is written first.
    carrying_evidence: tuple[str, ...] = ()

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def of(self, chosen: Mapping[str, str]) -> str:
        """The value chosen for this option, or its default."""
        return chosen.get(self.name, self.default)


@dataclass
class WriteContext:
    """What writers share for one document: where templates are, which layout and stylesheet
    the report uses, and a cache so the HTML is rendered once for both HTML and PDF."""

    templates: Path
    layout: str
    stylesheets: tuple[str, ...]
    # Every option of the formats being built (Option.name -> value); each writer reads its own.
    options: dict[str, str] = field(default_factory=dict)
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
    # The build's longest task: with one report, the workers drawing charts or writing other
    # formats yield the processors to the one writing this (see workers.warm).
    critical: bool = False
    options: tuple[Option, ...] = ()
    # Run before any work when this format is asked for: raises if the system cannot write it,
    # so a build stops with one line instead of failing deep inside the writer.
    check_system: Callable[[], None] | None = None

    def load(self) -> Writer:
        module, _, cls = self.writer.partition(":")
        return getattr(importlib.import_module(f"{__name__}.{module}"), cls)()

    def carries_evidence(self, chosen: Mapping[str, str]) -> bool:
        """Whether this format, with these options, embeds the edition's evidence."""
        return any(o.of(chosen) in o.carrying_evidence for o in self.options)


# The PDF's standard. Its name carries the format's (see Option).
PDF_VARIANT = Option(
    "pdf_variant",
    ("pdfua", "pdfa"),
    "pdfua",
    "pdfua: tagged PDF/UA-1 (default); pdfa: archival PDF/A-3b, tagged, with the "
    "edition's facts and sources attached as evidence.json",
    carrying_evidence=("pdfa",),
)


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
            critical=True,
            options=(PDF_VARIANT,),
            check_system=check_pdf_libraries,
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
OPTIONS: tuple[Option, ...] = tuple(o for f in REGISTRY.values() for o in f.options)


def chosen_options(formats: Iterable[str], given: Mapping[str, str]) -> dict[str, str]:
    """Every option of `formats`, as given or by default, and nothing of the other formats':
    what a build of those formats writes with, and what its fingerprint covers."""
    return {o.name: o.of(given) for f in FORMATS if f in formats for o in REGISTRY[f].options}


def write_format(name: str, doc: Document, target: Path, ctx: WriteContext) -> None:
    """One format written, in whichever process runs it (module-level, so a worker can)."""
    REGISTRY[name].load().write(doc, target, ctx)


def check_system(formats: Iterable[str]) -> None:
    """Each registered format among `formats` checks the system can write it (Format.
    check_system), before any work; names that are not formats are passed over."""
    for name in formats:
        fmt = REGISTRY.get(name)
        if fmt is not None and fmt.check_system is not None:
            fmt.check_system()
