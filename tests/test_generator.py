"""The engine needs no code for a new report: a third report, invented here with its own evidence
base, domains, derived figure and charts, builds in all three formats; and the package holds no
trace of the two real reports."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from briefing.base.errors import Problems
from briefing.cli.main import main
from briefing.config.load import load_evidence
from briefing.publish.pipeline import select_reports

from .conftest import ROOT, docx_document, docx_parts, docx_text, html_text, pdf_text

PACKAGE = ROOT / "src" / "briefing"

SOURCES = """\
- id: harbour-gazette
  name: Harbour Gazette
  reliability: {grade: B, reason: A trade paper with a long record on the port.}
  outlet: The Harbour Gazette
  title: Grain moves again
  published: 2025-03-02
  byline: A. Writer
  file: gazette.txt
  advocate: false
  perspective: A trade paper covering the port.
- id: ministry-bulletin
  name: Ministry bulletin
  reliability: {grade: C, reason: The ministry reports on its own policy.}
  outlet: Ministry of Trade bulletin
  title: Annual trade review
  published: 2025-06
  file: bulletin.txt
  advocate: true
  perspective: The ministry's own account of its policy.
"""

DOMAINS = """\
- {id: trade, label: Trade, slot: 1}
- {id: talks, label: Talks, slot: 5}
"""

FACTS = """\
- id: grain-deal
  date: 2024-05
  domain: trade
  tags: [grain]
  summary: Northland sells wheat to Southport for cash.
  claimant: the Harbour Gazette
  quantities:
    wheat: {value: 400000, unit: tonne}
    price: {value: 120000000, unit: USD}
  derived:
    - id: price-per-tonne
      operation: divide
      inputs: [price, wheat]
      unit: USD-per-tonne
      method: the reported price divided by the tonnage
  citations:
    - {source: harbour-gazette, locator: para. 2}
- id: talks-open
  date: 2023
  domain: talks
  summary: The two ports open formal trade talks.
  claimant: the Ministry of Trade
  citations:
    - {source: ministry-bulletin, locator: p. 4}
- id: talks-close
  date: 2025-01-15
  domain: talks
  tags: [grain]
  summary: The talks conclude with a five-year framework.
  claimant: the Ministry of Trade
  citations:
    - {source: ministry-bulletin, locator: p. 9}
    - {source: harbour-gazette, locator: para. 7}
"""

REPORT = """\
id: port-trade
title: Northland and Southport
subtitle: A test of the engine
author: Test desk
language: en-GB
data:
  sources: data/port/sources.yaml
  facts: data/port/facts.yaml
  domains: data/port/domains.yaml
sections:
  - {id: summary, title: Summary, template: sections/port-trade/summary.md.j2}
  - {id: grain, title: The grain trade, template: sections/port-trade/grain.md.j2}
charts:
  - id: grain-flow
    kind: exchange
    title: "The {year} grain sale"
    caption: As the Harbour Gazette reports it.
    select: {facts: [grain-deal]}
    parties: [Northland, Southport]
    flows:
      - {from: Northland, label: "Wheat: {}", values: [wheat]}
      - {from: Southport, label: "Cash: {}", values: [price]}
    note: {label: "Implied: {}", values: [price-per-tonne]}
  - id: steps
    kind: chronology
    title: "From talks to trade, {first}–{last}"
    caption: Every dated step the sources record.
"""

SUMMARY = """\
{% set deal = facts['grain-deal'] %}
- **Grain leads.** The Harbour Gazette reports a sale of {{ deal.quantities.wheat | qty }} of wheat for {{ deal.quantities.price | qty }} in {{ deal.date }}, about {{ derived['price-per-tonne'] | qty(0) }}.{{ cite('grain-deal') }}
- **Talks framed it.** The Ministry of Trade says talks opened in {{ facts['talks-open'].date }} and closed on {{ facts['talks-close'].date }}.{{ cite('talks-open', 'talks-close') }}
"""

GRAIN = """\
According to the Harbour Gazette, Northland shipped wheat south in {{ facts['grain-deal'].date }}.{{ cite('grain-deal') }}

{{ chart('grain-flow') }}

{{ chart('steps') }}

