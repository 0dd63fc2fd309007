"""Units: how quantities read in prose, and what they measure.

How a quantity reads lives in one place, so every format and template says '2.35 million
barrels' the same way and no template formats numbers by hand. What a unit measures (its
dimensions, and its size in the base unit of each) lets derived figures be computed with units
checked: dollars divided by barrels is dollars per barrel, tonnes convert to troy ounces, and
adding tonnes to dollars is refused."""

from __future__ import annotations

from dataclasses import dataclass

from briefing.base.model import Quantity
from briefing.base.precision import decimals_allowed, rounded
from briefing.base.typography import in_words

Dimensions = tuple[tuple[str, int], ...]  # sorted (dimension, power) pairs, e.g. money/mass

GRAMS_PER_TONNE = 1_000_000
GRAMS_PER_TROY_OUNCE = 31.1034768
DAYS_PER_YEAR = 365.2425


def dims(**powers: int) -> Dimensions:
    return tuple(sorted((k, v) for k, v in powers.items() if v))


@dataclass(frozen=True)
class Unit:
    singular: str
    plural: str
    prefix: str = ""  # currency symbols go before the number
    adjective: str = ""  # '20-year' agreement; empty when the unit has no adjective form
    dimensions: Dimensions = ()  # () is a pure number
    scale: float = 1.0  # the unit's size in the base units of its dimensions


UNITS: dict[str, Unit] = {
    "agreement": Unit("agreement", "agreements", dimensions=dims(agreement=1)),
    "barrel": Unit("barrel", "barrels", dimensions=dims(volume=1)),
    "day": Unit("day", "days", adjective="day", dimensions=dims(time=1)),
    "dose": Unit("dose", "doses", dimensions=dims(dose=1)),
    "percent": Unit("per cent", "per cent", scale=0.01),
    "rank": Unit("", "", dimensions=dims(rank=1)),
    "tonne": Unit("tonne", "tonnes", dimensions=dims(mass=1), scale=GRAMS_PER_TONNE),
    # "Tons" as a source writes them, so the figure reads as reported; reckoned as metric
    # tonnes, an assumption a derived figure that converts them must state in its method.
    "ton": Unit("ton", "tons", dimensions=dims(mass=1), scale=GRAMS_PER_TONNE),
    "troy-ounce": Unit(
        "troy ounce", "troy ounces", dimensions=dims(mass=1), scale=GRAMS_PER_TROY_OUNCE
    ),
    "USD": Unit("", "", prefix="$", dimensions=dims(money=1)),
    "USD-per-barrel": Unit(
        "per barrel", "per barrel", prefix="$", dimensions=dims(money=1, volume=-1)
    ),
    "USD-per-tonne": Unit(
        "per tonne",
        "per tonne",
        prefix="$",
        dimensions=dims(money=1, mass=-1),
        scale=1 / GRAMS_PER_TONNE,
    ),
    "USD-per-troy-ounce": Unit(
        "per troy ounce",
        "per troy ounce",
        prefix="$",
        dimensions=dims(money=1, mass=-1),
        scale=1 / GRAMS_PER_TROY_OUNCE,
    ),
    "year": Unit("year", "years", adjective="year", dimensions=dims(time=1), scale=DAYS_PER_YEAR),
}


class UnitError(ValueError):
    """Quantities that cannot be combined as asked; the message says why in a reader's terms."""


def describe(d: Dimensions) -> str:
    if not d:
        return "a pure number"
    top = [k if p == 1 else f"{k}^{p}" for k, p in d if p > 0]
    bottom = [k if p == -1 else f"{k}^{-p}" for k, p in d if p < 0]
    return " × ".join(top or ["1"]) + (" per " + " × ".join(bottom) if bottom else "")


@dataclass(frozen=True)
class Measure:
    """A value in base units with its dimensions: what arithmetic on quantities works on."""

    value: float
    dimensions: Dimensions

    @classmethod
    def of(cls, q: Quantity) -> Measure:
        unit = UNITS[q.unit]
        return cls(q.value * unit.scale, unit.dimensions)

    def _powers(self) -> dict[str, int]:
        return dict(self.dimensions)

    def __add__(self, other: Measure) -> Measure:
        if self.dimensions != other.dimensions:
            raise UnitError(
                f"cannot add {describe(other.dimensions)} to {describe(self.dimensions)}"
            )
        return Measure(self.value + other.value, self.dimensions)

    def __sub__(self, other: Measure) -> Measure:
        if self.dimensions != other.dimensions:
            raise UnitError(
                f"cannot subtract {describe(other.dimensions)} from {describe(self.dimensions)}"
            )
        return Measure(self.value - other.value, self.dimensions)

    def __mul__(self, other: Measure) -> Measure:
        powers = self._powers()
        for k, p in other.dimensions:
            powers[k] = powers.get(k, 0) + p
        return Measure(self.value * other.value, dims(**powers))

    def __truediv__(self, other: Measure) -> Measure:
        if other.value == 0:
            raise UnitError("division by zero")
        inverse = Measure(1 / other.value, tuple((k, -p) for k, p in other.dimensions))
        return self * inverse

    def expressed_in(self, unit_name: str, significant: int | None = None) -> Quantity:
        unit = UNITS[unit_name]
        if unit.dimensions != self.dimensions:
            raise UnitError(
                f"the result measures {describe(self.dimensions)}, but unit {unit_name!r} "
                f"measures {describe(unit.dimensions)}"
            )
        return Quantity(self.value / unit.scale, unit_name, significant)


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


def number(value: float, decimals: int | None = None, words: bool = False) -> str:
    """Large numbers in words ('2.35 million'), others with thousands separators; with
    `words`, as prose sets them, whole numbers under ten spelt out ('nine')."""
    if words and (word := in_words(value)):
        return word
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


def amount(q: Quantity, decimals: int | None = None, words: bool = False) -> str:
    """The number of a quantity alone ('2.35 million'), no more precise than its figures."""
    value = rounded(q.value, q.significant)
    return number(value, _places(value, q.significant, decimals), words=words)


def _places(value: float, significant: int | None, decimals: int | None) -> int | None:
    """Decimal places that show no digit beyond the figure's precision. Millions and billions
    are set scaled ('2.35 million'), where the rounded value already carries only its
    significant digits, so only smaller numbers need capping."""
    if abs(value) >= 1e6:
        return decimals
    return decimals_allowed(value, significant, decimals)


def quantity(q: Quantity, decimals: int | None = None, words: bool = False) -> str:
    """'2.35 million barrels', '$500 million', '11 per cent', 'second'; with `words` (prose),
    'nine tonnes' rather than '9 tonnes', though never '$nine'."""
    unit = UNITS[q.unit]
    if q.unit == "rank":
        n = int(q.value)
        return ORDINALS[n] if 0 < n < len(ORDINALS) else f"{n}th"
    value = rounded(q.value, q.significant)
    text = number(value, _places(value, q.significant, decimals), words=words and not unit.prefix)
    if unit.prefix:
        text = f"{unit.prefix}{text}"
    word = unit.singular if value == 1 else unit.plural
    return f"{text} {word}".strip()


def adjective(q: Quantity) -> str:  # '20-year': figures, as a compound reads best
    """'20-year', '100-day': the compound form used before a noun."""
    unit = UNITS[q.unit]
    if not unit.adjective:
        raise ValueError(f"unit {q.unit!r} has no adjective form; use the 'qty' filter")
    return f"{number(q.value)}-{unit.adjective}"
