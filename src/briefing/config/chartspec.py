"""Chart declarations: what a report file says about each chart, checked at the door.

A chart is declared, never coded: a kind from a small general set, the facts it plots (by
domain, tag or id), the fields it reads, and its title and caption. This module checks what
every declaration has (id, kind as text, title, caption, select) and keeps the kind's own fields
with their lines; each kind's module (`briefing.charts.kinds`, a floor above) checks its name and
its fields, turns a declaration and the evidence into the values to plot, and draws them.

Values are referred to as `fact-id.quantity` or by a derived figure's id; `{}` in a label is
filled with the listed values, in order, as prose ('2.35 million barrels').
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from briefing.base.textcheck import problem as text_problem
from briefing.config import schema as sc
from briefing.config.schema import Field, Schema, Scope
from briefing.config.yamlfile import LocatedDict


@dataclass(frozen=True)
class Selection:
    """Which facts a chart plots: all that match every given filter."""

    domains: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()
    dated: bool = True


A_LIST = sc.strings("'{key}' in 'select' must be a list, like [{value}]")
SELECT = Schema(
    "'select'",
    "",
    (
        Field("domains", A_LIST, default=()),
        Field("tags", A_LIST, default=()),
        Field("facts", A_LIST, default=()),
        Field("dated", sc.boolean("'dated' must be true or false"), default=True),
    ),
    Selection,
)
# What every declaration has, whatever its kind; the rest are the kind's own fields, checked by
# the kind's module on the charts floor (`briefing.charts.kinds`), which this floor cannot import.
CHART = Schema(
    "a chart",
    "chart {id!r}",
    (
        Field("id", sc.ident, True, unique="chart id"),
        Field("kind", sc.text(), True),
        Field("title", sc.text(), True),
        Field("caption", sc.text(), True),
        Field("select", sc.mapping(SELECT), default=Selection()),
    ),
    open=True,
)
COMMON = {f.name for f in CHART.fields}


@dataclass(frozen=True)
class ChartSpec:
    id: str
    kind: str
    title: str
    caption: str
    origin: str  # "path:line"
    select: Selection = Selection()
    # The kind's own fields, as the YAML holds them (a mapping or list inside knows its lines).
    options: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    # The line of each field of the declaration, so the charts floor blames the right line.
    lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)

    @property
    def path(self) -> str:
        return self.origin.rpartition(":")[0]

    @property
    def line(self) -> int:
        return int(self.origin.rpartition(":")[2])

    def line_of(self, name: str) -> int:
        """The line of one of the declaration's fields; the declaration's own when absent."""
        return self.lines.get(name, self.line)


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


def charts(s: Scope, e: LocatedDict, k: str, w: str) -> tuple[ChartSpec, ...] | None:
    """A report's chart declarations. What every declaration has is checked here; the kind's
    name and its own fields are the charts floor's to check (`briefing.charts.kind`), so they
    are kept with their lines."""
    if not isinstance(raw := e[k], list):
        s.add(e.line_of(k), "'charts' must be a list of chart declarations")
        return None
    before, out = len(s.problems.items), []
    for ch in filter(None, (s.checker.mapping(c, e.line_of(k), "each chart") for c in raw)):
        v = sc.check(s, ch, CHART)
        options = {k: v for k, v in ch.items() if k not in COMMON}
        if why := next(filter(None, map(text_problem, strings(options))), None):
            s.add(ch.line, f"chart {ch.get('id')!r}: a text in its declaration {why}")
        elif v is not None:
            lines, origin = {str(k): ch.line_of(k) for k in ch}, f"{s.shown}:{ch.line}"
            out.append(ChartSpec(**v, origin=origin, options=options, lines=lines))
    return tuple(out) if len(s.problems.items) == before else None
