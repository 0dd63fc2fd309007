"""Figures computed from the sourced ones, declared in the data, so the prose can say what a
number implies (a price per barrel, a value per ounce, a remainder) without anyone typing it in.

A declaration sits on the fact it derives from (`derived:` in a facts file) and names its inputs
(quantities of that fact, `other-fact.quantity`, or a constant with a unit), one operation, the
unit of the result, the rounding and the stated assumption. Arithmetic runs on `units.Measure`,
so units are checked: dollars over barrels is dollars per barrel; tonnes to dollars is refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import reduce

from briefing.base import precision
from briefing.base.model import Fact, Quantity
from briefing.base.units import Measure, UnitError

OPERATIONS = ("add", "subtract", "multiply", "divide", "convert")


@dataclass(frozen=True)
class Operand:
    """One input: a quantity of a fact, or a constant."""

    fact: str | None = None
    quantity: str | None = None
    constant: Quantity | None = None

    def __str__(self) -> str:
        return f"{self.fact}.{self.quantity}" if self.constant is None else "a constant"


@dataclass(frozen=True)
class DerivedSpec:
    id: str
    operation: str
    inputs: tuple[Operand, ...]
    unit: str
    decimals: int
    method: str  # one sentence on how it is computed and what it assumes
    origin: str  # "path:line" of the declaration


@dataclass(frozen=True)
class Derived:
    id: str
    quantity: Quantity
    method: str  # shown in the method section
    facts: tuple[Fact, ...]
    decimals: int = 0  # how precisely prose shows it by default


class DeriveError(ValueError):
    """A declaration that cannot be computed; carries the declaration's origin."""

    def __init__(self, origin: str, message: str):
        super().__init__(message)
        self.origin = origin


def compute(spec: DerivedSpec, facts: dict[str, Fact]) -> Derived:
    used: dict[str, Fact] = {}
    measures: list[Measure] = []
    figures: list[int | None] = []  # each input's significant figures; None when exact
    for op in spec.inputs:
        if op.constant is not None:
            measures.append(Measure.of(op.constant))
            figures.append(None)
            continue
        fact = facts.get(op.fact or "")
        if fact is None:
            raise DeriveError(spec.origin, f"derived {spec.id!r}: no fact {op.fact!r}")
        if op.quantity not in fact.quantities:
            have = ", ".join(fact.quantities) or "none"
            raise DeriveError(
                spec.origin,
                f"derived {spec.id!r}: fact {op.fact!r} has no quantity {op.quantity!r} "
                f"(it has: {have})",
            )
        used.setdefault(fact.id, fact)
        measures.append(Measure.of(fact.quantities[op.quantity]))
        figures.append(fact.quantities[op.quantity].significant)
    try:
        if spec.operation == "convert":
            result = measures[0]
        else:
            combine = {
                "add": Measure.__add__,
                "subtract": Measure.__sub__,
                "multiply": Measure.__mul__,
                "divide": Measure.__truediv__,
            }[spec.operation]
            result = reduce(combine, measures)
        significant = precision.combined(
            spec.operation,
            [(m.value, f) for m, f in zip(measures, figures, strict=True)],
            result.value,
        )
        quantity = result.expressed_in(spec.unit, significant)
        if not math.isfinite(quantity.value):
            raise UnitError(f"the result is {quantity.value!r}, not a finite number")
    except UnitError as exc:
        raise DeriveError(spec.origin, f"derived {spec.id!r}: {exc}") from None
    return Derived(spec.id, quantity, spec.method, tuple(used.values()), spec.decimals)


def declarations(facts: dict[str, Fact]) -> list[DerivedSpec]:
    return [spec for fact in facts.values() for spec in fact.derived]


def derive(facts: dict[str, Fact]) -> dict[str, Derived]:
    """Every derived figure the facts declare, by id."""
    return {spec.id: compute(spec, facts) for spec in declarations(facts)}
