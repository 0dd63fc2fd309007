"""`chronology`: labelled events down one time axis, in date order; on phones the labels wrap."""

from __future__ import annotations

from typing import TYPE_CHECKING

from briefing.base.derive import Derived
from briefing.base.wording import columns
from briefing.charts.kind import ChartKind
from briefing.charts.plot import ChartDataError, ChartTable, Plot, select, span_of, year_of
from briefing.charts.style import INK, MUTED, PALETTE, STYLE, figure, mpl, wrapper
from briefing.config.chartspec import ChartSpec
from briefing.config.specs import Evidence

if TYPE_CHECKING:
    from matplotlib.figure import Figure as MplFigure


def prepare(spec: ChartSpec, evidence: Evidence, derived: dict[str, Derived]) -> Plot:
    facts = [f for f in select(spec, evidence) if f.date]
    span = span_of(facts)
    labels = spec.options.get("labels") or {}
    unknown = sorted(set(labels) - {f.id for f in facts})
    if unknown:
        raise ChartDataError(
            f"'labels' names facts the selection does not include: {', '.join(unknown)}"
        )
    events = [(year_of(f), f.when, str(labels.get(f.id) or f.summary.rstrip("."))) for f in facts]
    alt = (
        f"Chronology of {len(events)} events from {span['first']} to {span['last']}: "
        + "; ".join(
            f"{when}, {text}" + (f" (claimed by {f.claimed_by})" if f.needs_attribution else "")
            for (_, when, text), f in zip(events, facts, strict=True)
        )
        + "."
    )
    table = ChartTable(
        columns("timeline_columns"),
        [[when, text, f.claimed_by] for (_, when, text), f in zip(events, facts, strict=True)],
    )
    payload = {
        "events": events,
        "slots": [evidence.domains[f.domain].slot for f in facts],
        **span,
    }
    return Plot(spec, spec.title.format(**span), alt, tuple(facts), table, payload)


def draw(p: Plot, narrow: bool = False) -> MplFigure:
    """Dated turning points down a line; on phones the labels wrap and rows grow to fit."""
    events = p.payload["events"]
    wrap = wrapper(26 if narrow else 0)
    with mpl().rc_context(STYLE):
        fig = figure(*size(p.payload, narrow))
        ax = fig.add_subplot()
        n = len(events)
        ax.axvline(0, color=MUTED, linewidth=1.2, zorder=1)
        for i, ((_, when, text), slot) in enumerate(zip(events, p.payload["slots"], strict=True)):
            y = n - 1 - i
            colour, marker, _ = PALETTE[slot]
            ax.scatter([0], [y], s=60, marker=marker, color=colour, edgecolors="white", zorder=3)
            ax.text(
                -0.2, y, when, ha="right", va="center", fontsize=9, color=INK, fontweight="bold"
            )
            ax.text(0.2, y, wrap(text), ha="left", va="center", fontsize=9, color=INK)
        ax.set_xlim(*((-2.6, 6) if narrow else (-1.7, 6)))
        ax.set_ylim(-0.7, n - 0.3)
        ax.axis("off")
    return fig


def size(payload: dict, narrow: bool = False) -> tuple[float, float]:
    rows = len(payload["events"])
    return (3.6, 0.3 + 0.42 * rows) if narrow else (6.4, 0.3 + 0.27 * rows)


KIND = ChartKind(
    "chronology",
    prepare,
    draw,
    size,
    optional=frozenset({"labels"}),
    title_fields=frozenset({"first", "last", "count"}),
    narrow=True,
)
