"""Composition: one report's templates and evidence into the typed document.

The steps each live in their own module: `prose.py` renders a section template with the data
and helpers; `markdown.py` reads the CommonMark it produces into blocks, with `notes.py` making
the notes; `attribution.py` checks the house rules on sourcing. This module runs them section by
section, has each block a template places made by the node that declares it (base/model.py,
`make`, which sees the composer through `_Making`), and places the what-changed section (WHAT_CHANGED, composed the same way with `changes`,
`groups` and `previous` added to what it sees) after the first section, numbering notes again.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from markupsafe import Markup

from briefing.base.clock import generated_date
from briefing.base.derive import derive
from briefing.base.errors import InputError, Problems
from briefing.base.model import (
    HELPERS,
    Block,
    Document,
    Fact,
    Note,
    PartialDate,
    RenderedChart,
    Section,
    Table,
)
from briefing.base.templating import locate
from briefing.base.wording import STALE_AFTER_DAYS, columns, information_age, label
from briefing.charts.data import ChartDataError
from briefing.compose import attribution, proselint
from briefing.compose.changes import Changes, Previous, compare, fact_sections
from briefing.compose.markdown import MarkdownReader
from briefing.compose.notes import NoteBook, renumber, section_cites
from briefing.compose.preflight import WHAT_CHANGED
from briefing.compose.prose import Helpers, Known, environment, escape_markdown
from briefing.config.judgments import SCALE
from briefing.config.specs import RESERVED_SECTION, Evidence, ReportSpec

if TYPE_CHECKING:
    from briefing.charts.draw import Drawings

WHAT_CHANGED_ID = RESERVED_SECTION


def current_to(facts: dict[str, Fact]) -> PartialDate:
    """The newest fact's date: what the information is current to (not when it was built).
    A 'by' date counts as its limit, and reads without the 'by' on the cover."""
    dated = [f.until or f.date for f in facts.values() if f.date]
    return replace(max(dated, key=lambda d: (d.latest, d.earliest)), by=False)


def source_share(evidence: Evidence) -> dict[str, int]:
    """How many facts rest on each source, so prose can state the evidence's balance."""
    counts = dict.fromkeys(evidence.sources, 0)
    for fact in evidence.facts.values():
        for sid in {c.source.id for c in fact.citations}:
            counts[sid] += 1
    return counts


def sole_source(evidence: Evidence) -> dict[str, int]:
    """How many facts rest on each source alone: what its reliability decides by itself."""
    counts = dict.fromkeys(evidence.sources, 0)
    for fact in evidence.facts.values():
        ids = {c.source.id for c in fact.citations}
        if len(ids) == 1:
            counts[ids.pop()] += 1
    return counts


def _print_each_event_once(sections: list[Section], charts: list[RenderedChart]) -> None:
    """A chart's data table that only lists events (a chronology's) is left out of print when
    a table of the document already lists every one of them: a printed page then shows each
    event in the drawing and in that table, not a third time. The HTML keeps it, collapsed, for
    screen readers; in print the chart's alt text gives every event."""
    listed = {
        fid
        for section in sections
        for block in section.blocks
        if isinstance(block, Table)
        for fid in block.facts
    }
    for chart in charts:
        if chart.data_facts and set(chart.data_facts) <= listed:
            chart.data_printed = False


@dataclass
class _Made:
    """Figures and tables in the order they are made, for their numbers."""

    charts: list[RenderedChart] = field(default_factory=list)
    tables: int = 0


