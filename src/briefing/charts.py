"""matplotlib figures drawn from the evidence: pure functions of their data, so identical facts
give identical bytes (and can later be cached by a hash of their inputs).

Every chart uses one palette (Okabe–Ito, safe for colour-blind readers) and pairs each colour
with a marker or hatch, so it still reads when printed in grey. Each returns its own title, alt
text and the facts it drew on; the caption comes from the report definition and the source line
from the facts' citations.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import units
from .derive import Derived
from .load import ChartSpec
from .model import DOMAINS, Fact, Quantity, RenderedChart

if TYPE_CHECKING:
    from matplotlib.figure import Figure as MplFigure


def _mpl():
    """matplotlib, imported on first use: validating a report needs the chart kinds, not the
    plotting library, and an up-to-date build must not pay a second for it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.figure  # noqa: F401 - makes matplotlib.figure available
    import matplotlib.patches  # noqa: F401

    return matplotlib


PALETTE = {
    "history": "#0072B2",
    "energy": "#E69F00",
    "arms-security": "#D55E00",
    "finance": "#009E73",
    "industry-health": "#CC79A7",
    "diplomacy": "#56B4E9",
    "developments-2026": "#000000",
}
MARKERS = {
    "history": "o",
    "energy": "s",
    "arms-security": "^",
    "finance": "D",
    "industry-health": "v",
    "diplomacy": "P",
    "developments-2026": "X",
}
HATCHES = {
    "history": "",
    "energy": "///",
    "arms-security": "...",
    "finance": "xxx",
    "industry-health": "\\\\\\",
    "diplomacy": "---",
    "developments-2026": "",
}
INK = "#222222"
MUTED = "#6b6b6b"
GRID = "#d9d9d9"

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": INK,
    "ytick.color": INK,
    "svg.fonttype": "path",
    "hatch.linewidth": 0.6,
    "text.parse_math": False,  # '$500 million' is money, not mathtext
}


@dataclass
class Drawn:
    figure: MplFigure
    title: str
    alt: str
    facts: tuple[Fact, ...]


ChartFunction = Callable[[dict[str, Fact], dict[str, Derived]], Drawn]


class ChartDataError(Exception):
    """The data a chart needs is missing; the message says which fact to add."""


def _need(facts: dict[str, Fact], fact_id: str, quantity: str | None = None) -> Fact:
    fact = facts.get(fact_id)
    if fact is None or (quantity and quantity not in fact.quantities):
        need = f"fact {fact_id!r}" + (f" with quantity {quantity!r}" if quantity else "")
        raise ChartDataError(f"this chart needs {need} in data/facts")
    return fact


def _figure(width: float, height: float, layout: str | None = "constrained") -> MplFigure:
    with _mpl().rc_context(STYLE):
        return _mpl().figure.Figure(figsize=(width, height), layout=layout)


def _year(fact: Fact) -> float:
    d = fact.date.earliest  # type: ignore[union-attr]
    if fact.date.decade:  # type: ignore[union-attr]
        return d.year + 0.5
    return d.year + (d.timetuple().tm_yday - 1) / 366


# ---------------------------------------------------------------- the charts ----------------------


def milestones(facts: dict[str, Fact], derived: dict[str, Derived]) -> Drawn:
    dated = sorted((f for f in facts.values() if f.date), key=lambda f: f.date.sort_key())
    if not dated:
        raise ChartDataError("this chart needs at least one dated fact")
    lanes = [d for d in DOMAINS if any(f.domain == d for f in dated)]
    first, last = dated[0].date.earliest.year, max(f.date.latest.year for f in dated)
    with _mpl().rc_context(STYLE):
        fig = _figure(7.2, 3.4)
        ax = fig.add_subplot()
        for row, domain in enumerate(reversed(lanes)):
            xs = [_year(f) for f in dated if f.domain == domain]
            ax.scatter(
                xs,
                [row] * len(xs),
                s=46,
                marker=MARKERS[domain],
                color=PALETTE[domain],
                edgecolors="white",
                linewidths=0.6,
                zorder=3,
                label=DOMAINS[domain],
            )
            ax.axhline(row, color=GRID, linewidth=0.8, zorder=1)
        ax.set_yticks(range(len(lanes)), [DOMAINS[d] for d in reversed(lanes)])
        ax.set_xlim(first - 3, last + 3)
        ax.set_ylim(-0.7, len(lanes) - 0.3)
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        ax.set_xlabel("Year")
        ax.grid(axis="x", color=GRID, linewidth=0.5)
    counts = Counter(f.domain for f in dated)
    alt = (
        f"Dot timeline of {len(dated)} dated events from {first} to {last}, one row per domain. "
        + "; ".join(f"{DOMAINS[d]}: {counts[d]} events" for d in lanes)
        + f". {sum(1 for f in dated if f.date.year >= 2000)} of the {len(dated)} fall in 2000 or later;"
        f" the first is {dated[0].summary.rstrip('.')} ({dated[0].when})"
        f" and the last is {dated[-1].summary.rstrip('.')} ({dated[-1].when})."
    )
    return Drawn(fig, f"Milestones by domain, {first}–{last}", alt, tuple(dated))


