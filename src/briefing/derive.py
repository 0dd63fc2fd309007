"""Figures computed from the sourced ones, so that the prose can say what a number implies
(the price per barrel in the 2020 gasoline-for-gold deal) without anyone typing it in.

Each derived figure names the facts it rests on; templates cite those facts where it is used.
A figure whose inputs are missing from the data is simply absent, and a template that asks for
it fails with its own file and line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .model import Fact, Quantity

TROY_OUNCES_PER_TONNE = 1_000_000 / 31.1034768  # grams per tonne / grams per troy ounce


@dataclass(frozen=True)
class Derived:
    id: str
    quantity: Quantity
    method: str  # one sentence on how it was computed, shown in "Sources and method"
    facts: tuple[Fact, ...]
    decimals: int = 0  # how precisely prose shows it by default


Rule = Callable[[dict[str, Fact]], Derived | None]


def _q(facts: dict[str, Fact], fact_id: str, name: str) -> Quantity | None:
    fact = facts.get(fact_id)
    return fact.quantities.get(name) if fact else None


def _when(facts: dict[str, Fact]) -> str:
    return facts["gasoline-for-gold-2020"].when


def _price_per_barrel(facts: dict[str, Fact]) -> Derived | None:
    pay, fuel = (
        _q(facts, "gasoline-for-gold-2020", "payment"),
        _q(facts, "gasoline-for-gold-2020", "gasoline"),
    )
    if not (pay and fuel and fuel.value):
        return None
    return Derived(
        "price-per-barrel-2020",
        Quantity(pay.value / fuel.value, "USD-per-barrel"),
        f"the reported value of the {_when(facts)} gold payment divided by the barrels of gasoline delivered",
        (facts["gasoline-for-gold-2020"],),
        decimals=2,
    )


def _gold_per_ounce(facts: dict[str, Fact]) -> Derived | None:
    pay, gold = (
        _q(facts, "gasoline-for-gold-2020", "payment"),
        _q(facts, "gasoline-for-gold-2020", "gold"),
    )
    if not (pay and gold and gold.value):
        return None
    return Derived(
        "gold-value-per-ounce-2020",
        Quantity(pay.value / (gold.value * TROY_OUNCES_PER_TONNE), "USD-per-troy-ounce"),
        f"the reported value of the {_when(facts)} payment divided by its weight in gold, taking "
        f"\u2018tons\u2019 as metric tonnes of {TROY_OUNCES_PER_TONNE:,.1f} troy ounces each",
        (facts["gasoline-for-gold-2020"],),
        decimals=2,
    )


def _gold_ounces(facts: dict[str, Fact]) -> Derived | None:
    gold = _q(facts, "gasoline-for-gold-2020", "gold")
    if not gold:
        return None
    return Derived(
        "gold-ounces-2020",
        Quantity(gold.value * TROY_OUNCES_PER_TONNE, "troy-ounce"),
        f"the reported tonnage of the {_when(facts)} gold payment converted to troy ounces",
        (facts["gasoline-for-gold-2020"],),
    )


def _other_recipients_share(facts: dict[str, Fact]) -> Derived | None:
    share = _q(facts, "sipri-2024-share", "share")
    if not share:
        return None
    return Derived(
        "other-recipients-share-2024",
        Quantity(100 - share.value, "percent"),
        "100 per cent less Venezuela's reported share of Iran's arms exports",
        (facts["sipri-2024-share"],),
    )


RULES: tuple[Rule, ...] = (
    _price_per_barrel,
    _gold_per_ounce,
    _gold_ounces,
    _other_recipients_share,
)


def derive(facts: dict[str, Fact]) -> dict[str, Derived]:
    found = (rule(facts) for rule in RULES)
    return {d.id: d for d in found if d is not None}
