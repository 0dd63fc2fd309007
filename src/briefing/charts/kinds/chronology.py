"""`chronology`: dated events on one true time axis, each labelled with its fact's own summary.

Time runs down the page and an event sits where its date falls, so the gaps between events are
the gaps between their dates. What is known only to a decade (or lasts a period) is drawn across
that span, and a date the source gives only as a limit ("by 2023") as a mark with an arrow
towards earlier time. Labels keep to their events' order and stand as close to their marks as
they can without overlapping; a leader line joins each label to its mark. One colour and one
mark per kind of date; a legend names the kinds whenever more than one is drawn.

A label is the fact's `summary` and nothing else: a chart says only what the reviewed facts
say, so a declaration that brings its own wording for an event (`labels:`) is refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from briefing.base.derive import Derived
from briefing.base.wording import columns, label
from briefing.charts.kind import ChartKind
from briefing.charts.plot import ChartTable, Plot, select, span_of, years_of
from briefing.charts.style import INK, MUTED, PALETTE, STYLE, figure, mpl, wrapper
from briefing.config.chartspec import ChartSpec
from briefing.config.specs import Evidence

if TYPE_CHECKING:
    from matplotlib.figure import Figure as MplFigure

ACCENT = PALETTE[5][0]  # the one colour every mark is drawn in: colour encodes nothing here
MARKS = ("point", "span", "by")  # the kinds of date, in the legend's order


def prepare(spec: ChartSpec, evidence: Evidence, derived: dict[str, Derived]) -> Plot:
    facts = [f for f in select(spec, evidence) if f.date]
    span = span_of(facts)
    events = []
    for f in facts:
        start, end = years_of(f)
        events.append([start, end, _mark(f.date.by, end - start), f.when, _label(f.summary)])  # type: ignore[union-attr]
    alt = (
        f"Chronology of {len(events)} events from {span['first']} to {span['last']}, each "
        "placed along a time axis by its date: "
        + "; ".join(
            f"{when}, {text}" + (f" (claimed by {f.claimed_by})" if f.needs_attribution else "")
            for (_, _, _, when, text), f in zip(events, facts, strict=True)
        )
        + "."
    )
    table = ChartTable(
        columns("timeline_columns"),
        [[f.when, f.summary, f.claimed_by] for f in facts],
        facts=tuple(f.id for f in facts),
    )
    payload = {"events": events, **span}
    return Plot(spec, spec.title.format(**span), alt, tuple(facts), table, payload)


def _label(summary: str) -> str:
    """The fact's summary as a label: its own words, without the closing full stop."""
    return summary[:-1] if summary.endswith(".") else summary


def _mark(by: bool, years: float) -> str:
    """How a date is drawn: a limit ('by'), a stretch longer than a year (a decade, a period)
    drawn across it, or a point (a year, a month or a day)."""
    if by:
        return "by"
    return "span" if years > 1.01 else "point"


# ---------------------------------------------------------------- layout (inches) ------------


@dataclass(frozen=True)
class Frame:
    """The drawing's measures in inches, wide or for phones."""

    width: float
    axis_x: float  # the time axis
    label_x: float  # where a label (its date first) starts
    text_x: float  # where its words start: beside the date (wide), under it (narrow: = label_x)
    wrap: int  # characters per line of a label's words
    points: float = 8.0
    top: float = 0.14
    bottom: float = 0.14

    @property
    def line(self) -> float:
        return self.points * 1.32 / 72

    @property
    def date_line(self) -> bool:
        """Whether the date takes a line of its own above the words (narrow)."""
        return self.text_x == self.label_x


WIDE = Frame(width=6.4, axis_x=0.55, label_x=1.4, text_x=2.3, wrap=76)
NARROW = Frame(width=3.6, axis_x=0.5, label_x=1.0, text_x=1.0, wrap=44)
GAP = 0.07  # between one label and the next
LEGEND_ROW = 0.24


