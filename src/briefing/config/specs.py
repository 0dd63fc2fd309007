"""What a report declares and what it rests on: the report definition (reports/<id>.yaml,
checked and resolved) and its evidence (sources, facts, domains, judgments). The pipeline's
stages take these; only load.py makes them. Kept apart from the loader so that a stage that
needs the shapes does not import the reading and checking of every input."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from briefing.base.model import Domain, Fact, Judgment, Source
from briefing.config.chartspec import ChartSpec

UNDATED = "undated"
RESERVED_SECTION = "what-changed"  # composed by the engine for every edition after the first
# Report ids whose output files would take a name the output folder gives something else: the
# front page is output/index.html (publish/catalog.py); output/drafts/ is where the `watch` of
# earlier releases wrote its drafts, and may still hold them.
RESERVED_REPORT_IDS = {
    "index": "output/index.html is the output folder's front page",
    "drafts": "output/drafts/ holds the drafts earlier releases wrote",
}


@dataclass(frozen=True)
class SectionSpec:
    id: str
    title: str
    template: str
    origin: str


@dataclass(frozen=True)
class ReportSpec:
    """A report definition from reports/<id>.yaml, paths already resolved."""

    id: str
    path: Path
    title: str
    subtitle: str
    author: str
    subject: str
    keywords: tuple[str, ...]
    language: str
    sources_file: Path
    facts_paths: tuple[Path, ...]
    domains_file: Path
    sections: tuple[SectionSpec, ...]
    charts: tuple[ChartSpec, ...]
    judgments_file: Path | None = None  # the report's key judgments, if it makes any
    layout: str = "layouts/briefing.html.j2"  # under templates/; the HTML, printed as the PDF
    # under templates/, applied in order (a report's sheet can refine a shared one)
    stylesheets: tuple[str, ...] = ("styles/briefing.css",)
    contents: bool = True  # a contents list (HTML, PDF) and a contents field (DOCX)
    # The label a layout sets over the title (a cover's or masthead's kicker); empty: the
    # house label (wording's `kicker`).
    kicker: str = ""


@dataclass(frozen=True)
class Evidence:
    sources: dict[str, Source]
    facts: dict[str, Fact]
    domains: dict[str, Domain]  # in declared order
    judgments: tuple[Judgment, ...] = ()  # the report's analysis, resting on the facts
