"""`period-counts`: the selected dated facts counted per decade or per year, stacked by domain."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from briefing.base.derive import Derived
from briefing.base.wording import columns
from briefing.charts.kind import ChartKind, Declared
from briefing.charts.plot import ChartTable, Plot, select, span_of
from briefing.charts.style import GRID, INK, PALETTE, STYLE, figure, mpl
from briefing.config.chartspec import ChartSpec
from briefing.config.specs import Evidence

if TYPE_CHECKING:
    from matplotlib.figure import Figure as MplFigure


def prepare(spec: ChartSpec, evidence: Evidence, derived: dict[str, Derived]) -> Plot:
    facts = [f for f in select(spec, evidence) if f.date]
    span = span_of(facts)
    step = 10 if spec.options.get("period", "decade") == "decade" else 1
    period_of = {f.id: f.date.year // step * step for f in facts}
    periods = list(range(min(period_of.values()), max(period_of.values()) + step, step))
    names = [f"{p}s" if step == 10 else str(p) for p in periods]
    lanes = [d for d in evidence.domains.values() if any(f.domain == d.id for f in facts)]
    counts = Counter((f.domain, period_of[f.id]) for f in facts)
    totals = [sum(counts[(d.id, p)] for d in lanes) for p in periods]
    alt = (
        f"Stacked bar chart of dated events per {'decade' if step == 10 else 'year'}, split by domain: "
        + "; ".join(
            f"{name}: {total}"
            + (
                " ("
                + ", ".join(f"{d.label} {counts[(d.id, p)]}" for d in lanes if counts[(d.id, p)])
                + ")"
                if total
                else ""
            )
            for name, p, total in zip(names, periods, totals, strict=True)
        )
        + "."
    )
    table = ChartTable(
        columns("period_columns", lanes=[d.label for d in lanes]),
        [
            [name, *(str(counts[(d.id, p)]) for d in lanes), str(total)]
            for name, p, total in zip(names, periods, totals, strict=True)
        ],
    )
    payload = {
        "periods": names,
        "series": [(d.label, d.slot, [counts[(d.id, p)] for p in periods]) for d in lanes],
        "totals": totals,
        "axis": spec.options.get("axis", "Dated events in the evidence base"),
    }
    return Plot(spec, spec.title.format(**span), alt, tuple(facts), table, payload)


def draw(p: Plot, narrow: bool = False) -> MplFigure:
    periods, totals = p.payload["periods"], p.payload["totals"]
    with mpl().rc_context(STYLE):
        fig = figure(*size(p.payload))
        ax = fig.add_subplot()
        bottom = [0] * len(periods)
        for label, slot, heights in p.payload["series"]:
            colour, _, hatch = PALETTE[slot]
            ax.bar(
                periods,
                heights,
                bottom=bottom,
                color=colour,
                hatch=hatch,
                edgecolor="white",
                linewidth=0.6,
                label=label,
                width=0.7,
            )
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        for x, total in enumerate(totals):
            if total:
                ax.text(
                    x, total + 0.15, str(total), ha="center", va="bottom", fontsize=8.5, color=INK
                )
        ax.set_ylabel(p.payload["axis"])
        ax.set_ylim(0, max(totals) + 1.5)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.grid(axis="y", color=GRID, linewidth=0.5)
        ax.set_axisbelow(True)
        ax.legend(frameon=False, fontsize=8, loc="upper left", ncols=2)
    return fig


PERIODS = ("decade", "year")


def size(payload: dict, narrow: bool = False) -> tuple[float, float]:
    return (7.2, 3.3)


def rules(declared: Declared) -> None:
    if declared.options.get("period", "decade") not in PERIODS:
        declared.add(declared.line_of("period"), f"'period' must be one of {', '.join(PERIODS)}")


KIND = ChartKind(
    "period-counts",
    prepare,
    draw,
    size,
    optional=frozenset({"period", "axis"}),
    title_fields=frozenset({"first", "last", "count"}),
    rules=rules,
)
