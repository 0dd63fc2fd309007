"""The editorial rules of issue #23, each a class of error an editor found in print, held as a
rule so the next report cannot repeat it: figures no more precise than their inputs; numbers in
a fact's words that come from its data; time words anchored to the information, with its age
said when an edition is generated long after; reporting verbs no stronger than the source's;
a bottom line that states the key judgments; and points both sources support counted as such.
Each test builds or loads the real project (or a private copy with one edit) and reads the
result back."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from briefing.base import precision, units
from briefing.base.errors import Problems
from briefing.base.model import Quantity
from briefing.base.wording import STRENGTHS, reporting_verb
from briefing.cli.main import main
from briefing.compose import proselint
from briefing.compose.document import Composer
from briefing.config.load import load_evidence
from briefing.config.numbers import fill
from briefing.publish.pipeline import select_reports
from tests.conftest import EPOCH, REPORT, edit, html_text

FOCUS = "iran-venezuela-in-focus"


def build(project: Path, out: Path, *reports: str) -> int:
    return main(["build", *reports, "--project", str(project), "--output", str(out), "-q"])


def compose(project: Path, report: str, monkeypatch, epoch: str = EPOCH):
    """The typed document of one report, composed (charts drawn, nothing written)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    problems = Problems()
    spec = select_reports(project, [report], problems)[0]
    evidence = load_evidence(spec, project, problems)
    assert not problems, problems
    return Composer(project, spec, evidence).compose(), evidence


def _words(inlines) -> str:
    return "".join(
        getattr(i, "text", "") + _words(getattr(i, "children", []) or []) for i in inlines
    )


def paragraphs(doc) -> list[str]:
    from briefing.base.model import Paragraph

    return [
        " ".join(_words(block.inlines).split())
        for section in doc.sections
        for block in section.blocks
        if isinstance(block, Paragraph)
    ]


# ------------------------------------------------------------ significant figures -------------


def test_precision_is_read_from_how_a_figure_is_written():
    assert precision.inferred(9) == 1
    assert precision.inferred(500_000_000) == 1
    assert precision.inferred(2_350_000) == 3
    assert precision.inferred(1.90) == 2
    assert precision.inferred(0.05) == 1


def test_a_derived_figure_keeps_its_least_precise_input():
    assert precision.combined("divide", [(5e8, 1), (2.35e6, 3)], 212.77) == 1
    assert precision.combined("convert", [(9e6, 1)], 289_352.0) == 1
    # Adding and subtracting keep the coarsest decimal place: 100 (exact) less 11 is 89.
    assert precision.combined("subtract", [(100, None), (11, 2)], 89) == 2
    assert precision.combined("multiply", [(3, None), (4, None)], 12) is None


def test_nine_tons_never_becomes_six_significant_figures():
    ounces = Quantity(9 * 32_150.7466, "troy-ounce", 1)
    assert units.quantity(ounces) == "300,000 troy ounces"
    per_barrel = Quantity(500e6 / 2.35e6, "USD-per-barrel", 1)
    assert units.quantity(per_barrel, 2) == "$200 per barrel"
    assert units.amount(Quantity(2_350_000, "barrel", 3)) == "2.35 million"


def test_the_briefing_prints_derived_figures_at_their_inputs_precision(built):
    for text in (built.pdf_plain, built.html_plain, built.docx_plain):
        assert "$200 per barrel" in text
        for false_precision in ("$213", "$1,728", "289,357", "32,150.7", "89 per cent"):
            assert false_precision not in text, false_precision


def test_a_declared_precision_overrides_the_written_one(project, tmp_path):
    """'$500 million' read as three figures: the price per barrel (payment over 2.35 million
    barrels) gains its figures."""
    edit(
        project / "data/facts/energy.yaml",
        "payment: {value: 500000000, unit: USD}",
        "payment: {value: 500000000, unit: USD, sig: 3}",
    )
    assert build(project, tmp_path / "o", REPORT) == 0
    html = html_text((tmp_path / "o" / f"{REPORT}.html").read_text(encoding="utf-8"))
    assert "$213 per barrel" in html


def test_a_precision_that_is_not_a_count_of_figures_is_refused(project, tmp_path, capsys):
    line = edit(
        project / "data/facts/energy.yaml",
        "gasoline: {value: 2350000, unit: barrel}",
        "gasoline: {value: 2350000, unit: barrel, sig: 0}",
    )
    assert build(project, tmp_path / "o", REPORT) == 2
    err = capsys.readouterr().err
    assert f"data/facts/energy.yaml:{line}: 'sig' of quantity 'gasoline'" in err


# ------------------------------------------------------------ numbers from the data -----------


def test_a_summary_fills_its_placeholders_from_the_fact():
    text, problems = fill(
        "a share of {share}, a {term:adj} plan, {share:num} in all, in {date}",
        {"share": Quantity(11, "percent", 2), "term": Quantity(20, "year", 1)},
        None,
        None,
    )
    assert problems == ["placeholder {date} names no date the fact has"]
    assert text.startswith("a share of 11 per cent, a 20-year plan, 11 in all")


