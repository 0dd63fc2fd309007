"""Significant figures: a figure computed from reported ones is no more precise than the least
precise of them, so "nine tons" of gold can never become "289,357 troy ounces".

A reported quantity's precision is read from how it is written (trailing zeros of a whole number
are not significant: 500000000 is one figure, 2350000 three), unless its declaration says
otherwise (`sig: 3`). Constants in a derived figure's inputs (`{value: 100, unit: percent}`) and
unit conversions are exact. Multiplying and dividing keep the fewest significant figures of the
inputs; adding and subtracting keep the coarsest decimal place, as measurement practice does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

MULTIPLICATIVE = ("multiply", "divide", "convert")


def inferred(value: float | int) -> int | None:
    """How many figures a reported value carries as written; None for zero (no information)."""
    if value == 0:
        return None
    if isinstance(value, int) or float(value).is_integer():
        digits = str(abs(int(value))).rstrip("0")
        return max(1, len(digits))
    text = format(Decimal(repr(float(value))).normalize(), "f").lstrip("-")
    return max(1, len(text.replace(".", "").lstrip("0")))


def _lowest_place(value: float, significant: int) -> int:
    """The power of ten of the last significant digit: 2.35 million at three figures is 4."""
    return math.floor(math.log10(abs(value))) - significant + 1


def combined(
    operation: str, inputs: Sequence[tuple[float, int | None]], result: float
) -> int | None:
    """The significant figures of `result`, given each input as (value, figures or None when
    exact). None when every input is exact."""
    known = [(v, s) for v, s in inputs if s is not None and v != 0]
    if not known:
        return None
    if operation in MULTIPLICATIVE:
        return min(s for _, s in known)
    if result == 0:
        return 1
    coarsest = max(_lowest_place(v, s) for v, s in known)
    return max(1, math.floor(math.log10(abs(result))) - coarsest + 1)


def rounded(value: float, significant: int | None) -> float:
    """`value` to its significant figures (unchanged when it has no stated precision)."""
    if significant is None or value == 0 or not math.isfinite(value):
        return value
    places = significant - 1 - math.floor(math.log10(abs(value)))
    return round(value, places) if places > 0 else float(round(value, places))


def decimals_allowed(value: float, significant: int | None, wanted: int | None) -> int | None:
    """The decimal places a figure may show: what was asked, but never digits beyond its
    significant figures (a one-figure $200 is not '$212.77')."""
    if significant is None or value == 0:
        return wanted
    most = max(0, significant - 1 - math.floor(math.log10(abs(value))))
    return most if wanted is None else min(wanted, most)
