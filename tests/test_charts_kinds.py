"""Chart kinds: the registry (`charts/kinds/`) is the one place a kind is declared, and each
kind's module checks its own fields, every problem as `path:line` in one run.

A kind registered here, and nowhere else, is accepted by the declarations' checks, prepared,
drawn at its size (for phones too), and built into a document; every module in the kinds'
folder is registered; the chart cache's key covers every kind module's code."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

from briefing.base import shaping
from briefing.base.derive import derive
from briefing.base.errors import Problems
from briefing.charts.data import check_declarations, prepare
from briefing.charts.kind import ChartKind, Declared
from briefing.charts.kinds import KINDS
from briefing.charts.plot import ChartTable, Plot, select
from briefing.charts.style import STYLE, figure, mpl
from briefing.cli.main import main
from briefing.config.load import Evidence, load_evidence
from briefing.publish.pipeline import select_reports

from .conftest import ROOT, edit, html_text
from .test_generator import make_project

KINDS_FOLDER = ROOT / "src" / "briefing" / "charts" / "kinds"
REPORT = "reports/port-trade.yaml"


# ---------------------------------------------------------------- a kind made here ----------------


def _dots_prepare(spec, evidence, derived) -> Plot:
    facts = select(spec, evidence)
    table = ChartTable(["Fact"], [[f.id] for f in facts])
    payload = {"count": len(facts), "colour": str(spec.options.get("colour", "#000000"))}
    alt = f"{len(facts)} dots in {payload['colour']}"
    return Plot(spec, spec.title.format(count=len(facts)), alt, tuple(facts), table, payload)


def _dots_size(payload: dict, narrow: bool = False) -> tuple[float, float]:
    return (2.5, 1.25) if narrow else (5.0, 1.5)


def _dots_draw(plot: Plot, narrow: bool = False):
    with mpl().rc_context(STYLE):
        fig = figure(*_dots_size(plot.payload, narrow))
        ax = fig.add_subplot()
        n = plot.payload["count"]
        ax.scatter(range(n), [0] * n, color=plot.payload["colour"])
        ax.set_title("narrow" if narrow else "wide")
    return fig


def _dots_rules(declared: Declared) -> None:
    colour = declared.options.get("colour", "#000000")
    if not re.fullmatch(r"#[0-9a-f]{6}", str(colour)):
        declared.add(declared.line_of("colour"), "'colour' must be #rrggbb")


DOTS = ChartKind(
    "dots",
    _dots_prepare,
    _dots_draw,
    _dots_size,
    optional=frozenset({"colour"}),
    title_fields=frozenset({"count"}),
    narrow=True,
    rules=_dots_rules,
)

DOTS_CHART = """\
  - id: dots
    kind: dots
    title: "{count} facts"
    caption: One dot per fact.
    colour: "#0072b2"