def test_a_number_typed_into_a_summary_is_refused_with_its_line(project, tmp_path, capsys):
    line = edit(
        project / "data/facts/arms.yaml",
        "with a share of {share}.",
        "with an 11 per cent share.",
    )
    assert build(project, tmp_path / "o", REPORT) == 2
    err = capsys.readouterr().err
    assert f"data/facts/arms.yaml:{line}: summary of fact 'sipri-2024-share'" in err
    assert "'11' is typed" in err
    assert not (tmp_path / "o" / f"{REPORT}.pdf").exists()


def test_a_placeholder_naming_nothing_is_refused(project, tmp_path, capsys):
    line = edit(
        project / "data/facts/arms.yaml", "with a share of {share}.", "with a share of {shares}."
    )
    assert build(project, tmp_path / "o", REPORT) == 2
    err = capsys.readouterr().err
    assert f"data/facts/arms.yaml:{line}:" in err
    assert "{shares} names no quantity of the fact (it has: share, rank)" in err


def test_a_corrected_quantity_reaches_the_timeline_and_the_prose(project, tmp_path):
    """The defect: the timeline read '11 per cent' beside a corrected '12'."""
    edit(
        project / "data/facts/arms.yaml",
        "share: {value: 11, unit: percent}",
        "share: {value: 12, unit: percent}",
    )
    assert build(project, tmp_path / "o", REPORT) == 0
    html = html_text((tmp_path / "o" / f"{REPORT}.html").read_text(encoding="utf-8"))
    assert "11 per cent" not in html
    assert html.count("12 per cent") >= 2  # the arms section and the timeline row


def test_a_number_typed_into_a_derived_method_is_refused(project, tmp_path, capsys):
    edit(
        project / "data/facts/energy.yaml",
        "assuming the payment covered the gasoline and nothing else",
        "assuming the payment covered the 2.35 million barrels and nothing else",
    )
    assert build(project, tmp_path / "o", REPORT) == 2
    assert "types the number '2.35'" in capsys.readouterr().err


LINT_FACTS: dict = {}


def _lint(source: str, facts=None, names=("January 2026 news report",)) -> list[str]:
    problems = Problems()
    proselint.check(source, "templates/t.md.j2", facts or {}, list(names), problems)
    return [f"{p.line}: {p.message}" for p in problems.items]


def test_a_number_typed_into_prose_is_refused_but_not_one_inside_a_name():
    found = _lint("Fine: the January 2026 news report.\nBad: the remaining 89 per cent.\n")
    assert len(found) == 1 and found[0].startswith("2: the number '89'")
    assert _lint("Made in {{ f['x'].date }} with {{ q | qty }}.") == []


def test_the_real_templates_hold_the_house_rules(built):
    """They build, so the linter passed them; and it did read them: the notes exist."""
    assert "Bottom line." in built.pdf_plain


# ------------------------------------------------------------ time words ----------------------


@pytest.mark.parametrize(
    "words",
    [
        "who now governs",
        "over the coming year",
        "nothing reported since.",
        "not yet its actions",
        "currently",
        "to date",
    ],
)
def test_time_words_that_claim_the_present_are_refused(words):
    found = _lint(f"Line one.\nThe evidence says {words} here.\n")
    assert found and found[0].startswith("2: ") and "anchor the time" in found[0]


def test_time_anchored_to_a_date_is_allowed():
    assert _lint("Supplied since {{ f['m'].date }}; up to {{ current_to }}, nothing.") == []


def test_a_judgment_that_speaks_of_the_present_is_refused(project, tmp_path, capsys):
    line = edit(
        project / "data/judgments.yaml",
        "who governed in Caracas afterwards",
        "who now governs in Caracas",
    )
    assert build(project, tmp_path / "o", REPORT) == 2
    err = capsys.readouterr().err
    assert "'now'" in err and "anchor the time" in err
    assert re.search(r"data/judgments\.yaml:(\d+):", err)
    assert abs(int(re.search(r"data/judgments\.yaml:(\d+): 'reason'", err).group(1)) - line) <= 3


def test_stale_information_is_dated_on_the_cover_and_in_the_bottom_line(built):
    """The session build is generated on 18 November 2026, ten months after its information."""
    for text in (built.pdf_plain, built.html_plain, built.docx_plain):
        assert "generated 10 months after the information it reports ends" in text
        assert re.search(r"Bottom line.*current to 18 January 2026, 10 months old", text)
    cover = built.pdf_plain.split("Contents")[0]
    assert "10 months after" in cover


def test_fresh_information_carries_no_age_note(monkeypatch):
    from tests.conftest import ROOT

    fresh = "1769904000"  # 1 February 2026, two weeks after the information ends
    doc, _ = compose(ROOT, FOCUS, monkeypatch, fresh)
    assert doc.age_note == ""
    bottom = next(p for p in paragraphs(doc) if "On information current to" in p)
    assert "On information current to 18 January 2026, it is likely" in bottom
    stale, _ = compose(ROOT, FOCUS, monkeypatch)
    assert "10 months" in stale.age_note


