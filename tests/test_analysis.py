"""The analytic standard, read back from the documents: judgments with likelihood, confidence
and basis; claimants named wherever a claim appears; compact notes that still cite every fact;
no text about the tool; no copied runs from the sources; the house typography."""

from __future__ import annotations

import html as htmllib
import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from briefing import __version__
from briefing.cli.main import main
from briefing.compose.copycheck import copied_runs, read_prints
from briefing.config.judgments import SCALE

from .conftest import ROOT, docx_text, edit, normalise, pdf_text

REPORTS = ["iran-venezuela", "iran-venezuela-in-focus"]
NOTES_BEFORE = 82  # the notes of the edition before the analysis rewrite


def _body_text(html: str) -> str:
    """What a reader sees in the page body, typography intact (no normalising of quotes)."""
    body = html.split("<body", 1)[1].split(">", 1)[1]
    body = re.sub(r"<(style|svg)[^>]*>.*?</\1>", " ", body, flags=re.S)
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", body))


def _prose(html: str) -> list[str]:
    """The running text: paragraphs and bullets, not tables, captions or notes."""
    main_part = html.split('<main id="main">', 1)[1].split("</main>", 1)[0]
    main_part = re.sub(r"<(table|figure|svg|dl)[^>]*>.*?</\1>", " ", main_part, flags=re.S)
    main_part = re.sub(r'<p class="judgment-label">.*?</p>', " ", main_part, flags=re.S)
    pieces = re.findall(r"<(?:p|li)[^>]*>(.*?)</(?:p|li)>", main_part, flags=re.S)
    text = [htmllib.unescape(re.sub(r"<sup.*?</sup>|<[^>]+>", "", p)) for p in pieces]
    return [" ".join(t.split()) for t in text if t.strip()]