"""


@pytest.fixture
def dots(monkeypatch):
    monkeypatch.setitem(KINDS, "dots", DOTS)
    return DOTS


def _load(root: Path) -> tuple[tuple, Evidence, Problems]:
    problems = Problems()
    spec = select_reports(root, ["port-trade"], problems)[0]
    ev = load_evidence(spec, root, problems)
    assert not problems.items, problems.items
    return spec.charts, ev, problems


def _add_chart(root: Path, chart: str) -> int:
    """Appends a chart to the invented report; returns the line its declaration starts on."""
    report = root / REPORT
    text = report.read_text(encoding="utf-8")
    report.write_text(text + chart, encoding="utf-8")
    return text.count("\n") + 1


def test_a_kind_registered_here_is_checked_prepared_and_drawn(tmp_path, dots):
    from briefing.charts.draw import Drawings, drawings, figure_size, svg_size

    root = make_project(tmp_path)
    _add_chart(root, DOTS_CHART)
    charts, ev, problems = _load(root)
    spec = next(c for c in charts if c.kind == "dots")
    assert check_declarations(charts, problems) == list(charts)
    assert not problems.items

    plot = prepare(spec, ev, derive(ev.facts))
    assert plot.title == "3 facts" and plot.alt == "3 dots in #0072b2"

    drawn = drawings(spec, ev, derive(ev.facts), Drawings(png=False))
    assert set(drawn) == {"svg", "narrow.svg"}  # narrow=True: it has a drawing for phones
    for part, narrow in (("svg", False), ("narrow.svg", True)):
        root_ = ElementTree.fromstring(drawn[part])
        assert (root_.get("width"), root_.get("height")) == svg_size(_dots_size({}, narrow))
        assert ("narrow" if narrow else "wide") in drawn[part].decode()
    assert figure_size("dots", plot.payload) == (5.0, 1.5)


def test_without_its_registration_the_same_declaration_is_refused(tmp_path):
    root = make_project(tmp_path)
    line = _add_chart(root, DOTS_CHART)
    charts, _, problems = _load(root)
    assert check_declarations(charts, problems) == list(charts[:-1])
    assert problems.items[0].line == line + 1  # the `kind:` line
    assert "unknown chart kind 'dots'" in problems.items[0].message
    assert "known: chronology, exchange, parts, period-counts, timeline" in (
        problems.items[0].message
    )


def test_a_registered_kind_builds_into_a_document(tmp_path, capsys, dots):
    """The whole build, in one process so that the registration holds: declared, checked,
    prepared, drawn and placed, with nothing about the kind anywhere but its record."""
    root = make_project(tmp_path)
    _add_chart(root, DOTS_CHART)
    grain = root / "templates/sections/port-trade/grain.md.j2"
    grain.write_text(grain.read_text() + "\n{{ chart('dots') }}\n")
    out = tmp_path / "out"
    code = main(["build", "-C", str(root), "-o", str(out), "-q", "-j", "1", "-f", "html"])
    assert code == 0, capsys.readouterr().err
    page = (out / "port-trade.html").read_text(encoding="utf-8")
    assert 'alt="3 dots in #0072b2' in page
    assert "Figure 3. 3 facts" in html_text(page)


def test_every_module_in_the_kinds_folder_is_registered():
    """Forgetting the registry's line is caught: each module there declares a KIND, and the
    registry holds it under its name."""
    import importlib

    modules = sorted(p.stem for p in KINDS_FOLDER.glob("*.py") if p.stem != "__init__")
    assert modules, KINDS_FOLDER
    for name in modules:
        kind = importlib.import_module(f"briefing.charts.kinds.{name}").KIND
        assert KINDS.get(kind.name) is kind, f"charts/kinds/{name}.py is not in the registry"
    assert len(KINDS) == len(modules)


def test_the_chart_cache_key_covers_every_kind_module():
    """A change to any kind's drawing must draw its charts again: the drawing code the cache's
    key reads includes every module in the kinds' folder, and the shared style."""
    covered = set(shaping.drawing_code())
    for path in [*KINDS_FOLDER.glob("*.py"), KINDS_FOLDER.parent / "style.py"]:
        assert path.resolve() in {p.resolve() for p in covered}, path


# ---------------------------------------------------------------- each kind's own fields ----------


def _problems_of(root: Path, tmp_path: Path, capsys) -> list[str]:
    code = main(["build", "-C", str(root), "-o", str(tmp_path / "o"), "-q", "-j", "1"])
    assert code == 2
    return capsys.readouterr().err.splitlines()