# ------------------------------------------------------------ reporting verbs -----------------


def _fact(monkeypatch, strength: str):
    from tests.conftest import load_real_evidence

    facts = dict(load_real_evidence().facts)
    from dataclasses import replace

    facts["atlantic-council-signal"] = replace(facts["atlantic-council-signal"], strength=strength)
    return facts


@pytest.mark.parametrize(
    "sentence",
    [
        "Atlantic Council experts expect the capture to change Tehran's reading.",
        "Atlantic Council experts read the capture as a warning to Tehran.",
        "Atlantic Council experts argue that the capture upsets Tehran.",
    ],
)
def test_a_verb_stronger_than_the_source_is_refused(monkeypatch, sentence):
    facts = _fact(monkeypatch, "could")
    found = _lint(f"Intro.\n\n{sentence}{{{{ cite('atlantic-council-signal') }}}}\n", facts)
    assert found and "more firmly than its source" in found[0], found
    # The message quotes the source's own words, from the fact's locator.
    assert "Atlantic Council experts argue" in found[0] and "'could'" in found[0]


def test_a_verb_that_keeps_the_source_strength_passes(monkeypatch):
    facts = _fact(monkeypatch, "could")
    ok = "Atlantic Council experts argue that the capture could unsettle Tehran.{{ cite('atlantic-council-signal') }}"
    assert _lint(ok, facts) == []
    # A claim the source states may be reported at any strength up to 'says'.
    plain = _fact(monkeypatch, "says")
    assert _lint(ok.replace("could unsettle", "unsettles"), plain) == []


def test_the_wording_table_offers_verbs_by_strength():
    assert list(STRENGTHS) == ["says", "reports", "argues", "suggests", "could"]
    assert reporting_verb("argues", "Atlantic Council experts") == "argue"
    assert reporting_verb("reports", "TeleSUR") == "reports"
    assert reporting_verb("says", "CSIS") == "says"


def test_claim_names_the_claimant_with_the_verb_its_strength_allows(built):
    assert 'Atlantic Council experts argue that the episode "could unsettle' in built.pdf_plain
    for text in (built.pdf_plain, built.html_plain):
        assert "expect the capture" not in text
        assert "read the capture as" not in text


def test_an_unknown_strength_is_refused_with_its_line(project, tmp_path, capsys):
    line = edit(
        project / "data/facts/developments-2026.yaml", "strength: could", "strength: certain"
    )
    assert build(project, tmp_path / "o", REPORT) == 2
    err = capsys.readouterr().err
    assert f"data/facts/developments-2026.yaml:{line}:" in err and "says, reports, argues" in err


# ------------------------------------------------------------ the bottom line -----------------


@pytest.mark.parametrize("report", [REPORT, FOCUS])
def test_the_bottom_line_states_every_key_judgment(monkeypatch, report):
    from tests.conftest import ROOT

    doc, evidence = compose(ROOT, report, monkeypatch)
    bottom = next(p for p in paragraphs(doc) if "On information current to" in p)
    for j in evidence.judgments:
        if not j.alternative:
            assert j.in_brief in bottom, j.id
    sentences = [
        s for s in re.split(r"(?<=[.])\s+(?=[A-Z])", bottom.removeprefix("Bottom line. ")) if s
    ]
    assert len(sentences) <= 2, sentences
    assert "unknown" not in bottom


def test_a_report_with_judgments_and_no_bottom_line_is_refused(project, tmp_path, capsys):
    edit(
        project / "templates/sections/iran-venezuela/key-judgments.md.j2", "{{ bottom_line() }}", ""
    )
    assert build(project, tmp_path / "o", REPORT) == 2
    assert "bottom_line()" in capsys.readouterr().err


def test_a_judgment_without_its_brief_clause_is_refused(project, tmp_path, capsys):
    line = edit(
        project / "data/judgments.yaml",
        "  in_brief: the state-to-state partnership stalls without Maduro\n",
        "",
    )
    assert build(project, tmp_path / "o", REPORT) == 2
    err = capsys.readouterr().err
    assert "needs 'in_brief'" in err
    assert re.search(r"data/judgments\.yaml:\d+: judgment 'partnership-loses-anchor'", err)
    assert line > 0


# ------------------------------------------------------------ agreement between sources -------


def test_points_both_sources_support_are_counted_with_corroborations(built):
    for text in (built.pdf_plain, built.html_plain):
        assert "one is reported by both, and on two further points among these" in text
        assert "only one is reported by both" not in text


def test_a_corroboration_from_the_same_source_is_refused(project, tmp_path, capsys):
    edit(
        project / "data/facts/history.yaml",
        "corroborates: relations-1947",
        "corroborates: chavez-era-deepening",
    )
    assert build(project, tmp_path / "o", REPORT) == 2
    assert "rests on the same source" in capsys.readouterr().err
