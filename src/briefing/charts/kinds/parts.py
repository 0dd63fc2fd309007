"""`parts`: one whole split into labelled parts (a share and the rest), as one bar."""

from __future__ import annotations

from typing import TYPE_CHECKING

from briefing.base.derive import Derived
from briefing.base.model import Fact
from briefing.base.wording import columns
from briefing.charts.kind import ChartKind, Declared
from briefing.charts.plot import ChartDataError, ChartTable, Plot, own_fact, resolve, unique
from briefing.charts.style import INK, PALETTE, REST, STYLE, figure, mpl
from briefing.config.chartspec import ChartSpec
from briefing.config.specs import Evidence
from briefing.config.yamlfile import LocatedDict

if TYPE_CHECKING:
    from matplotlib.figure import Figure as MplFigure


def prepare(spec: ChartSpec, evidence: Evidence, derived: dict[str, Derived]) -> Plot:
    pieces = []
    used: list[Fact] = []
    default = own_fact(spec, evidence)
    for part in spec.options["parts"]:
        value = resolve(part["value"], evidence, derived, default)
        used += value.facts
        pieces.append((str(part["label"]), value, bool(part.get("rest", False))))
    total = sum(v.quantity.value for _, v, _ in pieces)
    unit = pieces[0][1].quantity.unit
    if any(v.quantity.unit != unit for _, v, _ in pieces):
        raise ChartDataError("all parts must share one unit")
    first = used[0] if used else None
    slot = evidence.domains[first.domain].slot if first else 0
    axis = str(spec.options["axis"])
    alt = (
        f"Single horizontal bar showing {axis[:1].lower() + axis[1:]}, split into "
        + "; ".join(f"{label}: {v.text}" for label, v, _ in pieces)
        + "."
    )
    table = ChartTable(columns("parts_columns"), [[label, v.text] for label, v, _ in pieces])
    payload = {
        "parts": [(label, v.quantity.value, v.text, rest) for label, v, rest in pieces],
        "total": total,
        "axis": axis,
        "slot": slot,
        "percent": unit == "percent",
    }
    return Plot(spec, spec.title, alt, unique(used), table, payload)


def draw(p: Plot, narrow: bool = False) -> MplFigure:
    total = p.payload["total"] or 1
    colour = PALETTE[p.payload["slot"]][0]
    with mpl().rc_context(STYLE):
        fig = figure(*size(p.payload))
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


def size(payload: dict, narrow: bool = False) -> tuple[float, float]:
    return (7.2, 1.45)


def rules(declared: Declared) -> None:
    parts = declared.options["parts"]
    if not isinstance(parts, list) or len(parts) < 2:
        declared.add(declared.line_of("parts"), "'parts' must list two or more parts")
        return
    for part in parts:
        if not isinstance(part, LocatedDict) or not {"label", "value"} <= set(part):
            declared.add(
                getattr(part, "line", declared.line_of("parts")),
                "each part needs 'label' and 'value' (fact-id.quantity or a derived id)",
            )
        elif not isinstance(part.get("rest", False), bool):
            declared.add(part.line_of("rest"), "'rest' must be true or false")


KIND = ChartKind(
    "parts",
    prepare,
    draw,
    size,
    required=frozenset({"parts", "axis"}),
    rules=rules,
)
