"""Drawing: one matplotlib function per general chart kind, from the values `chartdata.py`
prepared. Pure functions of their input, so identical data gives identical bytes.

One palette (Okabe–Ito, safe for colour-blind readers) whose every slot pairs a colour with a
marker and a hatch, so a chart still reads printed in grey. Domains pick a slot in the data.
matplotlib is imported on first use: validating a report needs none of it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from briefing.base import shaping
from briefing.base.derive import Derived
from briefing.base.files import write_atomic
from briefing.base.fonts import SANS, faces
from briefing.base.model import RenderedChart
from briefing.charts import fonts as chartfonts
from briefing.charts.data import Plot, claims_line, prepare, source_line
from briefing.config.chartspec import ChartSpec
from briefing.config.load import Evidence

if TYPE_CHECKING:
    from matplotlib.figure import Figure as MplFigure

# slot: (colour, marker, hatch)
PALETTE: list[tuple[str, str, str]] = [
    ("#000000", "X", ""),
    ("#E69F00", "s", "///"),
    ("#56B4E9", "P", "---"),
    ("#009E73", "D", "xxx"),
    ("#F0E442", "*", "++"),
    ("#0072B2", "o", ""),
    ("#D55E00", "^", "..."),
    ("#CC79A7", "v", "\\\\\\"),
]
INK = "#222222"
MUTED = "#6b6b6b"
GRID = "#d9d9d9"
REST = "#eeeeee"

STYLE = {
    # The document's own sans (shipped with the package), DejaVu for scripts it lacks.
    "font.family": [SANS, "DejaVu Sans"],
    "font.size": 9,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": INK,
    "ytick.color": INK,
    "svg.fonttype": "none",  # text as text; each SVG carries its subset face (chartfonts.py)
    "hatch.linewidth": 0.6,
    "text.parse_math": False,  # '$500 million' is money, not mathtext
}


def _mpl():
    """matplotlib, imported on first use: an up-to-date build must not pay a second for it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.figure  # noqa: F401 - makes matplotlib.figure available
    import matplotlib.patches  # noqa: F401

    _register_fonts()
    return matplotlib


@functools.cache
def _register_fonts() -> None:
    """Charts set their text in the document's sans, from the files the package ships."""
    from matplotlib import font_manager

    for face in faces():
        font_manager.fontManager.addfont(str(face.path))


def _figure(width: float, height: float, layout: str | None = "constrained") -> MplFigure:
    with _mpl().rc_context(STYLE):
        return _mpl().figure.Figure(figsize=(width, height), layout=layout)


# ---------------------------------------------------------------- sizes --------------------------


def _exchange_top(payload: dict) -> float:
    return 4.2 if payload["heading"] else 3.3  # no heading line: no room kept for one


# Each kind's figure size in inches, from its prepared values alone: the drawing is made at this
# size, and the print lays the page out at it before the drawing exists (writers/pdf.py).
SIZES: dict[str, Callable[[dict, bool], tuple[float, float]]] = {
    "timeline": lambda p, narrow: (7.2, 0.9 + 0.36 * len(p["lanes"])),
    "period-counts": lambda p, narrow: (7.2, 3.3),
    "parts": lambda p, narrow: (7.2, 1.45),
    "exchange": lambda p, narrow: (
        (3.6, 3.4 * _exchange_top(p) / 4.2) if narrow else (7.2, 2.5 * _exchange_top(p) / 4.2)
    ),
    "chronology": lambda p, narrow: (
        (3.6, 0.3 + 0.42 * len(p["events"])) if narrow else (6.4, 0.3 + 0.27 * len(p["events"]))
    ),
}


def figure_size(kind: str, payload: dict, narrow: bool = False) -> tuple[float, float]:
    return SIZES[kind](payload, narrow)


def svg_size(inches: tuple[float, float]) -> tuple[str, str]:
    """The width and height an SVG drawing of that size declares, in points, written as
    matplotlib writes them."""
    width, height = (f"{x * 72:f}".rstrip("0").rstrip(".") + "pt" for x in inches)
    return width, height


# ---------------------------------------------------------------- the kinds -----------------------


def draw_timeline(p: Plot) -> MplFigure:
    lanes = p.payload["lanes"]
    with _mpl().rc_context(STYLE):
        fig = _figure(*figure_size("timeline", p.payload))
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


def draw_period_counts(p: Plot) -> MplFigure:
    periods, totals = p.payload["periods"], p.payload["totals"]
    with _mpl().rc_context(STYLE):
        fig = _figure(*figure_size("period-counts", p.payload))
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