def arms_share(facts: dict[str, Fact], derived: dict[str, Derived]) -> Drawn:
    fact = _need(facts, "sipri-2024-share", "share")
    share = fact.quantities["share"].value
    rank = fact.quantities.get("rank")
    rest = 100 - share
    with _mpl().rc_context(STYLE):
        fig = _figure(7.2, 1.45)
        ax = fig.add_subplot()
        ax.barh(
            [0], [share], color=PALETTE["arms-security"], edgecolor=INK, linewidth=0.6, height=0.5
        )
        ax.barh(
            [0],
            [rest],
            left=[share],
            color="#eeeeee",
            edgecolor=INK,
            linewidth=0.6,
            hatch="///",
            height=0.5,
        )
        ax.text(
            share / 2,
            0,
            f"Venezuela\n{units.quantity(Quantity(share, 'percent'))}",
            ha="center",
            va="center",
            color="white",
            fontweight="bold",
            fontsize=8.5,
        )
        ax.text(
            share + rest / 2,
            0,
            f"All other recipients: {units.quantity(Quantity(rest, 'percent'))}",
            ha="center",
            va="center",
            color=INK,
            fontsize=9,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 2},
        )
        ax.set_xlim(0, 100)
        ax.set_yticks([])
        ax.set_xticks(range(0, 101, 20), [f"{x}%" for x in range(0, 101, 20)])
        ax.spines["left"].set_visible(False)
        ax.set_xlabel("Share of Iran's arms exports (SIPRI, 2024)")
    rank_text = f", its {units.quantity(rank)}-largest recipient" if rank else ""
    alt = (
        f"Single horizontal bar dividing Iran's arms exports into Venezuela's reported share of "
        f"{units.quantity(Quantity(share, 'percent'))}{rank_text}, and "
        f"{units.quantity(Quantity(rest, 'percent'))} for all other recipients combined."
    )
    return Drawn(fig, "Venezuela's reported share of Iran's arms exports", alt, (fact,))


