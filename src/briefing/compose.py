"""Prose templates + evidence -> the document's sections.

Templates are Jinja2 producing CommonMark. Values from the data pass through `finalize`, which
backslash-escapes every ASCII punctuation mark, so data text can never turn into markup. Markup
the template author writes (and the helpers below) is left alone. markdown-it-py then parses the
result, and each token becomes a node of the typed document.

Helpers a template can call:
  {{ cite('fact-id', ...) }}   a note citing those facts (placed after the sentence's full stop)
  {{ chart('chart-id') }}       a figure, on a line of its own
  {{ timeline() }}              the table of every dated fact
  {{ source_list() }}           the list of sources with their perspective
  {{ method() }}                marks a paragraph or bullet as method, not sourced fact, so it
                                needs no note (every other one must cite)
The what-changed section (WHAT_CHANGED) is composed the same way, after the others, with
`changes` (the fact-level comparison, grouped by section) and `previous` (the earlier edition)
added to what it sees; it is placed after the first section and the notes are renumbered.
and filters: qty ('2.35 million barrels'), num ('2.35 million'), adj ('20-year'), upfirst.
Templates also see `facts`, `sources`, `derived` (figures computed in derive.py), `current_to`
and `source_share` (how many facts rest on each source).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

from . import units
from .changes import Changes, Previous, compare, fact_sections
from .chartdata import ChartDataError
from .clock import generated_date
from .derive import Derived, derive
from .errors import InputError, Problems
from .load import RESERVED_SECTION, Evidence, ReportSpec
from .model import (
    BulletList,
    Cite,
    Document,
    Emph,
    Fact,
    Figure,
    Inline,
    Note,
    Paragraph,
    PartialDate,
    RenderedChart,
    Section,
    SourceList,
    Strong,
    Table,
    Text,
)

WHAT_CHANGED = "sections/what-changed.md.j2"
WHAT_CHANGED_ID = RESERVED_SECTION

PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
_ESCAPES = str.maketrans({c: "\\" + c for c in PUNCTUATION})


def escape_markdown(value: object) -> str:
    """Make data text inert: CommonMark lets a backslash escape any ASCII punctuation."""
    return str(value).translate(_ESCAPES)


_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")


def _finalize(value: object) -> object:
    if isinstance(value, Markup):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # Escaped text is exempt from smart quotes, so give data the prose's apostrophe here.
    return escape_markdown(_APOSTROPHE.sub("\u2019", str(value)))


class _TemplateFault(Exception):
    """Raised inside a helper; carries a message the caller pins to the template line."""


def _calling_line(template: jinja2.Template | None) -> int | None:
    """The template line of the helper call now running, so messages can point at it."""
    if template is None or not template.filename:
        return None
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename == template.filename:
            return template.get_corresponding_lineno(frame.f_lineno)
        frame = frame.f_back
    return None


def _template_line_of(exc: BaseException, filename: str) -> int | None:
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


@dataclass
class _State:
    """What the composition accumulates across sections: notes, figures and tables in order."""

    notes: list[Note] = field(default_factory=list)
    charts: list[RenderedChart] = field(default_factory=list)
    tables: int = 0
    pending_cites: dict[str, tuple[tuple[str, ...], str]] = field(default_factory=dict)


def _environment(root: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(root / "templates"),
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def _quantity_of(value: object):
        return value.quantity if isinstance(value, Derived) else value

    env.filters["qty"] = lambda q, decimals=None: units.quantity(_quantity_of(q), decimals)
    env.filters["num"] = lambda q, decimals=None: units.number(_quantity_of(q).value, decimals)
    env.filters["adj"] = lambda q: units.adjective(_quantity_of(q))
    env.filters["upfirst"] = lambda text: str(text)[:1].upper() + str(text)[1:]
    return env


def current_to(facts: dict[str, Fact]) -> PartialDate:
    """The newest fact's date: what the information is current to (not when it was built)."""
    dated = [f.until or f.date for f in facts.values() if f.date]
    return max(dated, key=lambda d: (d.latest, d.earliest))