def draw_parts(p: Plot) -> MplFigure:
    total = p.payload["total"] or 1
    colour = PALETTE[p.payload["slot"]][0]
    with _mpl().rc_context(STYLE):
        fig = _figure(*figure_size("parts", p.payload))
        ax = fig.add_subplot()
        left = 0.0
        for i, (label, value, text, rest) in enumerate(p.payload["parts"]):
            share = value / total * 100
            fill, hatch = (
                (REST, "///")
                if rest
                else (colour if i == 0 else PALETTE[(p.payload["slot"] + i) % len(PALETTE)][0], "")
            )
            ax.barh(
                [0],
                [share],
                left=[left],
                color=fill,
                edgecolor=INK,
                linewidth=0.6,
                hatch=hatch,
                height=0.5,
            )
            dark = not rest
            ax.text(
                left + share / 2,
                0,
                f"{label}\n{text}" if share < 30 else f"{label}: {text}",
                ha="center",
                va="center",
                color="white" if dark else INK,
                fontweight="bold" if dark else "normal",
                fontsize=8.5 if dark else 9,
                bbox=None if dark else {"facecolor": "white", "edgecolor": "none", "pad": 2},
            )
            left += share
        ax.set_xlim(0, 100)
        ax.set_yticks([])
        ticks = range(0, 101, 20)
        ax.set_xticks(
            ticks, [f"{x}%" for x in ticks] if p.payload["percent"] else [str(x) for x in ticks]
        )
        ax.spines["left"].set_visible(False)
        ax.set_xlabel(p.payload["axis"])
    return fig


def draw_exchange(p: Plot, narrow: bool = False) -> MplFigure:
    """Two parties and what passes between them; on phones the same at 3.6 in with wrapped
    labels, so the type keeps its size instead of shrinking with the picture."""
    mpl = _mpl()
    parties, flows = p.payload["parties"], p.payload["flows"]
    colours = (PALETTE[5][0], PALETTE[1][0])
    top = _exchange_top(p.payload)
    wrap = _wrapper(24 if narrow else 0)
    with mpl.rc_context(STYLE):
        fig = _figure(*figure_size("exchange", p.payload, narrow), layout=None)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, 10)
        ax.set_ylim(0, top)
        ax.axis("off")
        for x, name, colour in zip((0.3, 6.9), parties, colours, strict=True):
            ax.add_patch(
                mpl.patches.FancyBboxPatch(
                    (x, 1.3),
                    2.8,
                    1.4,
                    boxstyle="round,pad=0.05,rounding_size=0.15",
                    facecolor="white",
                    edgecolor=colour,
                    linewidth=2,
                )
            )
            ax.text(
                x + 1.4,
                2.0,
                "\n".join(textwrap.wrap(name, 10)) if narrow else name,
                ha="center",
                va="center",
                fontsize=11 if narrow else 13,
                fontweight="bold",
                color=INK,
            )
        lanes = [(2.45, 2.65, "bottom"), (1.6, 1.3, "top")]
        for (y, ty, va), (source, text) in zip(lanes, flows, strict=False):
            start, end = ((3.2, y), (6.8, y)) if source == 0 else ((6.8, y), (3.2, y))
            ax.add_patch(
                mpl.patches.FancyArrowPatch(
                    start,
                    end,
                    arrowstyle="-|>",
                    mutation_scale=16,
                    color=colours[source],
                    linewidth=2,
                    linestyle="-" if source == 0 else (0, (4, 2)),
                )
            )
            ax.text(
                5.0, ty, wrap(text), ha="center", va=va, fontsize=9 if narrow else 10, color=INK
            )
        # The note under the arrows and the heading over them, where the data has them.
        for y, key, size, style in ((0.35, "note", 9, "italic"), (3.75, "heading", 10, "normal")):
            if p.payload[key]:
                ax.text(
                    5.0,
                    y,
                    wrap(p.payload[key], 40),
                    ha="center",
                    va="center",
                    fontsize=size,
                    color=MUTED,
                    style=style,
                )
    return fig


def draw_chronology(p: Plot, narrow: bool = False) -> MplFigure:
    """Dated turning points down a line; on phones the labels wrap and rows grow to fit."""
    events = p.payload["events"]
    wrap = _wrapper(26 if narrow else 0)
    with _mpl().rc_context(STYLE):
        fig = _figure(*figure_size("chronology", p.payload, narrow))
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


def _wrapper(width: int):
    """Wraps a label to `width` characters (0: leaves it whole), for the narrow drawings."""

    def wrap(text: str, wide: int | None = None) -> str:
        limit = wide if wide and width else width
        return "\n".join(textwrap.wrap(text, limit)) if limit else text

    return wrap


# The kinds that have a phone drawing (a `narrow` argument); the others shrink to the screen.
NARROW = {"exchange", "chronology"}

DRAW = {
    "timeline": draw_timeline,
    "period-counts": draw_period_counts,
    "parts": draw_parts,
    "exchange": draw_exchange,
    "chronology": draw_chronology,
}


@dataclass(frozen=True)
class Drawings:
    """What a build wants drawn, and where drawings are kept between builds.

    A drawing is a pure function of the chart's kind, id and prepared values and of the engine
    that draws it, so it is kept under the hash of those (`cache`, inside the output folder) and
    reused by the next build, or by another report with the same chart. The PNG is drawn only
    when a format needs it (Word): the browser and the PDF use the SVG."""

    png: bool = True
    svg: bool = True  # False: the PNG alone, for Word, when the SVG was drawn elsewhere
    cache: Path | None = None  # drawings kept by earlier builds (read only)
    fresh: Path | None = None  # where this build puts new ones, in its staging folder