@dataclass(frozen=True)
class Layout:
    """Where everything goes, from the prepared values alone (so `size` needs no drawing)."""

    frame: Frame
    height: float
    start: float  # the axis's first year (top)
    end: float  # its last (bottom)
    axis_top: float
    axis_bottom: float
    marks: list[tuple[float, float]]  # each event's stretch on the axis, top and bottom (in)
    labels: list[float]  # each label's top
    lines: list[list[str]]  # each label's words, wrapped
    legend: list[str]  # the kinds of mark drawn, when more than one (else empty)

    def y(self, year: float) -> float:
        share = (year - self.start) / (self.end - self.start)
        return self.axis_top + share * (self.axis_bottom - self.axis_top)

    def anchor(self, i: int) -> float:
        """Where the leader line meets label i: the middle of its first line."""
        return self.labels[i] + self.frame.line / 2


def layout(payload: dict, narrow: bool = False) -> Layout:
    frame = NARROW if narrow else WIDE
    events = payload["events"]
    wrap = wrapper(frame.wrap)
    lines = [wrap(text).split("\n") for *_, text in events]
    heights = [frame.line * (len(words) + frame.date_line) + GAP for words in lines]
    kinds = {e[2] for e in events}
    legend = [m for m in MARKS if m in kinds] if len(kinds) > 1 else []
    # A row for the legend (one per entry on phones, its words wrapped there to fit).
    rows = sum(len(legend_text(m, narrow).split("\n")) for m in legend) if narrow else 1
    rows = rows if narrow or len(legend) < 3 else 2  # wide: three entries take two rows
    spacing = 0.06 * len(legend) if narrow else 0.0  # between entries, one under another
    legend_height = ((0.16 if narrow else LEGEND_ROW) * rows + spacing + 0.1) if legend else 0.0
    # The axis is long enough to hold every label, at the least; an even spread of events
    # then meets its labels head on, and a cluster spreads its labels around it.
    axis = max(2.0 if narrow else 1.8, 1.25 * sum(heights))
    start = min(e[0] for e in events)
    end = max(e[1] for e in events)
    if end - start < 1:  # events within a year: a year's axis, centred on them
        start, end = (start + end - 1) / 2, (start + end + 1) / 2
    axis_top = frame.top + frame.line / 2
    axis_bottom = axis_top + axis
    height = axis_bottom + frame.bottom + legend_height
    draft = Layout(frame, height, start, end, axis_top, axis_bottom, [], [], lines, legend)
    marks = [(draft.y(e[0]), draft.y(e[1])) for e in events]
    wanted = [(a + b) / 2 - frame.line / 2 for a, b in marks]
    tops = _spread(wanted, heights, 0.02, axis_bottom + frame.line)
    return Layout(frame, height, start, end, axis_top, axis_bottom, marks, tops, lines, legend)


def legend_text(mark: str, narrow: bool) -> str:
    """A legend entry's words, wrapped on phones."""
    return wrapper(34 if narrow else 0)(label(f"chronology_{mark}"))


