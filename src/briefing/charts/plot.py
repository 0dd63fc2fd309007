"""What every chart kind prepares with: the `Plot` it returns, the error that says its data does
not fit, and the helpers the kinds share (selecting facts, resolving a value, filling a label,
placing a date on an axis).

Below the kinds (`charts/kinds/`), which import it, and kept apart from matplotlib: the data
logic is unit-tested on its own, and alt text and the data table come from exactly the values
drawn, so no number lives only in a picture.
"""

from __future__ import annotations

import calendar
import difflib
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from briefing.base import units
from briefing.base.derive import Derived
from briefing.base.model import Fact, Quantity
from briefing.base.wording import counted
from briefing.config.chartspec import ChartSpec
from briefing.config.specs import Evidence


class ChartDataError(Exception):
    """The data a chart needs is missing or does not fit; the message says what to change."""


@dataclass
class ChartTable:
    columns: list[str]
    rows: list[list[str]]
    # The facts the rows are, one each, when the table is their timeline rows (date, summary,
    # claimant): a document whose own timeline lists them need not print it a second time.
    facts: tuple[str, ...] = ()


@dataclass
class Plot:
    """One chart's content, ready to draw: kind-specific values in `payload`."""

    spec: ChartSpec
    title: str
    alt: str
    facts: tuple[Fact, ...]
    table: ChartTable
    payload: dict[str, Any] = field(default_factory=dict)


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


def own_fact(spec: ChartSpec, evidence: Evidence) -> str:
    """The fact a bare quantity name in a chart's values belongs to: the first the chart
    selects by id, so every kind reads `gasoline` as the same declaration would elsewhere."""
    facts = select(spec, evidence) if spec.select.facts else []
    return facts[0].id if facts else ""


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
    bare = not fid
    fid = fid or default
    fact = evidence.facts.get(fid)
    if fact is None or name not in fact.quantities:
        raise ChartDataError(_unresolved(ref, name, fid, bare, fact, evidence, derived))
    shown = name.replace("-", " ").replace("_", " ")
    return Value(fact.quantities[name], decimals, (fact,), shown[:1].upper() + shown[1:])


def _unresolved(
    ref: str,
    name: str,
    fid: str,
    bare: bool,
    fact: Fact | None,
    evidence: Evidence,
    derived: dict[str, Derived],
) -> str:
    """What is wrong with a value a chart names, and the nearest thing it may have meant."""
    what = f"{ref!r} is neither a derived figure nor 'fact-id.quantity' of a fact in the evidence"
    if bare and not fid:
        return (
            f"{what}: a bare quantity name ('{name}') is read on the fact the chart selects, "
            "and this chart selects none by id; add `select: {facts: [fact-id]}` or write "
            "'fact-id.quantity'"
        )
    if fact is None:
        hint = difflib.get_close_matches(fid, [*evidence.facts, *derived], 1, 0.6)
        return f"{what}: there is no fact {fid!r}" + (
            f"; did you mean {hint[0]!r}?" if hint else ""
        )
    has = ", ".join(sorted(fact.quantities)) or "none"
    hint = difflib.get_close_matches(name, list(fact.quantities), 1, 0.6)
    mean = f"; did you mean {hint[0]!r}?" if hint else ""
    return f"{what}: fact {fid!r} has no quantity {name!r}{mean} (it has: {has})"


def fill(label: str, values: list[Value]) -> str:
    slots = label.count("{}")
    if slots != len(values):
        raise ChartDataError(
            f"label {label!r} has {slots} {{}} for {counted(len(values), 'value')}"
        )
    return label.format(*(v.text for v in values))


def year_of(fact: Fact) -> float:
    d = fact.date.earliest  # type: ignore[union-attr]
    if fact.date.decade:  # type: ignore[union-attr]
        return d.year + 0.5
    return d.year + (d.timetuple().tm_yday - 1) / 366


def _fraction(day: date) -> float:
    """A day as a year and the fraction of that year gone before it."""
    days = 366 if calendar.isleap(day.year) else 365
    return day.year + (day.timetuple().tm_yday - 1) / days


def years_of(fact: Fact) -> tuple[float, float]:
    """The stretch of time a dated fact may mean, as years with fractions: from the first day
    its date allows to the end of the last (of `until`, for a period). A day is a day wide, a
    year a year, a decade ten: a true time axis places each over what is known, no more."""
    date_ = fact.date
    assert date_ is not None
    last = (fact.until or date_).latest
    return _fraction(date_.earliest), _fraction(last + timedelta(days=1))


def span_of(facts: list[Fact]) -> dict[str, Any]:
    dated = [f for f in facts if f.date]
    if not dated:
        raise ChartDataError("this kind of chart needs dated facts; the selection has none")
    return {
        "first": min(f.date.earliest.year for f in dated),
        "last": max(f.date.latest.year for f in dated),
        "count": len(dated),
    }


def unique(facts: list[Fact]) -> tuple[Fact, ...]:
    return tuple({f.id: f for f in facts}.values())