class Composer:
    """Renders one report's section templates into the typed document."""

    def __init__(
        self, root: Path, spec: ReportSpec, evidence: Evidence, previous: Previous | None = None
    ):
        self.root = root
        self.spec = spec
        self.evidence = evidence
        self.previous = previous
        self.changes: Changes | None = None
        # What cite() accepts: the evidence, plus facts an earlier edition had and this one
        # removed (what-changed cites them as they last stood).
        self.citable: dict[str, Fact] = dict(evidence.facts)
        self.derived = derive(evidence.facts)
        self.current_to = current_to(evidence.facts)
        # What every section template sees; the same for all sections, so built once.
        self.context = {
            "facts": evidence.facts,
            "sources": evidence.sources,
            "derived": self.derived,
            "report": spec,
            "cite": self._cite,
            "chart": self._chart,
            "timeline": lambda: Markup("\n\n![](table:timeline)\n\n"),
            "source_list": lambda: Markup("\n\n![](sources:all)\n\n"),
            "method": lambda: Markup("[](method:)"),
            "current_to": self.current_to,
            "source_share": self._source_share(),
        }
        self.state = _State()
        self.env = _environment(root)
        self.md = MarkdownIt("commonmark", {"html": False, "typographer": True}).enable(
            ["replacements", "smartquotes"]
        )
        self.problems = Problems()
        self._current: str = ""
        self._template: jinja2.Template | None = None

    # --- helpers exposed to templates ---------------------------------------------------------

    def _cite(self, *fact_ids: str) -> Markup:
        line = _calling_line(self._template)
        where = f"{self._current}:{line}" if line else self._current
        if not fact_ids:
            raise _TemplateFault("cite() needs at least one fact id")
        for fid in fact_ids:
            if fid not in self.citable:
                raise _TemplateFault(
                    f"cite() names unknown fact {fid!r}; add it to data/facts or fix the id"
                )
        key = f"c{len(self.state.pending_cites)}"
        self.state.pending_cites[key] = (fact_ids, where)
        return Markup(f"[](cite:{key})")

    def _chart(self, chart_id: str) -> Markup:
        if chart_id not in {c.id for c in self.spec.charts}:
            raise _TemplateFault(
                f"chart() names {chart_id!r}, which {self.spec.path.name} does not define"
            )
        return Markup(f"\n\n![](chart:{chart_id})\n\n")

    def _source_share(self) -> dict[str, int]:
        """How many facts rest on each source, so prose can state the evidence's balance."""
        counts = dict.fromkeys(self.evidence.sources, 0)
        for fact in self.evidence.facts.values():
            for sid in {c.source.id for c in fact.citations}:
                counts[sid] += 1
        return counts

    def _draw(self, chart_id: str) -> RenderedChart:
        from . import charts  # matplotlib loads only when a report has charts

        spec = next(c for c in self.spec.charts if c.id == chart_id)
        try:
            return charts.render(spec, len(self.state.charts) + 1, self.evidence, self.derived)
        except ChartDataError as exc:
            path, _, line = spec.origin.rpartition(":")
            raise InputError.one(path, int(line), f"chart {chart_id!r}: {exc}") from None

    # --- composition ----------------------------------------------------------------------------

    def compose(self) -> Document:
        sections = [self._section(s.id, s.title, s.template) for s in self.spec.sections]
        self.problems.raise_if_any()
        places = fact_sections(
            sections,
            lambda sec: [(f.id, prose) for c, prose in section_cites(sec) for f in c.note.facts],
        )
        if self.previous is not None:
            self.changes = compare(self.previous, self.evidence, places)
            sections.insert(1, self._what_changed(self.changes, [s.title for s in sections]))
            self.problems.raise_if_any()
            self.state.notes = renumber_notes(sections)
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
            notes=self.state.notes,
            sources=list(self.evidence.sources.values()),
            charts=self.state.charts,
            fact_sections=places,
        )

    def _what_changed(self, changes: Changes, order: list[str]) -> Section:
        for item in changes.items:
            self.citable.setdefault(item.fact.id, item.fact)
        if not (self.root / "templates" / WHAT_CHANGED).is_file():
            raise InputError.one(
                f"templates/{WHAT_CHANGED}",
                None,
                "missing: every edition after the first opens with this section; "
                "restore it from the briefing project",
            )
        extra = {"changes": changes, "groups": changes.groups(order), "previous": changes.previous}
        title = f"What changed since the edition of {changes.previous.date}"
        return self._section(WHAT_CHANGED_ID, title, WHAT_CHANGED, extra)

    def _section(
        self, sid: str, title: str, template_name: str, extra: dict | None = None
    ) -> Section:
        shown = f"templates/{template_name}"
        self._current = shown
        try:
            template = self.env.get_template(template_name)
        except jinja2.TemplateSyntaxError as exc:
            raise InputError.one(
                shown, exc.lineno, f"template syntax error: {exc.message}"
            ) from None
        self._template = template
        try:
            text = template.render({**self.context, **(extra or {})})
        except _TemplateFault as exc:
            line = _template_line_of(exc, template.filename)
            raise InputError.one(shown, line, str(exc)) from None
        except jinja2.UndefinedError as exc:
            line = _template_line_of(exc, template.filename)
            raise InputError.one(
                shown, line, f"{exc.message}; check the fact id and field name against data/"
            ) from None
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            line = _template_line_of(exc, template.filename)
            raise InputError.one(shown, line, f"template error: {exc}") from None
        return Section(sid, title, self._blocks(text, shown))

    # --- markdown tokens -> blocks --------------------------------------------------------------

    def _blocks(self, text: str, shown: str) -> list:
        tokens = self.md.parse(text)
        blocks: list = []
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if tok.type == "paragraph_open":
                inline = tokens[i + 1]
                blocks.append(self._paragraph(inline, shown))
                i += 3
            elif tok.type == "bullet_list_open":
                items: list[list[Inline]] = []
                depth = 0
                j = i
                while True:
                    t = tokens[j]
                    depth += (
                        t.nesting
                        if t.type.endswith("list_open") or t.type.endswith("list_close")
                        else 0
                    )
                    if t.type == "inline":
                        items.append(self._inlines(t.children or [], shown, t.map))
                    if t.type == "bullet_list_close" and depth == 0:
                        break
                    j += 1
                blocks.append(BulletList(items))
                i = j + 1
            else:
                line = (tok.map[0] + 1) if tok.map else None
                self.problems.add(
                    shown,
                    None,
                    f"unsupported markup {tok.type!r} near rendered line {line}; "
                    "use paragraphs, '- ' bullets, **bold** and *italic*",
                )
                i += 1
        for block in blocks:
            self._check_attribution(block, shown)
        return blocks

    def _paragraph(self, inline: Token, shown: str):
        children = inline.children or []
        if len(children) == 1 and children[0].type == "image":
            target = children[0].attrGet("src") or ""
            kind, _, name = target.partition(":")
            if kind == "chart":
                chart = self._draw(name)
                self.state.charts.append(chart)
                return Figure(chart)
            if kind == "table" and name == "timeline":
                return self._timeline_table()
            if kind == "sources":
                return SourceList(list(self.evidence.sources.values()))
        return Paragraph(self._inlines(children, shown, inline.map))

    def _inlines(self, tokens: list[Token], shown: str, where: list[int] | None) -> list[Inline]:
        stack: list[list[Inline]] = [[]]
        wrappers: list[type] = []
        for tok in tokens:
            if tok.type == "text" or tok.type == "code_inline":
                self._append_text(stack[-1], tok.content)
            elif tok.type in ("softbreak", "hardbreak"):
                self._append_text(stack[-1], " ")
            elif tok.type in ("strong_open", "em_open"):
                wrappers.append(Strong if tok.type == "strong_open" else Emph)
                stack.append([])
            elif tok.type in ("strong_close", "em_close"):
                children = stack.pop()
                stack[-1].append(wrappers.pop()(children))
            elif tok.type == "link_open" and (tok.attrGet("href") or "").startswith("cite:"):
                key = (tok.attrGet("href") or "")[5:]
                stack[-1].append(Cite(self._note(key)))
            elif tok.type == "link_open" and (tok.attrGet("href") or "") == "method:":
                stack[-1].append(MethodMark())
            elif tok.type == "link_close":
                continue
            else:
                self.problems.add(
                    shown,
                    None,
                    f"unsupported inline markup {tok.type!r}; links and images are not allowed in prose",
                )
        return stack[0]

    @staticmethod
    def _append_text(into: list[Inline], text: str) -> None:
        if into and isinstance(into[-1], Text):
            into[-1].text += text
        else:
            into.append(Text(text))

    def _note(self, key: str) -> Note:
        fact_ids, origin = self.state.pending_cites[key]
        note = Note(len(self.state.notes) + 1, tuple(self.citable[f] for f in fact_ids), origin)
        self.state.notes.append(note)
        return note

    def _timeline_table(self) -> Table:
        dated = sorted(
            (f for f in self.evidence.facts.values() if f.date), key=lambda f: f.date.sort_key()
        )
        rows: list[list[list[Inline]]] = []
        for fact in dated:
            note = Note(len(self.state.notes) + 1, (fact,), fact.origin)
            self.state.notes.append(note)
            rows.append(
                [[Text(fact.when)], [Text(fact.domain_label)], [Text(fact.summary), Cite(note)]]
            )
        self.state.tables += 1
        return Table(
            caption="Every dated fact in the evidence base, oldest first",
            number=self.state.tables,
            columns=["Date", "Domain", "Development"],
            rows=rows,
            widths=[0.18, 0.22, 0.60],
        )

    # --- the attribution rule -------------------------------------------------------------------

    def _check_attribution(self, block, shown: str) -> None:
        """Every paragraph or bullet cites, unless marked as method; single-source and
        advocate claims name who makes them in the same paragraph."""
        pieces = (
            block.items
            if isinstance(block, BulletList)
            else [block.inlines]
            if isinstance(block, Paragraph)
            else []
        )
        for index, inlines in enumerate(pieces):
            text = plain_text(inlines).lower()
            nodes = list(walk(inlines))
            if any(isinstance(n, MethodMark) for n in nodes):
                inlines[:] = [n for n in inlines if not isinstance(n, MethodMark)]
                continue
            if not any(isinstance(n, Cite) for n in nodes):
                what = (
                    f"bullet {index + 1} of a list"
                    if isinstance(block, BulletList)
                    else "a paragraph"
                )
                self.problems.add(
                    shown,
                    None,
                    f"{what} starting {plain_text(inlines)[:60]!r} cites no fact; add {{{{ cite('fact-id') }}}} "
                    "or mark it {{ method() }} if it describes method rather than a sourced claim",
                )
            for cite in (i for i in walk(inlines) if isinstance(i, Cite)):
                for fact in cite.note.facts:
                    if fact.needs_attribution and fact.claimant.lower() not in text:
                        path, _, line = cite.note.origin.rpartition(":")
                        self.problems.add(
                            path if line.isdigit() else cite.note.origin,
                            int(line) if line.isdigit() else None,
                            f"fact {fact.id!r} rests on a single or advocate source, so the paragraph "
                            f"citing it must name who claims it ({fact.claimant!r})",
                        )


def section_cites(section: Section):
    """Every note reference in a section in reading order, and whether it sits in prose
    (a paragraph or bullet) rather than a table."""
    for block in section.blocks:
        if isinstance(block, Paragraph):
            pieces, prose = [block.inlines], True
        elif isinstance(block, BulletList):
            pieces, prose = block.items, True
        elif isinstance(block, Table):
            pieces, prose = [cell for row in block.rows for cell in row], False
        else:
            continue
        for inlines in pieces:
            for node in walk(inlines):
                if isinstance(node, Cite):
                    yield node, prose


def renumber_notes(sections: list[Section]) -> list[Note]:
    """Notes numbered in reading order, after a section was placed before others."""
    notes = [cite.note for section in sections for cite, _ in section_cites(section)]
    for number, note in enumerate(notes, start=1):
        note.number = number
    return notes


class MethodMark:
    """Transient marker from {{ method() }}; removed before the document is handed on."""


def walk(inlines: list[Inline]):
    for node in inlines:
        yield node
        if isinstance(node, Strong | Emph):
            yield from walk(node.children)


def plain_text(inlines: list[Inline]) -> str:
    return "".join(n.text for n in walk(inlines) if isinstance(n, Text))
