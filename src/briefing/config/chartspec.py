"""Chart declarations: what a report file says about each chart, checked at the door.

A chart is declared, never coded: a kind from a small general set, the facts it plots (by
domain, tag or id), the fields it reads, and its title and caption. This module knows each
kind's fields and validates a declaration without importing matplotlib; `chartdata.py` turns a
declaration and the evidence into the values to plot, and `charts.py` draws them.

Values are referred to as `fact-id.quantity` or by a derived figure's id; `{}` in a label is
filled with the listed values, in order, as prose ('2.35 million barrels').
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from briefing.base.errors import Problems
from briefing.base.textcheck import problem as text_problem
from briefing.config.yamlfile import LocatedDict

COMMON = {"id", "kind", "title", "caption", "select"}

# kind -> (required fields, optional fields, title placeholders the kind provides)
KINDS: dict[str, tuple[set[str], set[str], set[str]]] = {
    # events on a time axis, one row per domain
    "timeline": (set(), set(), {"first", "last", "count"}),
    # counts of facts per period, stacked by domain
    "period-counts": (set(), {"period", "axis"}, {"first", "last", "count"}),
    # one whole split into labelled parts (a share and the rest)
    "parts": ({"parts", "axis"}, set(), set()),
    # a two-party exchange with labelled flows
    "exchange": ({"parties", "flows"}, {"note", "heading"}, {"year", "claimant"}),
    # labelled events along one time axis, in date order
    "chronology": (set(), {"labels"}, {"first", "last", "count"}),
}
SELECT_FIELDS = {"domains", "tags", "facts", "dated"}
PERIODS = ("decade", "year")


@dataclass(frozen=True)
class Selection:
    """Which facts a chart plots: all that match every given filter."""

    domains: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()
    dated: bool = True


@dataclass(frozen=True)
class ChartSpec:
    id: str
    kind: str
    title: str
    caption: str
    origin: str  # "path:line"
    select: Selection = Selection()
    options: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _texts(value: Any) -> list[str] | None:
    """A list of ids; None when it is not a list (a lone text is not split into letters)."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return None


def strings(value: Any) -> Iterator[str]:
    """Every text inside a declaration's options, keys too: checked like any other data text,
    and read by the fingerprint for the fact ids, `fact.quantity` and derived ids it names."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from strings(k)
            yield from strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from strings(v)


def parse_chart(ch: LocatedDict, shown: str, problems: Problems, check) -> ChartSpec | None:
    """One declaration from a report's `charts:`; problems go to `problems` with their line."""
    before = len(problems.items)
    cid = check.ident(ch, "id", "a chart")
    kind = check.text(ch, "kind", f"chart {cid!r}")
    title = check.text(ch, "title", f"chart {cid!r}")
    caption = check.text(ch, "caption", f"chart {cid!r}")
    if kind not in KINDS:
        if kind:
            problems.add(
                shown,
                ch.line_of("kind"),
                f"unknown chart kind {kind!r}; known: {', '.join(sorted(KINDS))}",
            )
        return None
    required, optional, provided = KINDS[kind]
    check.unknown_keys(ch, COMMON | required | optional, f"a {kind} chart")
    for name in sorted(required - set(ch)):
        problems.add(shown, ch.line, f"chart {cid!r} ({kind}) needs {name!r}")
    if title:
        unknown = _placeholders(title) - provided
        if unknown:
            offer = ", ".join("{" + p + "}" for p in sorted(provided)) or "none"
            problems.add(
                shown,
                ch.line_of("title"),
                f"chart {cid!r}: the title names {', '.join(sorted(unknown))}, which a {kind} "
                f"chart does not provide (it provides: {offer})",
            )
    select = Selection()
    raw_select = ch.get("select")
    if raw_select is not None:
        sel = check.mapping(raw_select, ch.line_of("select"), f"'select' of chart {cid!r}")
        if sel is not None:
            check.unknown_keys(sel, SELECT_FIELDS, f"'select' of chart {cid!r}")
            dated = sel.get("dated", True)
            if not isinstance(dated, bool):
                problems.add(shown, sel.line_of("dated"), "'dated' must be true or false")
                dated = True
            lists = {}
            for name in ("domains", "tags", "facts"):
                items = _texts(sel.get(name))
                if items is None:
                    problems.add(
                        shown,
                        sel.line_of(name),
                        f"'{name}' in 'select' must be a list, like [{sel.get(name)}]",
                    )
                    items = []
                lists[name] = tuple(items)
            select = Selection(dated=dated, **lists)
    options = {k: v for k, v in ch.items() if k not in COMMON}
    for text in strings(options):
        if why := text_problem(text):
            problems.add(shown, ch.line, f"chart {cid!r}: a text in its declaration {why}")
            break
    if kind == "period-counts" and options.get("period", "decade") not in PERIODS:
        problems.add(shown, ch.line_of("period"), f"'period' must be one of {', '.join(PERIODS)}")
    if kind == "parts":
        parts = options.get("parts")
        if not isinstance(parts, list) or len(parts) < 2:
            problems.add(shown, ch.line_of("parts"), "'parts' must list two or more parts")
        else:
            for part in parts:
                if not isinstance(part, LocatedDict) or not {"label", "value"} <= set(part):
                    problems.add(
                        shown,
                        getattr(part, "line", ch.line_of("parts")),
                        "each part needs 'label' and 'value' (fact-id.quantity or a derived id)",
                    )
    if kind == "exchange":
        parties = options.get("parties")
        if not (isinstance(parties, list) and len(parties) == 2):
            problems.add(shown, ch.line_of("parties"), "'parties' must name exactly two parties")
        flows = options.get("flows")
        if not isinstance(flows, list) or not flows:
            problems.add(shown, ch.line_of("flows"), "'flows' must list one or more flows")
        else:
            for flow in flows:
                if not isinstance(flow, LocatedDict) or not {"from", "label", "values"} <= set(
                    flow
                ):
                    problems.add(
                        shown,
                        getattr(flow, "line", ch.line_of("flows")),
                        "each flow needs 'from' (a party), 'label' (with {} per value) and 'values'",
                    )
                elif isinstance(parties, list) and flow["from"] not in parties:
                    problems.add(
                        shown,
                        flow.line_of("from"),
                        f"flow from {flow['from']!r}, which is not one of the parties {parties}",
                    )
    if len(problems.items) > before or not (cid and title and caption):
        return None
    return ChartSpec(cid, kind, title, caption, f"{shown}:{ch.line}", select, options)
