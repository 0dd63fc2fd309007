"""Unit tests: what each chart kind selects and computes, and derived figures with their units.
No drawing and no rendering: these run on an invented evidence base loaded by the real loader."""

from __future__ import annotations

import io
from dataclasses import replace
from xml.etree import ElementTree

import pytest

from briefing.base.derive import DerivedSpec, DeriveError, Operand, compute, derive
from briefing.base.errors import Problems
from briefing.base.model import Quantity
from briefing.base.wording import label
from briefing.charts.data import ChartDataError, prepare, select
from briefing.config.chartspec import ChartSpec, Selection
from briefing.config.load import Evidence, load_evidence
from briefing.publish.pipeline import select_reports

from .test_generator import make_project


@pytest.fixture(scope="module")
def evidence(tmp_path_factory) -> Evidence:
    root = make_project(tmp_path_factory.mktemp("port"))
    problems = Problems()
    spec = select_reports(root, ["port-trade"], problems)[0]
    ev = load_evidence(spec, root, problems)
    assert not problems.items, problems.items
    return ev


def chart(kind: str, title: str = "T", **options) -> ChartSpec:
    select_ = options.pop("select", Selection())
    return ChartSpec("c", kind, title, "caption", "reports/x.yaml:7", select_, options)


# ---------------------------------------------------------------- selection -----------------------


def test_selection_filters_by_domain_tag_and_id_oldest_first(evidence):
    assert [f.id for f in select(chart("timeline"), evidence)] == [
        "talks-open",
        "grain-deal",
        "talks-close",
    ]
    by_domain = chart("timeline", select=Selection(domains=("talks",)))
    assert [f.id for f in select(by_domain, evidence)] == ["talks-open", "talks-close"]
    by_tag = chart("timeline", select=Selection(tags=("grain",)))
    assert [f.id for f in select(by_tag, evidence)] == ["grain-deal", "talks-close"]
    by_id = chart("timeline", select=Selection(facts=("talks-close",)))
    assert [f.id for f in select(by_id, evidence)] == ["talks-close"]


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        (Selection(domains=("weather",)), "domain 'weather'"),
        (Selection(facts=("no-such-fact",)), "fact 'no-such-fact'"),
        (Selection(tags=("unused",)), "matches no fact"),
    ],
)
def test_a_selection_that_cannot_match_is_explained(evidence, selection, message):
    with pytest.raises(ChartDataError, match=message):
        select(chart("timeline", select=selection), evidence)


# ---------------------------------------------------------------- the kinds -----------------------


def test_timeline_rows_follow_the_declared_domain_order(evidence):
    plot = prepare(chart("timeline", "Steps, {first}–{last} ({count})"), evidence, {})
    assert plot.title == "Steps, 2023–2025 (3)"
    assert [(label, slot, len(xs)) for label, slot, xs in plot.payload["lanes"]] == [
        ("Trade", 1, 1),
        ("Talks", 5, 2),
    ]
    assert plot.table.rows == [["Trade", "1", "May 2024"], ["Talks", "2", "2023, 15 January 2025"]]
    assert "Trade: 1 events; Talks: 2 events" in plot.alt


def test_period_counts_by_year_with_totals(evidence):
    plot = prepare(chart("period-counts", period="year"), evidence, {})
    assert plot.payload["periods"] == ["2023", "2024", "2025"]
    assert plot.payload["totals"] == [1, 1, 1]
    assert plot.table.columns == ["Period", "Trade", "Talks", "Total"]
    assert plot.table.rows[0] == ["2023", "0", "1", "1"]


def test_parts_resolve_quantities_and_derived_figures(evidence):
    derived = {"rest": replace(derive(evidence.facts)["price-per-tonne"], id="rest")}
    derived["rest"] = replace(derived["rest"], quantity=Quantity(200, "USD-per-tonne"))
    plot = prepare(
        chart(
            "parts",
            axis="Price per tonne",
            parts=[
                {"label": "Paid", "value": "price-per-tonne"},
                {"label": "Rest", "value": "rest", "rest": True},
            ],
        ),
        evidence,
        {**derive(evidence.facts), **derived},
    )
    assert plot.table.rows == [["Paid", "$300 per tonne"], ["Rest", "$200 per tonne"]]
    assert plot.payload["total"] == pytest.approx(500)
    assert [f.id for f in plot.facts] == ["grain-deal"]


