"""How quantities read in prose: one place, so every format and template says '2.35 million
barrels' the same way and no template formats numbers by hand."""

from __future__ import annotations

from dataclasses import dataclass

from .model import Quantity


@dataclass(frozen=True)
class Unit:
    singular: str
    plural: str
    prefix: str = ""  # currency symbols go before the number
    adjective: str = ""  # '20-year' agreement; empty when the unit has no adjective form


UNITS: dict[str, Unit] = {
    "agreement": Unit("agreement", "agreements"),
    "barrel": Unit("barrel", "barrels"),
    "day": Unit("day", "days", adjective="day"),
    "dose": Unit("dose", "doses"),
    "percent": Unit("per cent", "per cent"),
    "rank": Unit("", ""),
    "tonne": Unit("tonne", "tonnes"),
    "troy-ounce": Unit("troy ounce", "troy ounces"),
    "USD": Unit("", "", prefix="$"),
    "USD-per-barrel": Unit("per barrel", "per barrel", prefix="$"),
    "USD-per-tonne": Unit("per tonne", "per tonne", prefix="$"),
    "USD-per-troy-ounce": Unit("per troy ounce", "per troy ounce", prefix="$"),
    "year": Unit("year", "years", adjective="year"),
}

ORDINALS = [
    "zeroth",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
]


def number(value: float, decimals: int | None = None) -> str:
    """Large numbers in words ('2.35 million'), others with thousands separators."""
    for size, word in ((1e9, "billion"), (1e6, "million")):
        if abs(value) >= size:
            scaled = value / size
            text = (
                f"{scaled:.{decimals}f}"
                if decimals is not None
                else f"{scaled:.3f}".rstrip("0").rstrip(".")
            )
            return f"{text} {word}"
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 2
    return f"{value:,.{decimals}f}"


def quantity(q: Quantity, decimals: int | None = None) -> str:
    """'2.35 million barrels', '$500 million', '11 per cent', 'second'."""
    unit = UNITS[q.unit]
    if q.unit == "rank":
        n = int(q.value)
        return ORDINALS[n] if 0 < n < len(ORDINALS) else f"{n}th"
    text = number(q.value, decimals)
    if unit.prefix:
        text = f"{unit.prefix}{text}"
    word = unit.singular if q.value == 1 else unit.plural
    return f"{text} {word}".strip()


def adjective(q: Quantity) -> str:
    """'20-year', '100-day': the compound form used before a noun."""
    unit = UNITS[q.unit]
    if not unit.adjective:
        raise ValueError(f"unit {q.unit!r} has no adjective form; use the 'qty' filter")
    return f"{number(q.value)}-{unit.adjective}"
