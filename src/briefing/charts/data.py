"""From a chart declaration and the evidence to the values a chart plots, its title, its alt
text and its data table: everything about a chart except the drawing.

Kept apart from matplotlib so that declarations are checked at the door (`check`), the data
logic is unit-tested on its own, and alt text and the data table come from exactly the values
drawn: no number lives only in a picture.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from briefing.base import units
from briefing.base.derive import Derived
from briefing.base.model import Fact, Quantity
from briefing.base.wording import columns, label
from briefing.config.chartspec import ChartSpec
from briefing.config.specs import Evidence


class ChartDataError(Exception):
    """The data a chart needs is missing or does not fit; the message says what to change."""


@dataclass
class ChartTable:
    columns: list[str]
    rows: list[list[str]]


@dataclass
class Plot:
    """One chart's content, ready to draw: kind-specific values in `payload`."""

    spec: ChartSpec
    title: str
    alt: str
    facts: tuple[Fact, ...]
    table: ChartTable
    payload: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- shared helpers ------------------


def select(spec: ChartSpec, evidence: Evidence) -> list[Fact]:
    """The facts a declaration selects, oldest first (undated ones last, by id)."""
    s = spec.select
    for did in s.domains:
        if did not in evidence.domains:
            raise ChartDataError(
                f"'select' names domain {did!r}, which the evidence does not declare"
            )
    for fid in s.facts:
        if fid not in evidence.facts:
            raise ChartDataError(f"'select' names fact {fid!r}, which the evidence does not hold")
    chosen = [
        f
        for f in evidence.facts.values()
        if (not s.domains or f.domain in s.domains)
        and (not s.tags or set(s.tags) & set(f.tags))
        and (not s.facts or f.id in s.facts)
        and (not s.dated or f.date is not None)
    ]
    if not chosen:
        raise ChartDataError("'select' matches no fact; widen it")
    return sorted(chosen, key=lambda f: (f.date is None, f.date.sort_key() if f.date else (), f.id))


@dataclass(frozen=True)
class Value:
    quantity: Quantity
    decimals: int | None
    facts: tuple[Fact, ...]
    name: str = ""  # what it is, for the data table: the quantity's name or the figure's unit

    @property
    def text(self) -> str:
        return units.quantity(self.quantity, self.decimals)


def resolve(ref: Any, evidence: Evidence, derived: dict[str, Derived], default: str = "") -> Value:
    """`fact-id.quantity`, a bare quantity of the chart's own fact, or a derived figure's id;
    or a mapping {ref: ..., decimals: n}."""
    decimals = None
    if isinstance(ref, dict):
        decimals = ref.get("decimals")
        ref = ref.get("ref", "")
    ref = str(ref)
    if ref in derived:
        d = derived[ref]
        unit = units.UNITS[d.quantity.unit].singular or d.quantity.unit
        places = d.decimals if decimals is None else decimals
        return Value(d.quantity, places, d.facts, f"Value {unit}")
    fid, _, name = ref.rpartition(".")
    fid = fid or default
    fact = evidence.facts.get(fid)
    if fact is None or name not in fact.quantities:
        raise ChartDataError(
            f"{ref!r} is neither a derived figure nor 'fact-id.quantity' of a fact in the evidence"
        )
    shown = name.replace("-", " ").replace("_", " ")
    return Value(fact.quantities[name], decimals, (fact,), shown[:1].upper() + shown[1:])


def fill(label: str, values: list[Value]) -> str:
    slots = label.count("{}")
    if slots != len(values):
        raise ChartDataError(f"label {label!r} has {slots} {{}} for {len(values)} value(s)")
    return label.format(*(v.text for v in values))


def year_of(fact: Fact) -> float:
    d = fact.date.earliest  # type: ignore[union-attr]
    if fact.date.decade:  # type: ignore[union-attr]
        return d.year + 0.5
    return d.year + (d.timetuple().tm_yday - 1) / 366