def test_parts_refuse_an_unknown_value(evidence):
    spec = chart(
        "parts",
        axis="A",
        parts=[
            {"label": "X", "value": "grain-deal.weight"},
            {"label": "Y", "value": "grain-deal.wheat"},
        ],
    )
    with pytest.raises(ChartDataError, match="'grain-deal.weight' is neither"):
        prepare(spec, evidence, {})


def test_exchange_fills_each_flow_label_with_its_values(evidence):
    spec = chart(
        "exchange",
        "Sale of {year}",
        select=Selection(facts=("grain-deal",)),
        parties=["North", "South"],
        flows=[
            {"from": "North", "label": "Wheat: {}", "values": ["wheat"]},
            {"from": "South", "label": "Cash: {}", "values": ["price"]},
        ],
    )
    plot = prepare(spec, evidence, derive(evidence.facts))
    assert plot.title == "Sale of 2024"
    assert plot.payload["flows"] == [(0, "Wheat: 400,000 tonnes"), (1, "Cash: $120 million")]
    assert plot.table.rows[0] == ["North", "South", "Wheat", "400,000 tonnes"]


def test_exchange_label_and_values_must_agree(evidence):
    spec = chart(
        "exchange",
        select=Selection(facts=("grain-deal",)),
        parties=["North", "South"],
        flows=[{"from": "North", "label": "Wheat: {} and {}", "values": ["wheat"]}],
    )
    with pytest.raises(ChartDataError, match="has 2 \\{\\} for 1 value"):
        prepare(spec, evidence, {})


def test_chronology_labels_each_event_with_its_facts_own_summary(evidence):
    """A chart says only what the reviewed facts say: each event's label is its summary."""
    plot = prepare(chart("chronology"), evidence, {})
    summaries = [f.summary for f in plot.facts]
    assert [event[4] + "." for event in plot.payload["events"]] == summaries
    assert [row[:2] for row in plot.table.rows] == [
        ["2023", "The two ports open formal trade talks."],
        ["May 2024", "Northland sells wheat to Southport for cash."],
        ["15 January 2025", "The talks conclude with a five-year framework."],
    ]
    # Each event names who claims it, in the data table and in the alt text alike.
    claimants = [row[2] for row in plot.table.rows]
    assert all(claimants) and all(f"claimed by {c}" in plot.alt for c in claimants)
    assert plot.table.facts == ("talks-open", "grain-deal", "talks-close")


def _with(evidence: Evidence, *extra: tuple[str, str]) -> Evidence:
    """The evidence with more facts like 'talks-open', each with its id and date."""
    from briefing.config.fieldkinds import parse_date

    base = evidence.facts["talks-open"]
    facts = dict(evidence.facts)
    for fid, when in extra:
        facts[fid] = replace(base, id=fid, date=parse_date(when), summary=f"Step {fid}.")
    return replace(evidence, facts=facts)


