"""The built briefing, read back from all three formats."""

from __future__ import annotations

import base64
import html as html_lib
import re
import struct
import zipfile
from datetime import date
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest
from pypdf import PdfReader

from briefing.base import precision
from briefing.base.derive import derive
from briefing.base.errors import Problems
from briefing.charts.data import prepare
from briefing.publish.pipeline import select_reports

from .conftest import REPORT, ROOT, docx_document, docx_parts, normalise, section_titles, xml_text

SECTIONS = [
    "Key judgments",
    "How the partnership was built",
    "Energy: what moves, and at what price",
    "Paying under sanctions",
    "Drones and proxies",
    "Beyond oil: industry and health",
    "What each side gains",
    "After Maduro's capture",
    "What to watch",
    "Timeline",
    "Sources and method",
]

# Figures and dates as the source articles give them; each must reach every format.
FROM_SOURCES = [
    "1947",  # formal relations (TeleSUR)
    "1970",  # ambassadors appointed
    "1975",  # the Shah's visit
    "1977",  # Pérez in Tehran
    "1991",  # persona non grata
    "1995",  # dialogue resumes
    "2006",  # Mohajer supplies begin
    "2009",  # Binational Bank, vehicle assembly
    "2.35 million barrels",  # 2020 gasoline
    "nine tons",  # gold paid, as the source has it
    "$500 million",  # value of the gold
    "11 per cent",  # SIPRI share
    "second-largest",  # SIPRI rank
    "some 300 agreements",  # CSIS estimate, 2001 to 2013
    "1.9 million doses",  # polio vaccines, 2025
    "3 January 2026",  # capture of Maduro
    "20-year",  # 2022 cooperation agreement
    "100-day",  # 2023 Paraguaná plan
]


def _order(text: str, needles: list[str]) -> list[int]:
    positions, start = [], 0
    for needle in needles:
        found = text.find(needle, start)
        positions.append(found)
        if found >= 0:
            start = found + len(needle)
    return positions


# ---------------------------------------------------------------- structure -----------------------


class _Headings(HTMLParser):
    def __init__(self):
        super().__init__()
        self.h2: list[str] = []
        self._in = False
        self.in_main = False

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.in_main = True
        if tag == "h2" and self.in_main:
            self._in = True
            self.h2.append("")

    def handle_endtag(self, tag):
        if tag == "h2":
            self._in = False
        if tag == "main":
            self.in_main = False

    def handle_data(self, data):
        if self._in:
            self.h2[-1] += data


def test_html_sections_are_the_eleven_in_order(built):
    parser = _Headings()
    parser.feed(built.html)
    assert [normalise(h) for h in parser.h2] == SECTIONS