def _span(facts: list[Fact]) -> dict[str, Any]:
    dated = [f for f in facts if f.date]
    if not dated:
        raise ChartDataError("this kind of chart needs dated facts; the selection has none")
    return {
        "first": min(f.date.earliest.year for f in dated),
        "last": max(f.date.latest.year for f in dated),
        "count": len(dated),
    }


def _unique(facts: list[Fact]) -> tuple[Fact, ...]:
    return tuple({f.id: f for f in facts}.values())


# ---------------------------------------------------------------- the kinds -----------------------


def timeline(spec: ChartSpec, evidence: Evidence, derived: dict[str, Derived]) -> Plot:
    facts = [f for f in select(spec, evidence) if f.date]
    span = _span(facts)
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


def period_counts(spec: ChartSpec, evidence: Evidence, derived: dict[str, Derived]) -> Plot:
    facts = [f for f in select(spec, evidence) if f.date]
    span = _span(facts)
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


def parts(spec: ChartSpec, evidence: Evidence, derived: dict[str, Derived]) -> Plot:
    pieces = []
    used: list[Fact] = []
    for part in spec.options["parts"]:
        value = resolve(part["value"], evidence, derived)
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
    return Plot(spec, spec.title, alt, _unique(used), table, payload)


def exchange(spec: ChartSpec, evidence: Evidence, derived: dict[str, Derived]) -> Plot:
    facts = select(spec, evidence) if spec.select.facts else []
    default = facts[0].id if facts else ""
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
    heading = str(spec.options.get("heading", "")).format(**fields)
    alt = (
        f"Diagram of an exchange between {parties[0]} and {parties[1]}"
        + (f" in {fields['year']}" if fields["year"] else "")
        + ": "
        + "; ".join(f"from {parties[s]} to {parties[1 - s]}, {t}" for s, t in flows)
        + "."
        + (f" {note}." if note else "")
    )
    table = ChartTable(columns("exchange_columns"), rows)
    payload = {"parties": parties, "flows": flows, "note": note, "heading": heading}
    return Plot(spec, spec.title.format(**fields), alt, _unique(used), table, payload)


def chronology(spec: ChartSpec, evidence: Evidence, derived: dict[str, Derived]) -> Plot:
    facts = [f for f in select(spec, evidence) if f.date]
    span = _span(facts)
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


PREPARE = {
    "timeline": timeline,
    "period-counts": period_counts,
    "parts": parts,
    "exchange": exchange,
    "chronology": chronology,
}


def prepare(spec: ChartSpec, evidence: Evidence, derived: dict[str, Derived]) -> Plot:
    return PREPARE[spec.kind](spec, evidence, derived)


def claims_line(facts: tuple[Fact, ...]) -> str:
    """Who claims what a chart shows, where a reader must be told: its facts that rest on one
    source or on advocates only, named as the prose names them."""
    names = list(dict.fromkeys(f.claimed_by for f in facts if f.needs_attribution))
    if not names:
        return ""
    listed = " and ".join(names) if len(names) < 3 else "; ".join(names[:-1]) + "; and " + names[-1]
    return label("claims_caption", names=listed)


def source_line(facts: tuple[Fact, ...]) -> str:
    seen: dict[str, str] = {}
    for fact in facts:
        for c in fact.citations:
            seen.setdefault(c.source.id, f"{c.source.label}, {c.source.published}")
    return "Source: " + "; ".join(seen.values()) + "." if seen else ""


def check(charts: tuple[ChartSpec, ...], evidence: Evidence, problems) -> None:
    """Prepare every declared chart without drawing it, so a chart whose data is missing or
    does not fit is a `path:line` problem at the door, before any rendering."""
    from briefing.base.derive import derive

    derived = derive(evidence.facts)
    for spec in charts:
        try:
            prepare(spec, evidence, derived)
        except (ChartDataError, KeyError, ValueError, TypeError) as exc:
            path, _, line = spec.origin.rpartition(":")
            problems.add(path, int(line), f"chart {spec.id!r}: {exc}")
