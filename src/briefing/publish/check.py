"""`briefing check`: everything a build validates, and nothing written.

The same functions as the build, in the same order (pipeline.py): the report definitions and the
project's settings, then each report's evidence and chart declarations, its charts against its
evidence, its templates and stylesheets, and last the document composed and its page rendered
(render.proof) with the prose rules, the attribution rules and the layout's own checks. What
differs is only what a check leaves out: no lock, no output folder, no edition store, no chart
drawn, no worker, no cache. A report whose earlier checks fail is not composed, as a build would
not compose it; the others still are, so one run names every problem it can.

A build checks the section that opens later editions (what changed) only once an edition exists;
a check always parses it, so a broken override in a project is found before it is first needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from briefing.base.errors import InputError, Problem, Problems
from briefing.config.specs import ReportSpec
from briefing.publish.pipeline import base_url, check_evidence, check_report, select_reports
from briefing.publish.render import proof


@dataclass
class Checked:
    """What a check found: the reports it checked, what they hold, and every problem."""

    reports: list[str] = field(default_factory=list)
    facts: int = 0  # in the evidence the checked reports draw on, each fact counted once
    charts: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check(root: Path, wanted: list[str]) -> Checked:
    """Every check a build of `wanted` (default: every report) makes before it publishes."""
    problems = Problems()
    result = Checked()
    try:
        specs = select_reports(root, wanted, problems)
    except InputError as exc:  # no report at all
        problems.items.extend(exc.problems)
        specs = []
    base_url(root, problems)  # briefing.toml and the environment's overrides
    result.reports = [s.id for s in specs]
    facts: set[str] = set()  # where each fact is declared: the same fact counts once
    for spec in specs:
        # Each report's problems apart: a loader skips steps once it has seen any problem.
        mine = Problems()
        _check_one(spec, root, mine, result, facts)
        problems.items.extend(mine.items)
    result.facts = len(facts)
    # Two reports on one evidence base find its problems twice; each is named once.
    result.problems = list(dict.fromkeys(problems.items))
    return result


def _check_one(
    spec: ReportSpec, root: Path, problems: Problems, result: Checked, facts: set[str]
) -> None:
    try:
        ev = check_evidence([spec], root, problems)[spec.id]
    except InputError as exc:  # an evidence base over its size limit
        problems.items.extend(exc.problems)
        return
    if problems:
        return
    facts |= {fact.origin for fact in ev.facts.values()}
    result.charts += len(spec.charts)
    check_report(spec, ev, root, problems, later_edition=True)
    if problems:
        return
    try:
        proof(root, spec, ev)
    except InputError as exc:
        problems.items.extend(exc.problems)