def _engine() -> str:
    """What else decides a drawing's bytes (the drawing code, the typeface, matplotlib and
    what it draws with, the subsetter): the items of shaping.py that shape the charts, so the
    cache and the up-to-date check read one list."""
    return shaping.digest([shaping.CHARTS])


def warm_up() -> None:
    """matplotlib and the chart typeface loaded ahead, in a worker that will draw."""
    _mpl()


def drawing_key(spec: ChartSpec, plot: Plot) -> str:
    drawn = {"kind": spec.kind, "id": spec.id, "payload": plot.payload, "engine": _engine()}
    text = json.dumps(drawn, sort_keys=True, default=repr, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _svg(figure: MplFigure, spec: ChartSpec, rules: str) -> bytes:
    out = io.BytesIO()
    with _mpl().rc_context({**STYLE, "svg.hashsalt": spec.id}):
        figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return chartfonts.embed(out.getvalue(), rules)


def _draw(spec: ChartSpec, plot: Plot, parts: list[str]) -> dict[str, bytes]:
    """The parts asked for. Each SVG carries the subset of the face its own words need, so a
    drawing's bytes never depend on what else was drawn with it."""
    drawn = {}
    if "svg" in parts or "png" in parts:
        figure = DRAW[spec.kind](plot)
        if "svg" in parts:
            rules = chartfonts.font_rules(chartfonts.used_text(figure))
            drawn["svg"] = _svg(figure, spec, rules)
        if "png" in parts:
            out = io.BytesIO()
            with _mpl().rc_context(STYLE):
                figure.savefig(out, format="png", dpi=200, metadata={"Software": None})
            drawn["png"] = out.getvalue()
    if "narrow.svg" in parts:
        narrow = DRAW[spec.kind](plot, narrow=True)
        rules = chartfonts.font_rules(chartfonts.used_text(narrow))
        drawn["narrow.svg"] = _svg(narrow, spec, rules)
    return drawn


# A drawing's file in the cache: its key, then the part ("svg", "narrow.svg" or "png").
DRAWING_FILE = re.compile(r"([0-9a-f]{32})\.(svg|narrow\.svg|png)")


def _kept(folders: tuple[Path | None, ...], key: str, part: str) -> bytes | None:
    for folder in folders:
        if folder is not None:
            with contextlib.suppress(OSError):
                return (folder / f"{key}.{part}").read_bytes()
    return None


def _drawings(spec: ChartSpec, plot: Plot, want: Drawings, say: Callable[[str], None]) -> dict:
    """The chart's drawings, each from the cache when it is there, the rest drawn."""
    parts = [
        *(["svg"] if want.svg else []),
        *(["narrow.svg"] if want.svg and spec.kind in NARROW else []),
        *(["png"] if want.png else []),
    ]
    key = drawing_key(spec, plot)
    found = {part: _kept((want.cache, want.fresh), key, part) for part in parts}
    drawn = {part: data for part, data in found.items() if data is not None}
    missing = [part for part in parts if part not in drawn]
    if missing:
        say(f"drawing chart {spec.id!r}")
        new = _draw(spec, plot, missing)
        if want.fresh is not None:
            want.fresh.mkdir(parents=True, exist_ok=True)
            for part, data in new.items():
                write_atomic(want.fresh / f"{key}.{part}", data)
        drawn.update(new)
    return drawn


def drawings(
    spec: ChartSpec,
    evidence: Evidence,
    derived: dict[str, Derived],
    want: Drawings = Drawings(),
    say: Callable[[str], None] = lambda _m: None,
) -> dict[str, bytes]:
    """One chart's drawings (svg, png when wanted, narrow.svg for kinds that have one), on their
    own: a build may draw them in another process while the text is composed."""
    return _drawings(spec, prepare(spec, evidence, derived), want, say)


def render(
    spec: ChartSpec,
    number: int,
    evidence: Evidence,
    derived: dict[str, Derived],
    want: Drawings = Drawings(),
    say: Callable[[str], None] = lambda _m: None,
    drawn: dict[str, bytes] | None = None,
) -> RenderedChart:
    """The chart as the document holds it; `drawn` when its drawings were made elsewhere."""
    plot = prepare(spec, evidence, derived)
    if drawn is None:
        drawn = _drawings(spec, plot, want, say)
    return RenderedChart(
        id=spec.id,
        number=number,
        title=plot.title,
        caption=" ".join(filter(None, [spec.caption, claims_line(plot.facts)])),
        alt=" ".join(filter(None, [plot.alt, claims_line(plot.facts)])),
        source_line=source_line(plot.facts),
        facts=plot.facts,
        svg=drawn.get("svg", b""),  # empty: still being drawn; the print reads it by key
        png=drawn.get("png"),
        svg_narrow=drawn.get("narrow.svg"),
        data_columns=plot.table.columns,
        data_rows=plot.table.rows,
        key=drawing_key(spec, plot),
        size=figure_size(spec.kind, plot.payload),
    )
