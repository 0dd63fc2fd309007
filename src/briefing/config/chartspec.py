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

from briefing.base.errors import Problems
from briefing.base.textcheck import problem as text_problem
from briefing.config.yamlfile import LocatedDict

# What every declaration has, whatever its kind; the rest are the kind's own fields, checked by
# the kind's module on the charts floor (`briefing.charts.kinds`), which this floor cannot import.
COMMON = {"id", "kind", "title", "caption", "select"}
SELECT_FIELDS = {"domains", "tags", "facts", "dated"}


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
    """One declaration from a report's `charts:`; problems go to `problems` with their line.

    Checks what every declaration has; the kind's name and its own fields are the charts
    floor's to check (`briefing.charts.data.check`), so they are kept here with their lines."""
    before = len(problems.items)
    cid = check.ident(ch, "id", "a chart")
    kind = check.text(ch, "kind", f"chart {cid!r}")
    title = check.text(ch, "title", f"chart {cid!r}")
    caption = check.text(ch, "caption", f"chart {cid!r}")
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
    if len(problems.items) > before or not (cid and kind and title and caption):
        return None
    lines = {str(k): ch.line_of(k) for k in ch}
    return ChartSpec(cid, kind, title, caption, f"{shown}:{ch.line}", select, options, lines)