def _raw_docx(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode() + z.read("word/footnotes.xml").decode()
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", xml))


def _raw_pdf(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def documents(built) -> dict[str, dict[str, str]]:
    out = {}
    for report in REPORTS:
        html = (built.folder / f"{report}.html").read_text(encoding="utf-8")
        out[report] = {
            "html": _body_text(html),
            "docx": _raw_docx(built.folder / f"{report}.docx"),
            "pdf": pdf_text(built.folder / f"{report}.pdf"),
            "raw_html": html,
        }
    return out


# ---------------------------------------------------------------- judgments -----------------------


def test_key_judgments_show_likelihood_confidence_and_reason_in_every_format(built):
    judgments = built.evidence.judgments
    assert len([j for j in judgments if not j.alternative]) >= 3
    assert any(j.alternative for j in judgments)
    for fmt, text in built.texts.items():
        for n in range(1, len([j for j in judgments if not j.alternative]) + 1):
            assert f"Key judgment {n}" in text or f"KEY JUDGMENT {n}" in text, fmt
        assert "Alternative view" in text or "ALTERNATIVE VIEW" in text, fmt
        for j in judgments:
            assert re.search(f"{j.confidence} confidence", text, re.I), (fmt, j.id)
            assert f"({SCALE[j.likelihood]})" in text, (fmt, j.id)
            assert normalise(j.title) in text, (fmt, j.id)
        assert "Why it is judged less likely:" in text, fmt
    # Judgments are boxed apart from reported information, in HTML/PDF and in Word.
    assert len(re.findall(r'<div class="judgment( alternative)?"', built.html)) == len(judgments)
    with zipfile.ZipFile(built.docx_path) as z:
        assert z.read("word/document.xml").decode().count('w:val="Judgment"') >= len(judgments)


@pytest.mark.parametrize(
    "old, new, message",
    [
        (
            "  confidence:\n    level: low\n",
            "  confidenc:\n    level: low\n",
            "has no 'confidence'",
        ),
        (
            "  basis: [illicit-flows, shared-sanctions-pressure]\n",
            "",
            "has no 'basis'",
        ),
        (
            "  basis: [illicit-flows,",
            "  basis: [illicit-flow,",
            "fact 'illicit-flow', which does not exist",
        ),
        (
            "  likelihood: unlikely\n",
            "  likelihood: probable\n",
            "likelihood 'probable' is not one of",
        ),
        (
            "  likelihood: unlikely\n",
            "  likelihood: very unlikely\n",
            "must use its likelihood term",
        ),
        ("  kind: alternative\n", "", "no alternative view"),
    ],
    ids=[
        "no confidence",
        "no basis",
        "unknown basis fact",
        "unknown term",
        "term not used",
        "no alternative",
    ],
)
def test_a_judgment_without_its_parts_is_refused_with_its_line(
    project, tmp_path, capsys, old, new, message
):
    line = edit(project / "data/judgments.yaml", old, new)
    code = main(["build", "--project", str(project), "--output", str(tmp_path / "o"), "-q"])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    if message != "no alternative view":
        assert re.search(r"data/judgments\.yaml:(\d+):", err), err
        assert abs(int(re.search(r"data/judgments\.yaml:(\d+):", err).group(1)) - line) < 40
    assert not (tmp_path / "o" / "iran-venezuela.pdf").exists()


# ---------------------------------------------------------------- attribution ---------------------


def test_every_timeline_row_names_its_claimant(built, documents):
    html = documents["iran-venezuela"]["raw_html"]
    table = html.split("Every dated fact in the evidence base", 1)[1].split("</table>", 1)[0]
    rows = [
        [
            htmllib.unescape(re.sub(r"<sup.*?</sup>|<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)
        ]
        for r in re.findall(r"<tr>(.*?)</tr>", table, re.S)
        if "<td" in r
    ]
    dated = [f for f in built.evidence.facts.values() if f.date]
    assert len(rows) == len(dated)
    by_summary = {f.summary: f for f in dated}
    for _date, development, claimed in rows:
        fact = by_summary[development]
        if fact.needs_attribution:
            assert claimed == fact.claimed_by and fact.claimant in claimed, development
    docx = docx_text(built.docx_path)
    for fact in dated:
        if fact.needs_attribution:
            assert fact.claimant in docx


@pytest.mark.parametrize("report", REPORTS)
def test_every_chart_caption_and_alt_text_names_its_claimants(built, documents, report):
    raw = documents[report]["raw_html"]
    figures = re.findall(r'<figure class="chart".*?</figure>', raw, re.S)
    assert figures
    for figure in figures:
        alt = htmllib.unescape(re.search(r'alt="([^"]*)"', figure).group(1))
        caption = htmllib.unescape(
            re.sub(
                r"<[^>]+>", "", re.search(r"<figcaption>(.*?)</figcaption>", figure, re.S).group(1)
            )
        )
        assert "As claimed by" in caption and "As claimed by" in alt
        names = re.search(r"As claimed by (.*?)\.", caption).group(1)
        for name in ("TeleSUR", "January 2026 news report"):
            if name in alt.split("As claimed by")[0] or name in names:
                assert name in names
    for fmt in ("pdf", "docx"):
        assert documents[report][fmt].count("As claimed by") >= len(figures), fmt


def test_the_claimant_is_named_once_per_paragraph_not_in_every_sentence(documents):
    prose = _prose(documents["iran-venezuela"]["raw_html"])
    for paragraph in prose:
        assert paragraph.count("TeleSUR") <= 2, paragraph
    # Named in the running text about once per paragraph that rests on it (the notes, the
    # timeline's claimant column and the source list name it too, as they must).
    assert sum(p.count("TeleSUR") for p in prose) < 30


# ---------------------------------------------------------------- notes -----------------------------


def test_notes_halve_while_every_fact_stays_cited_in_every_format(built, documents):
    html = documents["iran-venezuela"]["raw_html"]
    notes = re.findall(r'<li id="note-(\d+)" data-facts="([^"]*)"', html)
    assert 0 < len(notes) <= NOTES_BEFORE // 2
    cited = {fid for _, ids in notes for fid in ids.split()}
    assert cited == set(built.evidence.facts)  # no claim lost its citation
    # Word has one native footnote per note; a later reference repeats the number as text.
    with zipfile.ZipFile(built.docx_path) as z:
        refs = re.findall(
            r'<w:footnoteReference w:id="(\d+)"', z.read("word/document.xml").decode()
        )
    assert len(refs) == len(notes)
    for fmt in ("html", "pdf", "docx"):
        # (compared without spaces and hyphens, which line breaks in the PDF move about)
        flat = re.sub(r"[\s\-]", "", normalise(documents["iran-venezuela"][fmt]))
        for fact in built.evidence.facts.values():
            locator = re.sub(r"[\s\-]", "", normalise(fact.citations[0].locator))
            assert locator in flat, (fmt, fact.id)


def test_a_source_is_cited_in_full_once_then_by_name(documents):
    html = documents["iran-venezuela"]["raw_html"]
    notes = html.split('id="notes"', 1)[1]
    assert notes.count("Sanctions, Solidarity and Sovereignty") == 1
    assert notes.count("Untitled photo gallery") == 1
    entries = re.findall(r'<span class="note-entry">(.*?)</span>', notes, re.S)
    for before, after in zip(entries, entries[1:], strict=False):
        assert before != after  # no note repeats the one before it


# ---------------------------------------------------------------- text that reaches readers ------


@pytest.mark.parametrize("report", REPORTS)
@pytest.mark.parametrize("fmt", ["html", "pdf", "docx"])
def test_no_text_about_the_tool_reaches_the_reader(built, documents, report, fmt):
    text = documents[report][fmt]
    for source in built.evidence.sources.values():
        assert source.file not in text
        assert Path(source.file).stem not in text
    assert __version__ not in text
    assert not re.search(r"\bbriefing \d|\bthe build\b|\.ya?ml\b|\.j2\b|Reference copy", text, re.I)


@pytest.mark.parametrize("report", REPORTS)
@pytest.mark.parametrize("fmt", ["html", "pdf", "docx"])
def test_no_ten_word_run_of_a_source_appears_outside_quotation_marks(documents, report, fmt):
    prints = read_prints(ROOT / "data/source-fingerprints.txt")
    assert len(prints) > 1000
    assert copied_runs(documents[report][fmt], prints) == []


def test_the_copy_check_finds_a_copied_run():
    """The check itself can fail: a locator's quoted words, unquoted, are a copied run."""
    prints = read_prints(ROOT / "data/source-fingerprints.txt")
    copied = "The US capture of Venezuelan President Nicolás Maduro in January 2026 reverberated"
    assert copied_runs(copied, prints)
    assert not copied_runs(f"“{copied}”", prints)


def test_the_fingerprints_match_the_sources_when_they_are_at_hand():
    sources = ROOT.parent / "shared" / "sources"
    if not sources.is_dir():
        pytest.skip(
            "the source articles are not beside this clone; the committed fingerprints are used"
        )
    from briefing.compose.copycheck import fingerprints

    expected = set()
    for path in sorted(sources.glob("*.txt")):
        if path.name != "README.md":
            expected |= fingerprints(path.read_text(encoding="utf-8"))
    assert read_prints(ROOT / "data/source-fingerprints.txt") == expected


# ---------------------------------------------------------------- typography -----------------------

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"


@pytest.mark.parametrize("report", REPORTS)
def test_prose_follows_the_house_typography(documents, report):
    prose = _prose(documents[report]["raw_html"])
    assert prose
    body = documents[report]["html"]
    assert '"' not in body and "'" not in body  # curly quotes and apostrophes everywhere
    for paragraph in prose:
        for sentence in re.split(r"(?<=[.?!])\s+", paragraph):
            assert not re.match(r"[\d$]", sentence), sentence
        # Whole numbers under ten are words, except in dates ("3 January 2026").
        for m in re.finditer(rf"(?<![\d.,$–-])\b(\d)\b(?![\d.,%–-])(?!\s+(?:{MONTHS}))", paragraph):
            raise AssertionError(f"{m.group(0)!r} in {paragraph!r}")
    for american, _british in [
        ("fiber", "fibre"),
        ("defense", "defence"),
        ("center", "centre"),
        ("longstanding", "long-standing"),
    ]:
        unquoted = re.sub(r"“[^”]*”", "", " ".join(prose))
        assert american not in unquoted.lower(), american