def _spread(wanted: list[float], heights: list[float], low: float, high: float) -> list[float]:
    """Label tops in order, none overlapping the next, each as near its wish as the others
    allow (least squares), kept within [low, high]: pool-adjacent-violators on the tops less
    the heights above them, which must not decrease."""
    above = [sum(heights[:i]) for i in range(len(heights))]
    blocks: list[list[float]] = []  # [mean, count]
    for want, before in zip(wanted, above, strict=True):
        blocks.append([want - before, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, count = blocks.pop()
            blocks[-1] = [
                (blocks[-1][0] * blocks[-1][1] + mean * count) / (blocks[-1][1] + count),
                blocks[-1][1] + count,
            ]
    shifts = [mean for mean, count in blocks for _ in range(int(count))]
    last = high - sum(heights)
    shifts = [min(max(s, low), max(last, low)) for s in shifts]
    return [s + before for s, before in zip(shifts, above, strict=True)]


def ticks(lay: Layout) -> list[int]:
    """Round years along the axis: about every decade, fewer or more for long or short spans."""
    years = lay.end - lay.start
    step = next((s for s in (1, 2, 5, 10, 20, 50, 100) if years / s <= 9), 200)
    first = math.ceil(lay.start / step) * step
    return list(range(first, math.floor(lay.end) + 1, step))


# ---------------------------------------------------------------- drawing ---------------------


def draw(p: Plot, narrow: bool = False) -> MplFigure:
    """The axis, its round years, each event's mark, and its label at the place `layout` gave
    it, joined to the mark by a leader line."""
    lib = mpl()
    lay = layout(p.payload, narrow)
    f = lay.frame
    with lib.rc_context(STYLE):
        fig = figure(f.width, lay.height, layout=None)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, f.width)
        ax.set_ylim(lay.height, 0)  # inches from the top
        ax.axis("off")
        ax.plot([f.axis_x] * 2, [lay.axis_top, lay.axis_bottom], color=MUTED, lw=1, zorder=1)
        for year in ticks(lay):
            y = lay.y(year)
            ax.plot([f.axis_x - 0.06, f.axis_x], [y, y], color=MUTED, lw=0.8, zorder=1)
            ax.text(f.axis_x - 0.1, y, str(year), ha="right", va="center", fontsize=7, color=MUTED)
        for i, (event, (top, bottom)) in enumerate(
            zip(p.payload["events"], lay.marks, strict=True)
        ):
            kind, when = event[2], event[3]
            middle = (top + bottom) / 2
            _mark_at(ax, kind, f.axis_x, top, bottom)
            anchor = lay.anchor(i)
            ax.plot(
                [f.axis_x + 0.07, f.axis_x + 0.15, f.label_x - 0.2, f.label_x - 0.06],
                [middle, middle, anchor, anchor],
                color=MUTED,
                lw=0.6,
                zorder=1,
            )
            # Line by line at fixed baselines, so the layout's heights are the drawn ones: the
            # date first (on a line of its own in the narrow drawing), then the words.
            below = 1 if f.date_line else 0
            rows = [(f.label_x, when, "bold", 0)]
            rows += [(f.text_x, words, "normal", k + below) for k, words in enumerate(lay.lines[i])]
            for x, text, weight, line in rows:
                ax.text(
                    x, lay.labels[i] + (line + 0.78) * f.line, text, ha="left", va="baseline",
                    fontsize=f.points, color=INK, fontweight=weight, gid=f"event-{i + 1}",
                )  # fmt: skip
        if lay.legend:
            _legend(ax, fig, lay, narrow)
    return fig


def _mark_at(ax, kind: str, x: float, top: float, bottom: float) -> None:
    middle = (top + bottom) / 2
    if kind == "span":
        ax.plot([x, x], [top, bottom], color=ACCENT, lw=5, solid_capstyle="butt", zorder=2)
        return
    if kind == "by":  # then or earlier: an arrow up the axis, towards earlier time
        ax.annotate(
            "",
            xy=(x, middle - 0.22),
            xytext=(x, middle),
            arrowprops={
                "arrowstyle": "-|>",
                "color": ACCENT,
                "lw": 1.2,
                "linestyle": (0, (2, 1.5)),
            },
            zorder=2,
        )
    ax.scatter([x], [middle], s=30, marker="o", color=ACCENT, edgecolors="white", zorder=3)


def _handles():
    from matplotlib.lines import Line2D

    common = {"color": ACCENT, "markeredgecolor": "white"}
    return {
        "point": Line2D([], [], marker="o", linestyle="none", markersize=6, **common),
        "span": Line2D([], [], linewidth=5, solid_capstyle="butt", **common),
        "by": Line2D([], [], marker="o", linestyle=(0, (2, 1.5)), markersize=6, **common),
    }


def _legend(ax, fig, lay: Layout, narrow: bool) -> None:
    handles = _handles()
    ax.legend(
        [handles[m] for m in lay.legend],
        [legend_text(m, narrow) for m in lay.legend],
        loc="lower left",
        bbox_to_anchor=(lay.frame.label_x / lay.frame.width - 0.02, 0.0),
        bbox_transform=fig.transFigure,
        ncols=1 if narrow else min(len(lay.legend), 2),
        frameon=False,
        fontsize=7.5,
        handlelength=1.6,
        borderaxespad=0.2,
        labelcolor=INK,
    )


def size(payload: dict, narrow: bool = False) -> tuple[float, float]:
    lay = layout(payload, narrow)
    return (lay.frame.width, lay.height)


KIND = ChartKind(
    "chronology",
    prepare,
    draw,
    size,
    title_fields=frozenset({"first", "last", "count"}),
    narrow=True,
    refused={
        "labels": "a chronology labels each event with its fact's own summary, so a chart says "
        "only what the reviewed facts say; put the wording on the fact (its 'summary' in "
        "data/facts/) and remove 'labels'",
    },
)