{{ source_list() }}
"""


def make_project(root: Path) -> Path:
    (root / "data/port").mkdir(parents=True)
    (root / "data/port/sources.yaml").write_text(SOURCES)
    (root / "data/port/domains.yaml").write_text(DOMAINS)
    (root / "data/port/facts.yaml").write_text(FACTS)
    (root / "reports").mkdir()
    (root / "reports/port-trade.yaml").write_text(REPORT)
    shutil.copytree(ROOT / "templates/layouts", root / "templates/layouts")
    shutil.copytree(ROOT / "templates/styles", root / "templates/styles")
    (root / "templates/sections/port-trade").mkdir(parents=True)
    (root / "templates/sections/port-trade/summary.md.j2").write_text(SUMMARY)
    (root / "templates/sections/port-trade/grain.md.j2").write_text(GRAIN)
    return root


@pytest.fixture(scope="module")
def port(tmp_path_factory) -> Path:
    root = make_project(tmp_path_factory.mktemp("port"))
    out = root / "output"
    assert main(["build", "--project", str(root), "--output", str(out), "-q"]) == 0
    return out


def test_an_invented_report_builds_in_all_three_formats(port):
    html = html_text((port / "port-trade.html").read_text(encoding="utf-8"))
    pdf = pdf_text(port / "port-trade.pdf")
    docx = docx_text(port / "port-trade.docx")
    for fmt, text in {"html": html, "pdf": pdf, "docx": docx}.items():
        assert "Northland and Southport" in text, fmt
        assert "400,000 tonnes of wheat for $120 million in May 2024" in text, fmt
        assert "about $300 per tonne" in text, fmt  # the derived figure, computed with units
        assert "Figure 1. The 2024 grain sale" in text, fmt
        assert "Figure 2. From talks to trade, 2023–2025" in text, fmt
        assert "Data for Figure 1" in text and "Data for Figure 2" in text, fmt
        assert "Harbour Gazette" in text and "Ministry bulletin" in text, fmt
    headings = [
        p.text
        for p in docx_document(port / "port-trade.docx").paragraphs
        if p.style.name == "Heading 1"
    ]
    assert headings == ["Summary", "The grain trade"]
    assert len(PdfReader(port / "port-trade.pdf").pages) >= 2


def test_the_invented_charts_carry_their_values_as_text(port):
    page = (port / "port-trade.html").read_text(encoding="utf-8")
    alts = re.findall(r'<img src="data:image/svg\+xml;base64,[^"]+" alt="([^"]+)"', page)
    assert len(alts) == 2
    assert "from Northland to Southport, Wheat: 400,000 tonnes" in alts[0]
    assert "Implied: $300 per tonne" in alts[0]
    assert "2023, The two ports open formal trade talks" in alts[1] and "15 January 2025" in alts[1]
    text = html_text(page)
    assert "Northland Southport Wheat 400,000 tonnes" in text  # a row of the data table


# ---------------------------------------------------------------- no report inside the engine ------


def _package_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py"))


def test_the_package_names_no_fact_source_outlet_or_section_of_any_report():
    code = _package_text()
    problems = Problems()
    found = []
    for spec in select_reports(ROOT, [], problems):
        ev = load_evidence(spec, ROOT, problems)
        names = set(ev.facts) | set(ev.sources) | {s.outlet for s in ev.sources.values()}
        names |= {s.label for s in ev.sources.values()} | set(ev.domains)
        names |= {c.id for c in spec.charts}
        # Section ids that are also engine vocabulary are left out: 'sources' and 'timeline',
        # and 'bottom-line', the opening section `briefing new` starts a report with.
        names |= {s.id for s in spec.sections} - {"sources", "timeline", "bottom-line"}
        for name in sorted(names):
            if re.search(r"[\"']" + re.escape(name) + r"[\"'.]", code):
                found.append(name)
    assert not problems
    assert not found, f"the package names report content: {found}"
    for word in ("Iran", "Venezuela", "TeleSUR", "Maduro", "SIPRI", "Tehran", "Caracas"):
        assert word.lower() not in code.lower(), word


# ---------------------------------------------------------------- the second real report ----------


def test_in_focus_is_built_with_the_briefing_and_fits_two_pages(built):
    pdf = built.folder / "iran-venezuela-in-focus.pdf"
    assert len(PdfReader(pdf).pages) == 2
    text = pdf_text(pdf)
    for title in (
        "Bottom line",
        "Fuel for gold",
        "Working around sanctions",
        "After Maduro's capture",
    ):
        assert title in text
    assert "Figure 1. The 2020 gasoline-for-gold exchange" in text
    assert "Contents" not in text
    in_focus = docx_parts(built.folder / "iran-venezuela-in-focus.docx")["word/document.xml"]
    briefing = docx_parts(built.docx_path)["word/document.xml"]
    assert "PAGEREF _Toc" in briefing and "PAGEREF" not in in_focus  # no contents in a brief


def test_a_report_can_be_built_alone(project, tmp_path, capsys):
    out = tmp_path / "o"
    code = main(
        ["build", "iran-venezuela-in-focus", "-C", str(project), "-o", str(out), "-f", "html", "-q"]
    )
    assert code == 0
    assert sorted(p.name for p in out.glob("*.html") if p.name != "index.html") == [
        "iran-venezuela-in-focus.html"
    ]


# ---------------------------------------------------------------- the door ------------------------


def test_broken_templates_and_stylesheet_are_all_reported_before_rendering(
    project, tmp_path, capsys
):
    from briefing.base.templating import PACKAGED

    from .conftest import edit

    outlook = project / "templates/sections/iran-venezuela/outlook.md.j2"
    outlook.write_text(outlook.read_text() + "\n{% if facts %}\nunclosed\n")
    line_css = edit(project / "templates/styles/briefing.css", "@media print {", "} @media print {")
    # The shared parts are the package's; a project's own copy overrides them, and is checked.
    parts = project / "templates/layouts/_parts.html.j2"
    parts.write_text((PACKAGED / "layouts/_parts.html.j2").read_text() + "\n{% endfor %}\n")
    out = tmp_path / "o"
    code = main(["build", "iran-venezuela", "-C", str(project), "-o", str(out), "-q"])
    err = capsys.readouterr().err
    assert code == 2
    assert re.search(
        r"templates/sections/iran-venezuela/outlook\.md\.j2:\d+: template syntax error", err
    )
    assert re.search(r"templates/layouts/_parts\.html\.j2:\d+: template syntax error", err)
    assert f"templates/styles/briefing.css:{line_css}: CSS syntax error" in err
    assert not (out / "iran-venezuela.pdf").exists()


def test_a_chart_declaration_is_checked_without_drawing(project, tmp_path, capsys):
    import subprocess
    import sys

    from .conftest import edit

    line = edit(
        project / "reports/iran-venezuela.yaml",
        "values: [price-per-barrel-2020]",
        "values: [price-per-barrel-2021]",
    )
    probe = (
        "import sys; from briefing.cli.main import main; "
        f"code = main(['build', 'iran-venezuela', '-C', {str(project)!r}, '-o', {str(tmp_path / 'o')!r}, '-q']); "
        "print(code, 'matplotlib' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout.strip() == "2 False", done.stderr
    text = (project / "reports/iran-venezuela.yaml").read_text().splitlines()
    declared = text.index("  - id: fuel-for-gold") + 1
    assert declared < line
    assert f"reports/iran-venezuela.yaml:{declared}: chart 'fuel-for-gold'" in done.stderr
    assert "price-per-barrel-2021" in done.stderr


# ---------------------------------------------------------------- writers -------------------------


def test_a_writer_meets_an_unknown_node_with_an_error():
    from datetime import date

    from briefing.base.model import Document, Paragraph, PartialDate, Section, Text
    from briefing.writers.docx.writer import blocks
    from briefing.writers.html import render_html

    class Mystery:
        pass

    def doc(block) -> Document:
        return Document(
            "r",
            "T",
            "",
            "A",
            "S",
            [],
            "en",
            PartialDate(2026),
            date(2026, 1, 1),
            [Section("s", "S", [block])],
            [],
            [],
            [],
        )

    for bad in (Mystery(), Paragraph([Text("fine"), Mystery()])):
        with pytest.raises(TypeError, match="no rule for Mystery"):
            render_html(doc(bad), ROOT / "templates")
        with pytest.raises(TypeError, match="no rule for Mystery"):
            blocks(doc(bad))


def test_formats_are_a_registry_and_pdf_extends_html():
    from briefing.writers import FORMATS, REGISTRY
    from briefing.writers.html import HtmlWriter

    assert FORMATS == ("pdf", "docx", "html")
    assert isinstance(REGISTRY["pdf"].load(), HtmlWriter)
    assert {f.media_type for f in REGISTRY.values()} >= {"application/pdf", "text/html"}