def test_docx_sections_use_word_heading_styles_in_order(built):
    doc = docx_document(built.docx_path)
    headings = [normalise(p.text) for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == SECTIONS


def test_pdf_bookmarks_and_text_follow_the_section_order(built):
    reader = PdfReader(built.pdf_path)
    titles = [normalise(item.title) for item in reader.outline if not isinstance(item, list)]
    assert [t for t in titles if t in SECTIONS] == SECTIONS
    body = built.pdf_plain.split("Notes", 1)[1]  # after the contents page
    assert -1 not in _order(body, SECTIONS)


def test_pdf_contents_page_lists_page_numbers(built):
    contents = normalise(PdfReader(built.pdf_path).pages[1].extract_text())
    for title in SECTIONS:
        assert re.search(re.escape(title) + r"[ .]*\d+", contents), title


# ---------------------------------------------------------------- facts and figures ---------------


@pytest.mark.parametrize("fmt", ["html", "pdf", "docx"])
def test_figures_and_dates_from_the_sources_appear(built, fmt):
    text = built.texts[fmt]
    missing = [needle for needle in FROM_SOURCES if needle not in text]
    assert not missing, f"{fmt} lacks {missing}"


@pytest.mark.parametrize("fmt", ["html", "pdf", "docx"])
def test_derived_price_per_barrel_is_computed_from_the_data(built, fmt):
    deal = built.evidence.facts["gasoline-for-gold-2020"].quantities
    expected = deal["payment"].value / deal["gasoline"].value
    price = derive(built.evidence.facts)["price-per-barrel-2020"].quantity
    assert price.value == pytest.approx(expected)
    # Shown no more precisely than its least precise input, the one-figure "$500 million".
    assert price.significant == 1 == deal["payment"].significant
    shown = precision.rounded(expected, price.significant)
    assert f"about ${shown:,.0f} per barrel" in built.texts[fmt]


@pytest.mark.parametrize("fmt", ["html", "pdf", "docx"])
def test_cover_shows_current_to_and_generated_dates(built, fmt):
    text = built.texts[fmt]
    assert "18 November 2026" in text  # SOURCE_DATE_EPOCH set by the fixture
    # The newest facts are dated "by 18 January 2026", the day of the report that gives them.
    assert re.search(r"current to:? 18 January 2026", text, re.I)


@pytest.mark.parametrize("fmt", ["html", "pdf", "docx"])
def test_advocate_claims_are_attributed(built, fmt):
    text = built.texts[fmt]
    assert "The January 2026 news report says Iran supplied Mohajer" in text
    assert "Atlantic Council experts argue" in text
    assert "TeleSUR" in text and "SIPRI" in text and "CSIS" in text


# ---------------------------------------------------------------- charts --------------------------


def test_html_embeds_two_svg_charts_with_alt_text(built):
    figures = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"', built.html)
    assert len(figures) == 2
    for payload, alt in figures:
        svg = base64.b64decode(payload)
        assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg
        assert len(alt) > 60
    assert "2.35 million barrels of gasoline" in figures[1][1] or any(
        "2.35 million barrels" in alt for _, alt in figures
    )


@pytest.mark.parametrize("fmt", ["html", "pdf", "docx"])
def test_every_chart_is_captioned_with_a_source_line(built, fmt):
    text = built.texts[fmt]
    for number, title in enumerate(
        [
            "Milestones in the partnership, 1947–2026",
            "The 2020 gasoline-for-gold exchange",
        ],
        start=1,
    ):
        assert f"Figure {number}. {title}" in text, (fmt, title)
    assert text.count("Source: ") >= 2


def test_pdf_draws_the_charts_as_vector_graphics_with_real_text(built):
    """Charts arrive as vector paths inside tagged /Figure content, never as raster images, and
    their words are text (searchable, read aloud), not glyph outlines."""
    reader = PdfReader(built.pdf_path)
    drawn = 0
    for page in reader.pages:
        xobjects = page.get("/Resources", {}).get("/XObject", {}) or {}
        assert not [x for x in xobjects.values() if x.get_object().get("/Subtype") == "/Image"]
        content = page.get_contents().get_data()
        if b"/Figure" in content and content.count(b" l\n") + content.count(b" re\n") > 20:
            drawn += 1
    assert drawn >= 2
    # The exchange's arrow labels exist only in the drawing, filled in from the fact's figures.
    assert "Gasoline: 2.35 million barrels" in built.pdf_plain
    assert "Gold: 9 tons, valued at $500 million" in built.pdf_plain


def test_docx_has_two_png_charts_of_at_least_150_dpi_with_alt_text(built):
    with zipfile.ZipFile(built.docx_path) as z:
        pngs = [
            z.read(n) for n in z.namelist() if n.startswith("word/media/") and n.endswith(".png")
        ]
        document = z.read("word/document.xml").decode()
    assert len(pngs) == 2
    for png in pngs:
        width = struct.unpack(">I", png[16:20])[0]
        assert width / 6.5 >= 150  # pixels over the widest it is shown (page width in inches)
    descrs = re.findall(r'<wp:docPr [^>]*descr="([^"]*)"', document)
    assert len(descrs) == 2 and all(len(d) > 60 for d in descrs)


# ---------------------------------------------------------------- citations -----------------------


def _html_notes(html: str) -> dict[int, list[str]]:
    return {
        int(n): ids.split()
        for n, ids in re.findall(r'<li id="note-(\d+)" data-facts="([^"]*)"', html)
    }


def test_every_html_note_reference_resolves_to_a_note_and_a_source(built):
    html = built.html
    refs = re.findall(r'href="#note-(\d+)"', html)
    notes = _html_notes(html)
    assert refs and set(map(int, refs)) == set(notes)
    source_ids = set(re.findall(r'<div class="source" id="source-([^"]+)"', html))
    assert source_ids == set(built.evidence.sources)
    for target in re.findall(r'href="#source-([^"]+)"', html):
        assert target in source_ids


def test_docx_footnotes_are_native_and_match_the_html_notes(built):
    parts = docx_parts(built.docx_path)
    footnotes = re.findall(
        r'<w:footnote (?:(?!w:type=)[^>])*w:id="(\d+)"', parts["word/footnotes.xml"]
    )
    refs = re.findall(r"<w:footnoteReference w:id=\"(\d+)\"", parts["word/document.xml"])
    assert len(refs) == len(_html_notes(built.html)) == len(set(refs))
    assert set(refs) <= set(footnotes)


def _locators(evidence, fact_ids):
    return {fid: normalise(evidence.facts[fid].citations[0].locator) for fid in fact_ids}


def test_the_same_facts_are_cited_in_every_format(built):
    cited = {fid for ids in _html_notes(built.html).values() for fid in ids}
    assert cited, "no notes in the HTML"
    locators = _locators(built.evidence, built.evidence.facts)
    notes_pdf = built.pdf_plain  # locators appear only in the notes
    footnotes = xml_text(docx_parts(built.docx_path)["word/footnotes.xml"])
    notes_html = normalise(re.sub(r"<[^>]+>", " ", built.html.split('id="notes"', 1)[1]))
    notes_html = notes_html.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&")
    notes_html = re.sub(r"\s+([,.;])", r"\1", notes_html)
    for name, text in {"html": notes_html, "pdf": notes_pdf, "docx": footnotes}.items():
        # (compared without spaces and hyphens, which line breaks in the PDF move about)
        flat = re.sub(r"[\s\-]", "", text)
        present = {fid for fid, loc in locators.items() if re.sub(r"[\s\-]", "", loc) in flat}
        assert present == cited, (
            f"{name}: missing {sorted(cited - present)}, extra {sorted(present - cited)}"
        )


# ---------------------------------------------------------------- format specifics ----------------


def test_html_is_self_contained(built):
    html = built.html
    assert "<link" not in html and "<script" not in html
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith(("#", "data:")), url
    assert 'name="viewport"' in html and '<html lang="en-GB">' in html
    assert re.search(r'<nav class="toc"', html)


def test_pdf_is_a4_with_metadata(built):
    reader = PdfReader(built.pdf_path)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    meta = reader.metadata
    assert meta.title.startswith("Iran and Venezuela")
    assert meta.author == "Briefing desk"
    assert "Iran and Venezuela" in meta.subject
    assert reader.trailer["/Root"].get("/Lang") == "en-GB"
    header_page = normalise(reader.pages[3].extract_text())
    assert "Iran and Venezuela" in header_page  # running head: title and section
    assert re.search(r"Information current to 18 January 2026 Page 4 of \d+", header_page)


def test_docx_has_filled_contents_captions_and_properties(built):
    parts = docx_parts(built.docx_path)
    document = parts["word/document.xml"]
    # The contents list is there before any field update: one linked line per section, each
    # with a PAGEREF to a bookmark on that section's heading.
    entries = re.findall(
        r'<w:hyperlink w:anchor="(_Toc\w+)"[^>]*><w:r><w:t[^>]*>([^<]+)</w:t>', document
    )
    titles = section_titles()
    assert [normalise(t) for _, t in entries] == [normalise(t) for t in titles]
    for anchor, _ in entries:
        assert f'w:name="{anchor}"' in document and f"PAGEREF {anchor}" in document
    assert "Figure 1. Milestones" in xml_text(document)
    assert "Table 1." in xml_text(document)
    core = docx_document(built.docx_path).core_properties
    assert core.title == "Iran and Venezuela"
    assert core.author == "Briefing desk"
    assert "Iran and Venezuela" in (core.subject or "")
    assert "OPEC" in (core.keywords or "")
    assert core.language == "en-GB"
    assert core.created.date() == core.modified.date() == date(2026, 11, 18)
    assert core.version.startswith("briefing ")


def test_timeline_lists_every_dated_fact(built):
    dated = [f for f in built.evidence.facts.values() if f.date]
    for fmt, text in built.texts.items():
        timeline = text.split("Table 1.", 1)[1]
        for fact in dated:
            assert normalise(fact.summary) in timeline, (fmt, fact.id)


def test_outputs_have_report_names_and_lead_into_the_first_edition(built):
    edition = built.folder / REPORT / "editions" / "2026-11-18"
    for ext in ("docx", "html", "pdf"):
        top = built.folder / f"{REPORT}.{ext}"
        assert top.resolve() == (edition / f"{REPORT}.{ext}").resolve()
    assert "What changed" not in built.html_plain  # a first edition has nothing to compare


def test_identical_inputs_give_identical_files(built, tmp_path, monkeypatch):
    from briefing.cli.main import main

    from .conftest import EPOCH, ROOT

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    assert main(["build", "--project", str(ROOT), "--output", str(tmp_path), "-q"]) == 0
    for ext in ("html", "pdf", "docx"):
        name = f"{REPORT}.{ext}"
        assert (tmp_path / name).read_bytes() == (built.folder / name).read_bytes(), name


@pytest.mark.parametrize("office", ["off", "failing"])
def test_without_a_layout_the_contents_leave_their_pages_to_word(
    office, tmp_path, monkeypatch, capfd
):
    """No LibreOffice to lay the file out (turned off, or failing): no page number is
    guessed. The entries stay PAGEREF fields with no result, which LibreOffice computes as it
    opens the file, and `updateFields` has Word offer to compute them. A report that is up to
    date does not run the layout again."""
    from .conftest import build_into

    calls = tmp_path / "calls"
    if office == "off":
        monkeypatch.setenv("BRIEFING_OFFICE", "off")
    else:
        fake = tmp_path / "soffice"
        fake.write_text(f"#!/bin/sh\necho run >> '{calls}'\nexit 1\n")
        fake.chmod(0o755)
        monkeypatch.setenv("BRIEFING_OFFICE", str(fake))
    out = tmp_path / "out"
    build_into(out, REPORT, "-f", "docx")
    parts = docx_parts(out / f"{REPORT}.docx")
    document = parts["word/document.xml"]
    assert "<w:updateFields " in parts["word/settings.xml"]
    assert "TOC \\o" not in document
    results = re.findall(
        r"PAGEREF (_Toc\w+) \\h </w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"separate\"/>"
        r"</w:r><w:r><w:t[^>]*>([^<]*)</w:t>",
        document,
    )
    assert len(results) == len(SECTIONS) and all(page == "" for _, page in results), results
    if office == "failing":
        assert calls.read_text().count("run") == 1
        assert "LibreOffice did not lay the file out" in capfd.readouterr().err
        build_into(out, REPORT, "-f", "docx")
        assert calls.read_text().count("run") == 1  # up to date: nothing written, nothing run


# ---------------------------------------------------------------- each view of a chart says its part


TURNING_POINTS = [
    "relations-1947",
    "strategic-weight-1960s",
    "chavez-rise-1998",
    "ahmadinejad-2005",
    "mohajer-2006",
    "binational-bank-2009",
    "gasoline-for-gold-2020",
    "cooperation-agreement-2022",
    "maduro-captured-2026",
]


def _figure_html(html: str, chart_id: str) -> str:
    return html.split(f'id="figure-{chart_id}"', 1)[1].split("</figure>", 1)[0]


def test_each_turning_point_is_printed_at_most_twice(built):
    """The nine turning points are drawn in the chart and listed in the Timeline; the printed
    page adds no third copy of them (the chart's own list of events stays on screen, for screen
    readers), and the chart says of each only what its fact says."""
    figure = _figure_html(built.html, "turning-points")
    cells = re.findall(r'<td data-label="Date"[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>', figure)
    assert len(cells) == len(TURNING_POINTS)
    facts = [built.evidence.facts[fid] for fid in TURNING_POINTS]
    for (when, shown), fact in zip(cells, facts, strict=True):
        assert normalise(html_lib.unescape(when)) == fact.when
        label = normalise(html_lib.unescape(shown)).rstrip(".")
        summary = normalise(fact.summary).rstrip(".")
        times = built.pdf_plain.count(label) + (
            built.pdf_plain.count(summary) if summary != label else 0
        )
        assert 1 <= times <= 2, (fact.id, label, times)
        assert label == summary, fact.id  # the label is the fact's own words


def test_the_chronology_list_of_events_is_on_screen_only(built):
    """The chart's data table repeats the Timeline's rows for the turning points: the HTML keeps
    it beside the chart, collapsed, for screen readers; the PDF and the Word file, whose readers
    have the chart, its alt text and the Timeline, leave it out. The exchange's values are not
    listed anywhere else, so its table is in all three."""
    figure = _figure_html(built.html, "turning-points")
    assert re.search(
        r'<details class="chart-data screen-only">\s*<summary>Data for Figure 1<', figure
    )
    for fmt, text in built.texts.items():
        assert ("Data for Figure 1" in text) == (fmt == "html"), fmt
        assert "Data for Figure 2" in text, fmt


def _svg_words(svg: bytes) -> list[str]:
    root = ElementTree.fromstring(svg)
    return ["".join(el.itertext()).strip() for el in root.iter() if str(el.tag).endswith("}text")]


def test_the_exchange_image_holds_its_parties_flows_and_note_and_no_title(built):
    """A chart image never repeats its figure title: the exchange draws the two parties, what
    passes between them and the note, and no heading of its own."""
    problems = Problems()
    spec = select_reports(ROOT, [REPORT], problems)[0]
    chart = next(c for c in spec.charts if c.id == "fuel-for-gold")
    plot = prepare(chart, built.evidence, derive(built.evidence.facts))
    figure = _figure_html(built.html, "fuel-for-gold")
    svg = base64.b64decode(re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)"', figure)[1])
    words = _svg_words(svg)
    drawn = [*plot.payload["parties"], *(text for _, text in plot.payload["flows"])]
    assert sorted(words) == sorted([*drawn, plot.payload["note"]])
    assert f"{plot.title}</p>" in figure and not any(plot.title in w for w in words)