def _drawn_marks(plot, narrow: bool = False):
    """The chronology's drawing: each point mark's centre in inches from the top, the colours
    and shapes of its marks, and its legend's words (None: no legend)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from briefing.charts.kinds import KINDS

    figure = KINDS["chronology"].draw(plot, narrow)
    FigureCanvasAgg(figure).draw()
    ax = figure.axes[0]
    height = figure.get_figheight() * figure.dpi
    centres, looks = [], set()
    for collection in ax.collections:
        for _x, y in ax.transData.transform(collection.get_offsets()):
            centres.append((height - y) / figure.dpi)
        colours = {tuple(c) for c in collection.get_facecolors()}
        shapes = {tuple(map(tuple, p.vertices.round(3))) for p in collection.get_paths()}
        looks |= {(c, s) for c in colours for s in shapes}
    legend = ax.get_legend() or (figure.legends[0] if figure.legends else None)
    words = [t.get_text() for t in legend.get_texts()] if legend else None
    return figure, centres, looks, words


@pytest.mark.parametrize("narrow", [False, True])
def test_chronology_places_events_in_proportion_to_their_dates(evidence, narrow):
    """A true time axis: the gaps between marks are the gaps between the dates they mean (a
    year-only date at its year's middle), in both drawings; never evenly spaced."""
    plot = prepare(chart("chronology"), evidence, {})
    _, centres, _, _ = _drawn_marks(plot, narrow)
    middles = [2023.5, 2024 + (31 + 29 + 31 + 30 + 15.5) / 366, 2025 + 14.5 / 365]
    assert centres == sorted(centres) and len(centres) == 3
    share = (centres[1] - centres[0]) / (centres[2] - centres[0])
    assert share == pytest.approx((middles[1] - middles[0]) / (middles[2] - middles[0]), abs=0.01)


def test_chronology_labels_of_close_events_do_not_overlap(evidence):
    """Events a few weeks apart keep their labels apart, in date order, each joined to its
    mark by a leader line."""
    from matplotlib.transforms import Bbox

    from briefing.charts.kinds.chronology import layout

    close = _with(evidence, ("a", "2024-05-02"), ("b", "2024-05-20"), ("c", "2024-06"))
    plot = prepare(chart("chronology"), close, {})
    for narrow in (False, True):
        figure, _, _, _ = _drawn_marks(plot, narrow)
        renderer = figure.canvas.get_renderer()
        labels: dict[str, list] = {}  # each event's lines, as drawn
        for text in figure.axes[0].texts:
            if text.get_gid():
                labels.setdefault(text.get_gid(), []).append(text.get_window_extent(renderer))
        boxes = [Bbox.union(lines) for lines in labels.values()]
        assert len(boxes) == 6
        for i, one in enumerate(boxes):
            assert not any(one.overlaps(other) for other in boxes[i + 1 :]), narrow
        lay = layout(plot.payload, narrow)
        assert lay.labels == sorted(lay.labels)
        assert all(
            top + len(lines) * lay.frame.line <= nxt
            for top, lines, nxt in zip(lay.labels, lay.lines, lay.labels[1:], strict=False)
        )


def test_chronology_has_one_look_and_a_legend_exactly_when_its_marks_differ(evidence):
    """Colour and shape encode nothing: every event has the same mark. A date known only to a
    decade is drawn across it and one given only as a limit ('by') points to earlier time, and
    then (only then) a legend names each kind of mark."""
    plain = prepare(chart("chronology"), evidence, {})
    _, _, looks, legend = _drawn_marks(plain)
    assert len(looks) == 1 and legend is None
    mixed = prepare(chart("chronology"), _with(evidence, ("d", "2010s"), ("e", "by 2022")), {})
    assert [e[2] for e in mixed.payload["events"]] == ["span", "by", "point", "point", "point"]
    for narrow in (False, True):
        _, _, looks, legend = _drawn_marks(mixed, narrow)
        assert len(looks) == 1
        expected = [label(f"chronology_{m}") for m in ("point", "span", "by")]
        assert legend is not None and [w.replace("\n", " ") for w in legend] == expected


# ---------------------------------------------------------------- derived figures -----------------


def spec(operation: str, *inputs: Operand, unit: str) -> DerivedSpec:
    return DerivedSpec("d", operation, inputs, unit, 0, "how", "data/facts.yaml:9")


WHEAT = Operand("grain-deal", "wheat")
PRICE = Operand("grain-deal", "price")


def test_dollars_over_tonnes_is_dollars_per_tonne(evidence):
    d = compute(spec("divide", PRICE, WHEAT, unit="USD-per-tonne"), evidence.facts)
    # $120 million (two figures) over 400,000 tonnes (one): one figure.
    assert d.quantity == Quantity(300, "USD-per-tonne", 1)
    assert [f.id for f in d.facts] == ["grain-deal"]


def test_units_convert_within_a_dimension(evidence):
    ounces = compute(spec("convert", WHEAT, unit="troy-ounce"), evidence.facts)
    assert ounces.quantity.value == pytest.approx(400_000 * 1_000_000 / 31.1034768)
    per_ounce = compute(spec("divide", PRICE, WHEAT, unit="USD-per-troy-ounce"), evidence.facts)
    assert per_ounce.quantity.value == pytest.approx(300 * 31.1034768 / 1_000_000)


def test_a_constant_can_be_subtracted(evidence):
    hundred = Operand(constant=Quantity(100, "percent"))
    share = Operand(constant=Quantity(11, "percent"))
    assert compute(spec("subtract", hundred, share, unit="percent"), evidence.facts).quantity == (
        Quantity(89, "percent")
    )


@pytest.mark.parametrize(
    ("made", "message"),
    [
        (spec("add", WHEAT, PRICE, unit="USD"), "cannot add money to mass"),
        (
            spec("divide", PRICE, WHEAT, unit="USD-per-barrel"),
            "measures money per mass, but unit 'USD-per-barrel' measures money per volume",
        ),
        (spec("convert", WHEAT, unit="USD"), "measures mass, but unit 'USD' measures money"),
        (
            spec("divide", Operand("grain-deal", "barrels"), WHEAT, unit="USD"),
            "has no quantity 'barrels'",
        ),
        (spec("divide", Operand("no-fact", "x"), WHEAT, unit="USD"), "no fact 'no-fact'"),
    ],
)
def test_unit_mistakes_are_refused_with_their_declaration(evidence, made, message):
    with pytest.raises(DeriveError, match=message) as exc:
        compute(made, evidence.facts)
    assert exc.value.origin == "data/facts.yaml:9"


def test_a_bad_declaration_in_the_data_is_a_path_line_problem(tmp_path, capsys):
    from briefing.cli.main import main

    root = make_project(tmp_path)
    facts = root / "data/port/facts.yaml"
    text = facts.read_text().replace("operation: divide", "operation: add")
    facts.write_text(text)
    line = text.splitlines().index("    - id: price-per-tonne") + 1
    code = main(["build", "-C", str(root), "-o", str(tmp_path / "o"), "-q"])
    err = capsys.readouterr().err
    assert code == 2
    assert (
        f"data/port/facts.yaml:{line}: derived 'price-per-tonne': cannot add mass to money" in err
    )


def test_every_kind_is_drawn_at_the_size_the_print_lays_out(evidence):
    """The print sizes a chart before it is drawn (each kind's `size`): each kind's drawing,
    full and for phones, must declare exactly that size."""
    from briefing.charts.draw import figure_size, svg_size
    from briefing.charts.kinds import KINDS

    derived = derive(evidence.facts)
    rest = replace(derived["price-per-tonne"], id="rest", quantity=Quantity(200, "USD-per-tonne"))
    specs = {
        "timeline": chart("timeline"),
        "period-counts": chart("period-counts", period="year"),
        "parts": chart(
            "parts",
            axis="Price per tonne",
            parts=[
                {"label": "Paid", "value": "price-per-tonne"},
                {"label": "Rest", "value": "rest", "rest": True},
            ],
        ),
        "exchange": chart(
            "exchange",
            select=Selection(facts=("grain-deal",)),
            parties=["North", "South"],
            flows=[{"from": "North", "label": "Wheat: {}", "values": ["wheat"]}],
        ),
        "chronology": chart("chronology"),
    }
    assert set(specs) == set(KINDS)
    for kind, spec_ in specs.items():
        plot = prepare(spec_, evidence, {**derived, "rest": rest})
        for narrow in (False, True) if KINDS[kind].narrow else (False,):
            figure = KINDS[kind].draw(plot, narrow)
            out = io.BytesIO()
            figure.savefig(out, format="svg")
            root = ElementTree.fromstring(out.getvalue())
            declared = (root.get("width"), root.get("height"))
            assert declared == svg_size(figure_size(kind, plot.payload, narrow)), (kind, narrow)
