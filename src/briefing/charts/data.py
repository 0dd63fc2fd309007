"""From a chart declaration and the evidence to what the document holds of it, except the
drawing: the declaration checked against its kind, the values plotted, the title, the alt text,
the data table, and the lines under the figure.

Each kind's own part lives in its module (`charts/kinds/`); this module reads the registry, so
the pipeline and the composer call `check` and `prepare` without knowing the kinds. Kept apart
from matplotlib: declarations and data are checked at the door without drawing anything.
"""

from __future__ import annotations

from briefing.base.derive import Derived
from briefing.base.errors import Problems
from briefing.base.model import Fact
from briefing.base.wording import descriptive, label
from briefing.charts.kinds import KINDS, unknown
from briefing.charts.plot import ChartDataError, ChartTable, Plot, select
from briefing.config.chartspec import ChartSpec
from briefing.config.specs import Evidence

__all__ = [
    "ChartDataError",
    "ChartTable",
    "Plot",
    "check",
    "check_declarations",
    "claims_line",
    "prepare",
    "select",
    "source_line",
]


def prepare(spec: ChartSpec, evidence: Evidence, derived: dict[str, Derived]) -> Plot:
    kind = KINDS.get(spec.kind)
    if kind is None:
        raise ChartDataError(unknown(spec.kind))
    return kind.prepare(spec, evidence, derived)


def in_prose(name: str) -> str:
    """A name as a sentence uses it: a descriptive one, ending in a common noun ('March wire
    report', 'Institute analysts'), takes 'the'; a proper name ('Reuters', 'the Institute, via
    …') does not."""
    return "the " + name if descriptive(name) and not name.lower().startswith("the ") else name


def claims_line(facts: tuple[Fact, ...]) -> str:
    """Who claims what a chart shows, where a reader must be told: its facts that rest on one
    source or on advocates only, named as the prose names them."""
    names = list(dict.fromkeys(in_prose(f.claimed_by) for f in facts if f.needs_attribution))
    if not names:
        return ""
    listed = " and ".join(names) if len(names) < 3 else "; ".join(names[:-1]) + "; and " + names[-1]
    return label("claims_caption", names=listed)


def source_line(facts: tuple[Fact, ...]) -> str:
    seen: dict[str, str] = {}
    for fact in facts:
        for c in fact.citations:
            seen.setdefault(c.source.id, f"{c.source.label}, {c.source.published}")
    return "Source: " + "; ".join(seen.values()) + "." if seen else ""


def check_declarations(charts: tuple[ChartSpec, ...], problems: Problems) -> list[ChartSpec]:
    """Each declaration's kind and its own fields, against the kind's module; the evidence is
    not needed, so these problems join the evidence's own in one run. The declarations that
    pass, in order."""
    passed = []
    for spec in charts:
        kind = KINDS.get(spec.kind)
        if kind is None:
            problems.add(spec.path, spec.line_of("kind"), unknown(spec.kind))
        elif kind.check(spec, problems):
            passed.append(spec)
    return passed


def check(charts: tuple[ChartSpec, ...], evidence: Evidence, problems: Problems) -> None:
    """Check every declaration, then prepare each that passes without drawing it, so a chart
    whose data is missing or does not fit is a `path:line` problem at the door, before any
    rendering."""
    from briefing.base.derive import derive

    derived = derive(evidence.facts)
    for spec in check_declarations(charts, problems):
        try:
            prepare(spec, evidence, derived)
        except (ChartDataError, KeyError, ValueError, TypeError) as exc:
            problems.add(spec.path, spec.line, f"chart {spec.id!r}: {exc}")
