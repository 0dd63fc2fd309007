"""The chart kinds: one module each, every one declaring `KIND = ChartKind(...)` (its fields,
title values, rules, preparation, drawing, size and whether it has a phone drawing), and this
registry, the one list that the declarations' checks, the preparation and the drawing all read.

A new kind is a module here and its line below. The list is written out rather than found by
scanning the folder: the import graph (tests/test_layers.py) then sees every kind, the order is
fixed by the text, and a half-written module is not picked up by accident;
tests/test_charts_kinds.py fails when a module here is not listed.
"""

from __future__ import annotations

import difflib

from briefing.charts.kind import ChartKind
from briefing.charts.kinds import chronology, exchange, parts, period_counts, timeline

KINDS: dict[str, ChartKind] = {
    k.name: k
    for k in (
        timeline.KIND,
        period_counts.KIND,
        parts.KIND,
        exchange.KIND,
        chronology.KIND,
    )
}


def unknown(name: str) -> str:
    """What to say of a kind no module declares: the nearest name, and every known one."""
    hint = difflib.get_close_matches(name, sorted(KINDS), n=1)
    tip = f"; did you mean {hint[0]!r}?" if hint else ""
    return f"unknown chart kind {name!r}{tip} (known: {', '.join(sorted(KINDS))})"