@pytest.mark.parametrize(
    ("chart", "at", "message"),
    [
        (
            "kind: timelin",
            "kind: timelin",
            "unknown chart kind 'timelin'; did you mean 'timeline'?",
        ),
        ("kind: timeline\n    colour: red", "colour: red", "unknown field 'colour' in a timeline"),
        (
            "kind: timeline\n    title: '{year}'",
            "title: '{year}'",
            "chart 'extra': the title names year, which a timeline chart does not provide "
            "(it provides: {count}, {first}, {last})",
        ),
        (
            "kind: period-counts\n    period: month",
            "period: month",
            "'period' must be one of decade, year",
        ),
        ("kind: parts\n    axis: A", "- id: extra", "chart 'extra' (parts) needs 'parts'"),
        (
            "kind: parts\n    axis: A\n    parts: [{label: X, value: grain-deal.wheat}]",
            "parts: [",
            "'parts' must list two or more parts",
        ),
        (
            "kind: parts\n    axis: A\n    parts:\n      - {label: X, value: grain-deal.wheat}\n"
            "      - {label: Y}",
            "- {label: Y}",
            "each part needs 'label' and 'value'",
        ),
        (
            "kind: parts\n    axis: A\n    parts:\n      - {label: X, value: grain-deal.wheat}\n"
            "      - {label: Y, value: grain-deal.price, rest: 'yes'}",
            "- {label: Y, value",
            "'rest' must be true or false",
        ),
        (
            "kind: exchange\n    parties: [A]\n    flows: [{from: A, label: x, values: []}]",
            "parties: [A]",
            "'parties' must name exactly two parties",
        ),
        (
            "kind: exchange\n    parties: [A, B]\n    flows: [{from: C, label: x, values: []}]",
            "flows: [",
            "flow from 'C', which is not one of the parties ['A', 'B']",
        ),
        (
            "kind: exchange\n    parties: [A, B]\n    flows: [{from: A, label: x}]",
            "flows: [",
            "each flow needs 'from' (a party), 'label' (with {} per value) and 'values'",
        ),
        # Words on a chart are the facts' own: a chronology's labels are their summaries, so a
        # declaration's own wording for an event is refused, and where to put it is said.
        (
            "kind: chronology\n    labels: {talks-open: Talks open}",
            "labels:",
            "put the wording on the fact (its 'summary' in data/facts/) and remove 'labels'",
        ),
        # A chart image never repeats its figure title: the exchange draws no heading.
        (
            "kind: exchange\n    parties: [A, B]\n    flows: [{from: A, label: x, values: []}]"
            "\n    heading: The sale as reported",
            "heading:",
            "a chart never repeats its title inside the picture; remove 'heading'",
        ),
    ],
)
def test_a_kind_checks_its_own_fields_at_their_line(tmp_path, capsys, chart, at, message):
    root = make_project(tmp_path)
    text = f"  - id: extra\n    title: Extra\n    caption: C.\n    {chart}\n"
    if "title: '" in chart:
        text = text.replace("    title: Extra\n", "")
    start = _add_chart(root, text)
    line = start + next(i for i, row in enumerate(text.splitlines()) if at in row)
    err = _problems_of(root, tmp_path, capsys)
    assert any(f"{REPORT}:{line}: " in e and message in e for e in err), (line, err)


def test_a_bad_fact_and_a_bad_chart_field_are_reported_in_one_run(tmp_path, capsys):
    root = make_project(tmp_path)
    fact_line = edit(root / "data/port/facts.yaml", "date: 2023\n", "date: 2023-13\n")
    chart_line = edit(root / REPORT, "note: {", "nte: {")
    err = "\n".join(_problems_of(root, tmp_path, capsys))
    assert f"data/port/facts.yaml:{fact_line}: " in err and "is impossible" in err
    assert f"{REPORT}:{chart_line}: unknown field 'nte' in a exchange chart" in err
    assert "did you mean 'note'?" in err


def test_the_manual_lists_every_kind_with_its_fields():
    """The manual's table of kinds (docs/charts.md) is the registry's: each kind by name, with
    every field it requires or allows."""
    section = (ROOT / "docs" / "charts.md").read_text(encoding="utf-8")
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `([a-z-]+)` \|.*$", section, re.M)}
    assert set(rows) == set(KINDS)
    for name, kind in KINDS.items():
        for field in kind.required | kind.optional:
            assert f"`{field}" in rows[name], (name, field)
        for field in kind.required:
            assert re.search(rf"`{field}[^`]*` \(required", rows[name]), (name, field)