def fuel_for_gold(facts: dict[str, Fact], derived: dict[str, Derived]) -> Drawn:
    fact = _need(facts, "gasoline-for-gold-2020", "gasoline")
    q = fact.quantities
    for name in ("gold", "payment"):
        _need(facts, "gasoline-for-gold-2020", name)
    per_barrel = derived.get("price-per-barrel-2020")
    per_ounce = derived.get("gold-value-per-ounce-2020")
    year = fact.date.year if fact.date else ""
    with _mpl().rc_context(STYLE):
        fig = _figure(7.2, 2.5, layout=None)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, 10)
        ax.set_ylim(0, 4.2)
        ax.axis("off")
        for x, name, colour in ((0.3, "Iran", "#0072B2"), (6.9, "Venezuela", "#E69F00")):
            ax.add_patch(
                _mpl().patches.FancyBboxPatch(
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
                name,
                ha="center",
                va="center",
                fontsize=13,
                fontweight="bold",
                color=INK,
            )
        ax.add_patch(
            _mpl().patches.FancyArrowPatch(
                (3.2, 2.45),
                (6.8, 2.45),
                arrowstyle="-|>",
                mutation_scale=16,
                color="#0072B2",
                linewidth=2,
            )
        )
        ax.add_patch(
            _mpl().patches.FancyArrowPatch(
                (6.8, 1.6),
                (3.2, 1.6),
                arrowstyle="-|>",
                mutation_scale=16,
                color="#E69F00",
                linewidth=2,
                linestyle=(0, (4, 2)),
            )
        )
        ax.text(
            5.0,
            2.65,
            f"Gasoline: {units.quantity(q['gasoline'])}",
            ha="center",
            va="bottom",
            fontsize=10,
            color=INK,
        )
        ax.text(
            5.0,
            1.3,
            f"Gold: {units.quantity(q['gold'])}, valued at {units.quantity(q['payment'])}",
            ha="center",
            va="top",
            fontsize=10,
            color=INK,
        )
        implied = []
        if per_barrel:
            implied.append(f"{units.quantity(per_barrel.quantity, 2)} of gasoline")
        if per_ounce:
            implied.append(f"gold at {units.quantity(per_ounce.quantity, 0)}")
        if implied:
            ax.text(
                5.0,
                0.35,
                "Implied: " + "; ".join(implied) + " (computed from the reported figures)",
                ha="center",
                va="center",
                fontsize=9,
                color=MUTED,
                style="italic",
            )
        ax.text(
            5.0,
            3.75,
            f"The {year} exchange as TeleSUR reports it"
            if fact.claimant == "TeleSUR"
            else f"The {year} exchange as reported",
            ha="center",
            va="center",
            fontsize=10,
            color=MUTED,
        )
    alt = (
        f"Diagram of the {year} exchange: an arrow from Iran to Venezuela carries "
        f"{units.quantity(q['gasoline'])} of gasoline; an arrow back carries "
        f"{units.quantity(q['gold'])} of gold valued at {units.quantity(q['payment'])}."
        + (f" Implied price: {units.quantity(per_barrel.quantity, 2)}." if per_barrel else "")
    )
    return Drawn(fig, f"The {year} gasoline-for-gold exchange", alt, (fact,))


def domain_decade(facts: dict[str, Fact], derived: dict[str, Derived]) -> Drawn:
    dated = [f for f in facts.values() if f.date]
    if not dated:
        raise ChartDataError("this chart needs at least one dated fact")
    decade_of = {f.id: f.date.year // 10 * 10 for f in dated}
    decades = list(range(min(decade_of.values()), max(decade_of.values()) + 10, 10))
    lanes = [d for d in DOMAINS if any(f.domain == d for f in dated)]
    counts = Counter((f.domain, decade_of[f.id]) for f in dated)
    with _mpl().rc_context(STYLE):
        fig = _figure(7.2, 3.3)
        ax = fig.add_subplot()
        bottom = [0] * len(decades)
        for domain in lanes:
            heights = [counts[(domain, d)] for d in decades]
            ax.bar(
                [f"{d}s" for d in decades],
                heights,
                bottom=bottom,
                color=PALETTE[domain],
                hatch=HATCHES[domain],
                edgecolor="white",
                linewidth=0.6,
                label=DOMAINS[domain],
                width=0.7,
            )
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        for x, total in enumerate(bottom):
            if total:
                ax.text(
                    x, total + 0.15, str(total), ha="center", va="bottom", fontsize=8.5, color=INK
                )
        ax.set_ylabel("Dated events in the evidence base")
        ax.set_ylim(0, max(bottom) + 1.5)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.grid(axis="y", color=GRID, linewidth=0.5)
        ax.set_axisbelow(True)
        ax.legend(frameon=False, fontsize=8, loc="upper left", ncols=2)
    totals = {d: sum(counts[(dom, d)] for dom in lanes) for d in decades}
    alt = (
        "Stacked bar chart of dated events per decade, split by domain: "
        + "; ".join(
            f"{d}s: {totals[d]}"
            + (
                " ("
                + ", ".join(
                    f"{DOMAINS[dom]} {counts[(dom, d)]}" for dom in lanes if counts[(dom, d)]
                )
                + ")"
                if totals[d]
                else ""
            )
            for d in decades
        )
        + "."
    )
    return Drawn(fig, "Recorded activity by domain and decade", alt, tuple(dated))


KINDS: dict[str, ChartFunction] = {
    "milestones": milestones,
    "arms-share": arms_share,
    "fuel-for-gold": fuel_for_gold,
    "domain-decade": domain_decade,
}


# ---------------------------------------------------------------- rendering -----------------------


def source_line(facts: tuple[Fact, ...]) -> str:
    seen: dict[str, str] = {}
    for fact in facts:
        for c in fact.citations:
            seen.setdefault(c.source.id, f"{c.source.label}, {c.source.published}")
    return "Source: " + "; ".join(seen.values()) + "." if seen else ""


def render(
    spec: ChartSpec, number: int, facts: dict[str, Fact], derived: dict[str, Derived]
) -> RenderedChart:
    drawn = KINDS[spec.kind](facts, derived)
    with _mpl().rc_context({**STYLE, "svg.hashsalt": spec.id}):
        svg, png = io.BytesIO(), io.BytesIO()
        drawn.figure.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
        drawn.figure.savefig(png, format="png", dpi=200, metadata={"Software": None})
    return RenderedChart(
        id=spec.id,
        number=number,
        title=drawn.title,
        caption=spec.caption,
        alt=drawn.alt,
        source_line=source_line(drawn.facts),
        facts=drawn.facts,
        svg=svg.getvalue(),
        png=png.getvalue(),
    )