class Composer:
    """Renders one report's section templates into the typed document."""

    def __init__(
        self,
        root: Path,
        spec: ReportSpec,
        evidence: Evidence,
        previous: Previous | None = None,
        drawings: Drawings | None = None,
        say: Callable[[str], None] = lambda _m: None,
        drawn: Callable[[str], dict[str, bytes]] | None = None,
        used: tuple[str, ...] | None = None,
        placed: dict[str, tuple[str, ...]] | None = None,
    ):
        self.root = root
        self.drawings = drawings
        self.say = say
        # chart id -> its drawings, when another process makes them (empty: a placeholder,
        # filled in once drawn, so the text need not wait for the charts)
        self.drawn = drawn
        self.spec = spec
        self.evidence = evidence
        self.previous = previous
        # The facts this report uses (None: all), and by section (fingerprint.py): what the
        # what-changed section may list, and where a fact no note cites is discussed.
        self.used = used
        self.placed = placed or {}
        self.changes: Changes | None = None
        # What cite() accepts: the evidence, plus facts an earlier edition had and this one
        # removed (what-changed cites them as they last stood).
        self.citable: dict[str, Fact] = dict(evidence.facts)
        self.derived = derive(evidence.facts)
        self.current_to = current_to(evidence.facts)
        self.helpers = Helpers(
            self.citable,
            {c.id for c in spec.charts},
            spec.path.name,
            {j.id for j in evidence.judgments},
        )
        # What every section template sees; the same for all sections, so built once.
        self.context = {
            "facts": Known(evidence.facts, "fact", "a fact's id is its `id:` in data/facts"),
            "sources": Known(evidence.sources, "source", "ids are in the sources file"),
            "domains": Known(evidence.domains, "domain", "ids are in the domains file"),
            "derived": Known(self.derived, "derived figure", "declared under a fact's `derived:`"),
            "report": spec,
            "current_to": self.current_to,
            "source_share": source_share(evidence),
            "sole_source": sole_source(evidence),
            # Facts another source bears out in substance (a fact's `corroborates`).
            "corroborated": sum(1 for f in evidence.facts.values() if f.corroborates),
            **self.helpers.functions(),
            "bottom_line": self._bottom_line,
        }
        self.bottom_lines = 0
        self.env = environment(root / "templates")
        self.names = proselint.names_of(evidence.facts.values(), evidence.sources.values())
        self.problems = Problems()
        self.notes = NoteBook(self.citable, self.helpers.pending)
        self.made = _Made()
        self.reader = MarkdownReader(
            self.notes,
            {helper: functools.partial(self._make, helper) for helper in HELPERS},
            self.problems,
        )

    def compose(self) -> Document:
        sections = [self._section(s.id, s.title, s.template) for s in self.spec.sections]
        if self.evidence.judgments and self.bottom_lines != 1:
            self.problems.add(
                self.spec.path.name,
                None,
                f"the report has key judgments, so one section must state them in its bottom "
                f"line with {{{{ bottom_line() }}}} (it is called {self.bottom_lines} times)",
            )
        self.problems.raise_if_any()
        places = fact_sections(
            sections,
            lambda sec: [(f.id, prose) for c, prose in section_cites(sec) for f in c.note.facts],
        )
        if self.previous is not None:
            titles = [s.title for s in sections]
            where = dict(places)
            for spec in self.spec.sections:
                for fid in self.placed.get(spec.id, ()):
                    where.setdefault(fid, spec.title)
            self.changes = compare(self.previous, self.evidence, where, self.used, titles)
            sections.insert(1, self._what_changed(self.changes, titles))
            self.problems.raise_if_any()
        notes = renumber(sections)
        _print_each_event_once(sections, self.made.charts)
        return Document(
            report_id=self.spec.id,
            title=self.spec.title,
            subtitle=self.spec.subtitle,
            author=self.spec.author,
            subject=self.spec.subject,
            keywords=list(self.spec.keywords),
            language=self.spec.language,
            current_to=self.current_to,
            generated=generated_date(),
            sections=sections,
            notes=notes,
            sources=list(self.evidence.sources.values()),
            charts=self.made.charts,
            fact_sections=places,
            contents=self.spec.contents,
            age_note=self._age_note(),
            kicker=self._kicker(),
        )

    def _kicker(self) -> str:
        """The label over the title: the report's own, else the house label; none when the title
        already says it. Decided here once, for every place that shows it (the cover or
        masthead, the mail)."""
        text = self.spec.kicker or label("kicker")
        return "" if text.lower() in self.spec.title.lower() else text

    def _age(self) -> int:
        """Days from the end of the information to the edition."""
        return (generated_date() - self.current_to.latest).days

    def _age_note(self) -> str:
        """What the cover says when the information is older than STALE_AFTER_DAYS."""
        if self._age() <= STALE_AFTER_DAYS:
            return ""
        return label("age_note", age=information_age(self._age()), date=self.current_to.plain)

    def _bottom_line(self) -> Markup:
        """The key judgments in one sentence, from each judgment's `in_brief`, grouped by
        likelihood and confidence and anchored to the information's date (and its age, when stale)."""
        self.bottom_lines += 1
        groups: list[tuple[tuple[str, str], list[str]]] = []
        for j in self.evidence.judgments:
            if j.alternative:
                continue
            key = (j.likelihood, j.confidence)
            if groups and groups[-1][0] == key:
                groups[-1][1].append(j.in_brief)
            else:
                groups.append((key, [j.in_brief]))
        parts = [
            label("bottom_line_term", term=term, confidence=confidence)
            + " "
            + _series([f"that {clause}" for clause in clauses])
            for (term, confidence), clauses in groups
        ]
        age = self._age()
        text = label(
            "bottom_line_judged",
            date=self.current_to.plain,
            age=label("bottom_line_age", age=information_age(age))
            if age > STALE_AFTER_DAYS
            else "",
            clauses=_series(parts),
        )
        return Markup(escape_markdown(text))

    def _section(self, sid: str, title: str, template: str, extra: dict | None = None) -> Section:
        text = self.helpers.render(self.env, template, {**self.context, **(extra or {})})
        shown = self.helpers.current  # the file it came from: the project's or the package's
        if template != WHAT_CHANGED and self.helpers.template is not None:
            # The report's own prose is held to the house rules; the engine's is not content.
            source = Path(self.helpers.template.filename or "").read_text(encoding="utf-8")
            proselint.check(source, shown, self.citable, self.names, self.problems)
        blocks = self.reader.blocks(text, shown)
        attribution.check(blocks, shown, self.problems)
        return Section(sid, title, blocks)

    def _what_changed(self, changes: Changes, order: list[str]) -> Section:
        for item in changes.items:
            self.citable.setdefault(item.fact.id, item.fact)
        if locate(self.root / "templates", WHAT_CHANGED) is None:  # the package ships one
            raise InputError.one(
                f"templates/{WHAT_CHANGED}",
                None,
                "missing from the project and from the package: every edition after the first "
                "opens with this section; reinstall briefing",
            )
        extra = {"changes": changes, "groups": changes.groups(order), "previous": changes.previous}
        title = label("what_changed", date=changes.previous.date)
        return self._section(WHAT_CHANGED_ID, title, WHAT_CHANGED, extra)

    # --- the blocks templates ask for ------------------------------------------------------------

    def _make(self, helper: str, name: str) -> Block:
        """The block a helper's placeholder stands for, made by the node that declares it."""
        args = tuple(a for a in name.split(",") if a)
        return HELPERS[helper].make(helper, args, _Making(self))

    def figure(self, chart_id: str) -> RenderedChart:
        from briefing.charts import draw as charts

        spec = next((c for c in self.spec.charts if c.id == chart_id), None)
        if spec is None:  # a placeholder written by hand: chart() checks the id it is given
            raise InputError.one(
                self.helpers.current,
                None,
                f"![](chart:{chart_id}) names the chart {chart_id!r}, which "
                f"{self.spec.path.name} does not define; place a chart with chart('its-id')",
            )
        try:
            chart = charts.render(
                spec,
                len(self.made.charts) + 1,
                self.evidence,
                self.derived,
                self.drawings or charts.Drawings(),
                lambda m: self.say(f"{self.spec.id}: {m}"),
                self.drawn(chart_id) if self.drawn else None,
            )
        except ChartDataError as exc:
            path, _, line = spec.origin.rpartition(":")
            raise InputError.one(path, int(line), f"chart {chart_id!r}: {exc}") from None
        self.made.charts.append(chart)
        return chart


def _series(items: list[str]) -> str:
    """'a, b and c'."""
    return " and ".join([", ".join(items[:-1]), items[-1]]) if len(items) > 1 else "".join(items)


class _Making:
    """What a block's make() sees of the composer (model.Composition)."""

    def __init__(self, composer: Composer):
        self._composer = composer
        self.facts = composer.evidence.facts
        self.sources = composer.evidence.sources
        self.judgments = tuple(composer.evidence.judgments)
        self.scale = SCALE

    @property
    def notes(self) -> list[Note]:
        return self._composer.notes.notes

    def note(self, facts: tuple[Fact, ...], origin: str) -> Note:
        return self._composer.notes.new(facts, origin)

    def table_number(self) -> int:
        self._composer.made.tables += 1
        return self._composer.made.tables

    def chart(self, chart_id: str) -> RenderedChart:
        return self._composer.figure(chart_id)

    def label(self, key: str, **fields: object) -> str:
        return label(key, **fields)

    def columns(self, key: str) -> list[str]:
        return columns(key)

    def refuse(self, message: str) -> NoReturn:
        raise InputError.one(self._composer.helpers.current, None, message)
