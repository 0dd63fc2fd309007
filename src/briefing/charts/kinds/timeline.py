"""`timeline`: every selected dated fact on a time axis, one row per domain."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from briefing.base.derive import Derived
from briefing.base.wording import columns
from briefing.charts.kind import ChartKind
from briefing.charts.plot import ChartTable, Plot, select, span_of, year_of
from briefing.charts.style import GRID, PALETTE, STYLE, figure, mpl
from briefing.config.chartspec import ChartSpec
from briefing.config.specs import Evidence

if TYPE_CHECKING:
    from matplotlib.figure import Figure as MplFigure


def prepare(spec: ChartSpec, evidence: Evidence, derived: dict[str, Derived]) -> Plot:
    facts = [f for f in select(spec, evidence) if f.date]
    span = span_of(facts)
    lanes = [d for d in evidence.domains.values() if any(f.domain == d.id for f in facts)]
    counts = Counter(f.domain for f in facts)
    alt = (
        f"Dot timeline of {len(facts)} dated events from {span['first']} to {span['last']}, "
        "one row per domain. "
        + "; ".join(f"{d.label}: {counts[d.id]} events" for d in lanes)
        + f". The first is {facts[0].summary.rstrip('.')} ({facts[0].when}) and the last is "
        f"{facts[-1].summary.rstrip('.')} ({facts[-1].when})."
    )
    table = ChartTable(
        columns("domains_columns"),
        [
            [d.label, str(counts[d.id]), ", ".join(f.when for f in facts if f.domain == d.id)]
            for d in lanes
        ],
    )
    payload = {
        "lanes": [
            (d.label, d.slot, [year_of(f) for f in facts if f.domain == d.id]) for d in lanes
        ],
        **span,
    }
    return Plot(spec, spec.title.format(**span), alt, tuple(facts), table, payload)


def draw(p: Plot, narrow: bool = False) -> MplFigure:
    lanes = p.payload["lanes"]
    with mpl().rc_context(STYLE):
        fig = figure(*size(p.payload))
        ax = fig.add_subplot()
        for row, (label, slot, xs) in enumerate(reversed(lanes)):
            colour, marker, _ = PALETTE[slot]
            ax.scatter(
                xs,
                [row] * len(xs),
                s=46,
                marker=marker,
                color=colour,
                edgecolors="white",
                linewidths=0.6,
                zorder=3,
                label=label,
            )
            ax.axhline(row, color=GRID, linewidth=0.8, zorder=1)
        ax.set_yticks(range(len(lanes)), [label for label, _, _ in reversed(lanes)])
        ax.set_xlim(p.payload["first"] - 3, p.payload["last"] + 3)
        ax.set_ylim(-0.7, len(lanes) - 0.3)
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        ax.set_xlabel("Year")
        ax.grid(axis="x", color=GRID, linewidth=0.5)
    return fig


def size(payload: dict, narrow: bool = False) -> tuple[float, float]:
    return (7.2, 0.9 + 0.36 * len(payload["lanes"]))


KIND = ChartKind(
    "timeline",
    prepare,
    draw,
    size,
    title_fields=frozenset({"first", "last", "count"}),
)
