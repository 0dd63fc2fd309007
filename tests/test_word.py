"""The DOCX as Word users meet it, checked in a real word processor: LibreOffice converts each
briefing to PDF, and the tests read the conversion (contents filled in with the right page
numbers, a page number on every page after the title page, the figures and the cited figures
present, no blank or near-empty page). Then the file itself: rows that do not split, header
rows that repeat, alt text, the house fonts embedded, the properties.

`.ci/run` installs LibreOffice and sets BRIEFING_REQUIRE_OFFICE=1, so in CI a missing
LibreOffice fails instead of skipping.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pdfplumber
import pytest

from .conftest import docx_document, normalise, page_fill, section_titles, text_outside_page

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
REPORTS = ("iran-venezuela", "iran-venezuela-in-focus")

if SOFFICE is None:
    if os.environ.get("BRIEFING_REQUIRE_OFFICE"):
        raise RuntimeError("BRIEFING_REQUIRE_OFFICE is set but LibreOffice is not installed")
    pytestmark = pytest.mark.skip(reason="LibreOffice is not installed (.ci/run installs it)")


@pytest.fixture(scope="module")
def converted(built, tmp_path_factory) -> dict[str, Path]:
    """Both DOCX files converted by LibreOffice in one run, with a private profile."""
    out = tmp_path_factory.mktemp("libreoffice")
    profile = (out / "profile").as_uri()
    sources = [(built.folder / f"{r}.docx").resolve() for r in REPORTS]
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf"]
        + ["--outdir", str(out), *map(str, sources)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return {r: out / f"{r}.pdf" for r in REPORTS}


def _pages(path: Path) -> list[str]:
    with pdfplumber.open(path) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def _heading_pages(pages: list[str], titles: list[str]) -> dict[str, int]:
    """The page each section's heading lands on: the first page after the contents (page 2)
    with a line that is the title."""
    found = {}
    for title in titles:
        for number, text in enumerate(pages[2:], 3):
            if any(normalise(line) == normalise(title) for line in text.split("\n")):
                found[title] = number
                break
    return found


def test_contents_page_lists_every_section_with_its_real_page(converted):
    pages = _pages(converted["iran-venezuela"])
    contents = pages[1]
    assert "Contents" in contents
    landed = _heading_pages(pages, section_titles())
    for title in section_titles():
        line = re.search(re.escape(title) + r"[ .]*(\d+)\s*$", contents, re.M)
        assert line, f"contents lacks '{title}' with a page number"
        page = int(line.group(1))
        assert title in pages[page - 1].replace("\n", " "), f"'{title}' is not on page {page}"
        assert landed[title] == page, title


def _contents_field(path: Path) -> tuple[list[str], list[tuple[str, str]], str]:
    """From the file itself: the instructions of the fields that hold the contents, each
    entry's title and cached page number (the PAGEREF's result), and settings.xml."""
    from lxml import etree

    with zipfile.ZipFile(path) as z:
        document = z.read("word/document.xml")
        settings = z.read("word/settings.xml").decode()
    assert b'w:dirty="' not in document  # a field marked dirty makes Word ask too
    body = etree.fromstring(document)
    instructions = [t.text.strip() for t in body.iter(f"{W}instrText") if "TOC" in t.text]
    entries = []
    for link in body.iter(f"{W}hyperlink"):
        if not (link.get(f"{W}anchor") or "").startswith("_Toc"):
            continue
        texts, result, state = [], [], None
        for el in link.iter(f"{W}t", f"{W}fldChar"):
            if el.tag == f"{W}fldChar":
                state = el.get(f"{W}fldCharType")
            elif state == "separate":
                result.append(el.text or "")
            elif state is None:
                texts.append(el.text or "")
        entries.append(("".join(texts), "".join(result)))
    return instructions, entries, settings


def test_the_contents_are_a_toc_field_holding_the_pages_libreoffice_lays_out(converted, built):
    """The numbers are in the file (Word shows a field's cached result and asks nothing), and
    each is the page LibreOffice puts that heading on when it opens the finished file."""
    instructions, entries, settings = _contents_field(built.folder / "iran-venezuela.docx")
    assert len(instructions) == 1 and instructions[0].startswith("TOC "), instructions
    assert "updateFields" not in settings
    landed = _heading_pages(_pages(converted["iran-venezuela"]), section_titles())
    assert [normalise(t) for t, _ in entries] == [normalise(t) for t in section_titles()]
    for title, cached in entries:
        assert cached.isdigit(), (title, cached)
        assert int(cached) == landed[next(t for t in landed if normalise(t) == normalise(title))]


@pytest.mark.parametrize("report", REPORTS)
def test_every_page_after_the_title_has_its_number_and_the_running_head(converted, built, report):
    pages = _pages(converted[report])
    title = docx_document(built.folder / f"{report}.docx").core_properties.title
    total = len(pages)
    first = 2 if report == "iran-venezuela" else 1
    for number in range(first, total + 1):
        assert f"Page {number} of {total}" in pages[number - 1], f"page {number}"
        if number > 1:
            head = normalise(
                pages[number - 1].split("\n", 2)[0] + " " + pages[number - 1].split("\n", 2)[1]
            )
            assert normalise(title)[:30] in head, f"no running head on page {number}"
    if report == "iran-venezuela":
        title_page = normalise(pages[0])
        assert "Iran and Venezuela" in title_page and "Page 1" not in title_page
        assert "Information current to 18 January 2026" in title_page


@pytest.mark.parametrize("report", REPORTS)
def test_figures_and_cited_figures_survive_the_conversion(converted, built, report):
    text = normalise(" ".join(_pages(converted[report])))
    charts = re.findall(
        r"Figure (\d+)\.</span> ([^<]+)</p>", (built.folder / f"{report}.html").read_text()
    )
    assert charts
    for number, title in charts:
        assert f"Figure {number}. {normalise(title)}" in text
    for figure in ("2.35 million barrels", "$500 million", "18 January 2026"):
        assert figure in text
    with pdfplumber.open(converted[report]) as pdf:
        images = sum(len(page.images) for page in pdf.pages)
    assert images == len(charts)


def test_in_focus_keeps_to_two_pages_in_a_word_processor(converted):
    assert len(_pages(converted["iran-venezuela-in-focus"])) == 2


@pytest.mark.parametrize("report", REPORTS)
def test_no_page_is_blank_or_under_a_quarter_full(converted, report):
    with pdfplumber.open(converted[report]) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            fill = page_fill(page)
            assert fill is not None and fill >= 0.25, f"page {number}: {fill}"
            assert not text_outside_page(page), f"page {number}: text off the page"


@pytest.mark.parametrize("report", REPORTS)
def test_the_file_keeps_rows_whole_repeats_headers_and_embeds_its_fonts(built, report):
    path = built.folder / f"{report}.docx"
    d = docx_document(path)
    for table in d.tables:
        rows = table._tbl.findall(".//{*}tr")
        assert all(r.find("./{*}trPr/{*}cantSplit") is not None for r in rows)
        assert rows[0].find("./{*}trPr/{*}tblHeader") is not None
    descriptions = [el.get("descr") for el in d.element.body.iter("{*}docPr")]
    assert descriptions and all(len(x or "") > 40 for x in descriptions)
    headings = [p.style.name for p in d.paragraphs if p.style.name.startswith("Heading")]
    assert headings and set(headings) == {"Heading 1"}
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        table = z.read("word/fontTable.xml").decode()
        settings = z.read("word/settings.xml").decode()
    assert len([n for n in names if n.startswith("word/fonts/")]) == 6
    assert 'w:name="Source Serif 4"' in table and "w:embedBold " in table.replace("/>", " />")
    assert "<w:embedTrueTypeFonts" in settings


def test_libreoffice_sets_the_embedded_house_fonts(converted):
    with pdfplumber.open(converted["iran-venezuela"]) as pdf:
        fonts = {c["fontname"].split("+", 1)[-1] for page in pdf.pages[:4] for c in page.chars}
    assert any(f.startswith("SourceSerif4") for f in fonts), fonts
    assert any(f.startswith("SourceSans3") for f in fonts), fonts


def _embedded_faces(path: Path) -> dict[str, bytes]:
    """Each embedded typeface as a plain font file, by its fontTable slot and family."""
    from docx.oxml.ns import qn
    from lxml import etree

    with zipfile.ZipFile(path) as z:
        table = etree.fromstring(z.read("word/fontTable.xml"))
        rels = etree.fromstring(z.read("word/_rels/fontTable.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels}
        faces = {}
        for font in table.iter(qn("w:font")):
            for slot in font:
                if slot.get(qn("r:id")) is None:
                    continue
                data = z.read("word/" + targets[slot.get(qn("r:id"))])
                key = bytes.fromhex(slot.get(qn("w:fontKey")).strip("{}").replace("-", ""))[::-1]
                plain = bytes(b ^ key[i % 16] for i, b in enumerate(data[:32])) + data[32:]
                faces[f"{font.get(qn('w:name'))} {etree.QName(slot).localname}"] = plain
    return faces


def test_embedded_fonts_are_subsets_that_keep_every_character_and_feature(built):
    """The subsets hold every character the text uses and the layout features that act on it
    (ligatures, kerning, the figure styles), at a fraction of the shipped face's size."""
    import io

    from fontTools.ttLib import TTFont

    from briefing.base import fonts

    path = built.folder / "iran-venezuela.docx"
    with zipfile.ZipFile(path) as z:
        body = z.read("word/document.xml").decode()
    used = {c for t in re.findall(r"<w:t[^>]*>([^<]*)</w:t>", body) for c in t if not c.isspace()}
    faces = _embedded_faces(path)
    assert len(faces) == 6
    plain = faces["Source Serif 4 embedRegular"]
    subset = TTFont(io.BytesIO(plain))
    assert used and not used - {chr(c) for c in subset.getBestCmap()}
    kept = {
        r.FeatureTag for t in ("GSUB", "GPOS") for r in subset[t].table.FeatureList.FeatureRecord
    }
    assert {"liga", "kern", "tnum", "pnum", "frac"} <= kept, kept
    shipped = next(f.path for f in fonts.faces() if f.path.name == "source-serif-4-400-normal.ttf")
    assert len(plain) < shipped.stat().st_size / 2


# ---------------------------------------------------------------- footnote numbering -------------

NUMBERING = ("pos", "numFmt", "numStart", "numRestart")


def _footnote_settings(path: Path) -> tuple[list, list[list]]:
    """The footnote numbering settings.xml holds, and those of each section (sectPr)."""
    from lxml import etree

    with zipfile.ZipFile(path) as z:
        settings = etree.fromstring(z.read("word/settings.xml"))
        body = etree.fromstring(z.read("word/document.xml"))

    def numbering(pr) -> tuple:
        return tuple(
            (etree.QName(c).localname, c.get(f"{{{c.nsmap['w']}}}val"))
            for c in pr
            if etree.QName(c).localname in NUMBERING
        )

    top = [numbering(pr) for pr in settings.findall("{*}footnotePr")]
    sections = [
        [numbering(pr) for pr in sect.findall("{*}footnotePr")] for sect in body.iter("{*}sectPr")
    ]
    return top, sections


@pytest.mark.parametrize("report", REPORTS)
def test_the_file_numbers_footnotes_once_through_the_document(built, report):
    """One footnote setting, continuous, the same in settings.xml and in every section: two
    settings that disagree leave each word processor to pick one."""
    top, sections = _footnote_settings(built.folder / f"{report}.docx")
    assert sections and all(len(s) == 1 for s in sections), sections
    assert len(top) == 1, top
    settings = {top[0], *(s[0] for s in sections)}
    assert len(settings) == 1, settings
    (setting,) = settings
    assert ("numRestart", "continuous") in setting
    assert all(v in ("decimal", "1", "continuous") for k, v in setting if k != "pos"), setting


def _footnote_labels(path: Path) -> list[int]:
    """The numbers that open the footnotes at the pages' feet, in reading order: a line that
    starts with digits set smaller than the rest of it (the note's superscript number)."""
    labels = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            for line in page.extract_text_lines():
                chars = [c for c in line["chars"] if not c["text"].isspace()]
                lead = []
                for c in chars:
                    if not c["text"].isdigit():
                        break
                    lead.append(c)
                rest = chars[len(lead) :]
                if lead and rest and max(c["size"] for c in lead) < 0.8 * rest[0]["size"]:
                    labels.append(int("".join(c["text"] for c in lead)))
    return labels


@pytest.mark.parametrize("report", REPORTS)
def test_footnotes_run_1_to_n_without_restarting_in_libreoffice(converted, built, report):
    with zipfile.ZipFile(built.folder / f"{report}.docx") as z:
        notes = z.read("word/footnotes.xml").decode()
    count = len(re.findall(r'<w:footnote (?:(?!w:type=)[^>])*w:id="\d+"', notes))
    assert count > 5
    assert _footnote_labels(converted[report]) == list(range(1, count + 1))
