"""`exchange`: two parties and the labelled flows between them; on phones the same at 3.6 in."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from briefing.base.derive import Derived
from briefing.base.wording import columns
from briefing.charts.kind import ChartKind, Declared
from briefing.charts.plot import ChartTable, Plot, fill, own_fact, resolve, select, unique
from briefing.charts.style import INK, MUTED, PALETTE, STYLE, figure, mpl, wrapper
from briefing.config.chartspec import ChartSpec
from briefing.config.specs import Evidence
from briefing.config.yamlfile import LocatedDict

if TYPE_CHECKING:
    from matplotlib.figure import Figure as MplFigure


def prepare(spec: ChartSpec, evidence: Evidence, derived: dict[str, Derived]) -> Plot:
    facts = select(spec, evidence) if spec.select.facts else []
    default = own_fact(spec, evidence)
    parties = [str(p) for p in spec.options["parties"]]
    flows, used, rows = [], list(facts), []
    for flow in spec.options["flows"]:
        values = [resolve(r, evidence, derived, default) for r in flow["values"]]
        used += [f for v in values for f in v.facts]
        source = parties.index(flow["from"])
        text = fill(str(flow["label"]), values)
        flows.append((source, text))
        rows += [[flow["from"], parties[1 - source], v.name, v.text] for v in values]
    note = ""
    if "note" in spec.options:
        n = spec.options["note"]
        values = [resolve(r, evidence, derived, default) for r in n.get("values", [])]
        note = fill(str(n["label"]), values)
        rows += [["", "", f"{v.name} (computed)", v.text] for v in values]
    anchor = next((f for f in used if f.date), None)
    fields = {
        "year": anchor.date.year if anchor else "",
        "claimant": anchor.claimant if anchor else "",
    }
    alt = (
        f"Diagram of an exchange between {parties[0]} and {parties[1]}"
        + (f" in {fields['year']}" if fields["year"] else "")
        + ": "
        + "; ".join(f"from {parties[s]} to {parties[1 - s]}, {t}" for s, t in flows)
        + "."
        + (f" {note}." if note else "")
    )
    table = ChartTable(columns("exchange_columns"), rows)
    payload = {"parties": parties, "flows": flows, "note": note}
    return Plot(spec, spec.title.format(**fields), alt, unique(used), table, payload)


def draw(p: Plot, narrow: bool = False) -> MplFigure:
    """Two parties and what passes between them; on phones the same at 3.6 in with wrapped
    labels, so the type keeps its size instead of shrinking with the picture."""
    lib = mpl()
    parties, flows = p.payload["parties"], p.payload["flows"]
    colours = (PALETTE[5][0], PALETTE[1][0])
    wrap = wrapper(24 if narrow else 0)
    with lib.rc_context(STYLE):
        fig = figure(*size(p.payload, narrow), layout=None)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, 10)
        ax.set_ylim(0, TOP)
        ax.axis("off")
        for x, name, colour in zip((0.3, 6.9), parties, colours, strict=True):
            ax.add_patch(
                lib.patches.FancyBboxPatch(
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
                lib.patches.FancyArrowPatch(
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
        # The note under the arrows, where the data has one. No heading over them: the figure
        # title above the image already says what the exchange is, and the image never says
        # it twice (a `heading` field is refused at the door, see REFUSED).
        if p.payload["note"]:
            ax.text(
                5.0,
                0.35,
                wrap(p.payload["note"], 40),
                ha="center",
                va="center",
                fontsize=9,
                color=MUTED,
                style="italic",
            )
    return fig


TOP = 3.3  # the drawing's height in its own units: the parties, the arrows and the note


def size(payload: dict, narrow: bool = False) -> tuple[float, float]:
    return (3.6, 3.4 * TOP / 4.2) if narrow else (7.2, 2.5 * TOP / 4.2)


def rules(declared: Declared) -> None:
    parties = declared.options["parties"]
    if not (isinstance(parties, list) and len(parties) == 2):
        declared.add(declared.line_of("parties"), "'parties' must name exactly two parties")
    flows = declared.options["flows"]
    if not isinstance(flows, list) or not flows:
        declared.add(declared.line_of("flows"), "'flows' must list one or more flows")
    else:
        for flow in flows:
            if not isinstance(flow, LocatedDict) or not {"from", "label", "values"} <= set(flow):
                declared.add(
                    getattr(flow, "line", declared.line_of("flows")),
                    "each flow needs 'from' (a party), 'label' (with {} per value) and 'values'",
                )
            elif isinstance(parties, list) and flow["from"] not in parties:
                declared.add(
                    flow.line_of("from"),
                    f"flow from {flow['from']!r}, which is not one of the parties {parties}",
                )
    note = declared.options.get("note")
    if note is not None and not (isinstance(note, LocatedDict) and "label" in note):
        declared.add(
            declared.line_of("note"),
            "'note' needs 'label' (with {} per value) and, for those, 'values'",
        )


REFUSED = {
    "heading": "an exchange chart draws no heading: the figure title above the image already "
    "names the exchange, and a chart never repeats its title inside the picture; remove "
    "'heading' (the title may use {year} and {claimant})",
}

KIND = ChartKind(
    "exchange",
    prepare,
    draw,
    size,
    required=frozenset({"parties", "flows"}),
    optional=frozenset({"note"}),
    title_fields=frozenset({"year", "claimant"}),
    narrow=True,
    rules=rules,
    refused=REFUSED,
)
