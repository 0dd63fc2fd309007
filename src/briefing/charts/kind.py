"""What a chart kind is: the one record a kind's module declares (`KIND = ChartKind(...)`), and
the checks every declaration of a kind gets from it.

A kind says which of a declaration's fields are its own (required and optional), what its title
may name, the rules its fields follow beyond being there, how it turns a declaration and the
evidence into a `Plot`, how it draws one (full width and, if it has one, for phones) and at what
size. The registry (`charts/kinds/__init__.py`) is the one list of kinds; everything else reads
it.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from briefing.base.derive import Derived
from briefing.base.errors import Problems
from briefing.charts.plot import Plot
from briefing.config.chartspec import COMMON, ChartSpec
from briefing.config.fieldcheck import unknown_key
from briefing.config.specs import Evidence

if TYPE_CHECKING:
    from matplotlib.figure import Figure as MplFigure


@dataclass(frozen=True)
class Declared:
    """One declaration's own fields as its kind's rules read them: each field's value and line,
    and where a problem with it goes (`path:line`, with every other problem of the run)."""

    spec: ChartSpec
    problems: Problems

    @property
    def options(self) -> dict[str, Any]:
        return self.spec.options

    def line_of(self, name: str) -> int:
        return self.spec.line_of(name)

    def add(self, line: int, message: str) -> None:
        self.problems.add(self.spec.path, line, message)


def _no_rules(declared: Declared) -> None:
    """A kind whose fields need nothing beyond being there."""


@dataclass(frozen=True)
class ChartKind:
    name: str  # as a declaration writes it: `kind: period-counts`
    prepare: Callable[[ChartSpec, Evidence, dict[str, Derived]], Plot]
    # The drawing, at `size`; `narrow` (True only for a kind that has a phone drawing) asks for
    # the one at phone width.
    draw: Callable[[Plot, bool], MplFigure]
    # The figure's size in inches from the prepared values alone: the drawing is made at this
    # size, and the print lays the page out at it before the drawing exists (writers/pdf/).
    size: Callable[[dict, bool], tuple[float, float]]
    required: frozenset[str] = frozenset()  # the kind's own fields a declaration must have
    optional: frozenset[str] = frozenset()
    title_fields: frozenset[str] = frozenset()  # the `{name}`s its title may use
    narrow: bool = False  # has a drawing for phones; the others shrink to the screen
    rules: Callable[[Declared], None] = _no_rules  # its fields' rules beyond being there
    # Fields a declaration might reach for that the kind refuses on principle, each with what
    # to do instead: said in place of "unknown field", which would only offer a spelling.
    refused: Mapping[str, str] = field(default_factory=dict)

    def check(self, spec: ChartSpec, problems: Problems) -> bool:
        """The declaration's own fields and title against this kind; False when any is wrong."""
        before = len(problems.items)
        declared = Declared(spec, problems)
        allowed = self.required | self.optional
        for key in spec.options:
            if key in self.refused:
                declared.add(spec.line_of(str(key)), f"chart {spec.id!r}: {self.refused[key]}")
            elif key not in allowed:  # the fields every chart has are offered too
                problem = unknown_key(key, allowed | COMMON, f"a {self.name} chart")
                declared.add(spec.line_of(str(key)), problem)
        missing = sorted(self.required - set(spec.options))
        for name in missing:
            declared.add(spec.line, f"chart {spec.id!r} ({self.name}) needs {name!r}")
        unknown = _placeholders(spec.title, declared) - self.title_fields
        if unknown:
            offer = ", ".join("{" + p + "}" for p in sorted(self.title_fields)) or "none"
            declared.add(
                spec.line_of("title"),
                f"chart {spec.id!r}: the title names {', '.join(sorted(unknown))}, which a "
                f"{self.name} chart does not provide (it provides: {offer})",
            )
        if not missing:
            self.rules(declared)
        return len(problems.items) == before


def _placeholders(title: str, declared: Declared) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(title) if name}
    except ValueError:
        declared.add(
            declared.line_of("title"),
            f"chart {declared.spec.id!r}: the title has a lone {{ or }}; write {{{{ or }}}} for a "
            "brace, or {name} for a value the kind provides",
        )
        return set()
