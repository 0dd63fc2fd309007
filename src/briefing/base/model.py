"""The one typed document every writer reads.

The floors above build it (`config/` the evidence, `compose/` the sections, `charts/` the
drawings); writers (`writers/`) only translate it. Format parity comes from this construction:
a fact, figure or citation exists here once, so every format shows the same ones.

It holds, in order: the evidence (domains, dates, sources, facts, judgments), the inlines, the
blocks of a section (each a `Block` subclass that declares the template helpers placing it and
how it is made; see `writers/__init__.py` for the rules each writer has for it), and the
document.
"""

from __future__ import annotations

import calendar
import functools
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date
from typing import Any, ClassVar, NamedTuple, NoReturn, Protocol

# ---------------------------------------------------------------- evidence ------------------------


@dataclass(frozen=True)
class Domain:
    """A category of facts, declared with the evidence: its label and its palette slot."""

    id: str
    label: str
    slot: int  # index into charts.PALETTE: colour, marker and hatch together


MONTHS = [calendar.month_name[m] for m in range(13)]


def long_date(d: date) -> str:
    """'25 November 2026': the one way a full date reads in every format and on the index."""
    return f"{d.day} {MONTHS[d.month]} {d.year}"


@dataclass(frozen=True, order=False)
class PartialDate:
    """A date known to a stated precision: decade, year, month or day."""

    year: int
    month: int | None = None
    day: int | None = None
    decade: bool = False
    by: bool = False  # the source gives only a limit: "by 2023", no later than that

    @property
    def precision(self) -> str:
        if self.decade:
            return "decade"
        if self.day:
            return "day"
        if self.month:
            return "month"
        return "year"

    @property
    def earliest(self) -> date:
        return date(self.year, self.month or 1, self.day or 1)

    @property
    def latest(self) -> date:
        """The last day the date could mean; 'January 2026' is newer than '3 January 2026'."""
        if self.decade:
            return date(self.year + 9, 12, 31)
        if self.day:
            return date(self.year, self.month or 1, self.day)
        if self.month:
            return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])
        return date(self.year, 12, 31)

    def sort_key(self) -> tuple[date, date]:
        """Oldest first: a period takes its place at its start ('the 2000s' before 2001 and
        2005, 'January 2026' before '3 January 2026'), the shorter first where two start
        together."""
        return (self.earliest, self.latest)

    def __str__(self) -> str:
        return ("by " if self.by else "") + self.plain

    @property
    def plain(self) -> str:
        """The date without its 'by': for what a document is current to."""
        if self.decade:
            return f"{self.year}s"
        if self.day:
            return f"{self.day} {MONTHS[self.month or 1]} {self.year}"
        if self.month:
            return f"{MONTHS[self.month]} {self.year}"
        return str(self.year)

    def iso(self) -> str:
        if self.by:
            return "by " + PartialDate(self.year, self.month, self.day).iso()
        if self.decade:
            return f"{self.year}s"
        if self.day:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"


@dataclass(frozen=True)
class Quantity:
    """A number with its unit; how it reads in prose is decided in units.py. `significant`
    is how many figures it carries (precision.py); None for an exact number."""

    value: float
    unit: str
    significant: int | None = None


# The Admiralty (NATO) scale for the reliability of a source, as analysts grade it.
RELIABILITY = {
    "A": "completely reliable",
    "B": "usually reliable",
    "C": "fairly reliable",
    "D": "not usually reliable",
    "E": "unreliable",
    "F": "cannot be judged",
}


@dataclass(frozen=True)
class Reliability:
    grade: str  # a key of RELIABILITY
    reason: str

    @property
    def meaning(self) -> str:
        return RELIABILITY[self.grade]


@dataclass(frozen=True)
class Source:
    id: str
    outlet: str
    title: str
    published: PartialDate
    byline: str | None
    file: str
    advocate: bool
    perspective: str
    name: str  # the one name readers see: in prose, notes, chart source lines, the source list
    reliability: Reliability | None = None

    @property
    def label(self) -> str:
        return self.name


@dataclass(frozen=True)
class Citation:
    source: Source
    locator: str


@dataclass(frozen=True)
class Quote:
    speaker: str
    text: str


@dataclass(frozen=True)
class Fact:
    id: str
    date: PartialDate | None
    until: PartialDate | None
    domain: str
    summary: str
    claimant: str
    citations: tuple[Citation, ...]
    quantities: dict[str, Quantity] = field(default_factory=dict, compare=False, hash=False)
    quote: Quote | None = None
    origin: str = ""  # "path:line", for messages that point back at the data
    # Figures computed from this fact's quantities (derive.DerivedSpec), declared beside it.
    derived: tuple = field(default=(), compare=False, hash=False)
    domain_label: str = ""  # the declared label of `domain`, as readers see it
    tags: tuple[str, ...] = ()  # free labels charts can select by
    # How firmly the source puts it (a key of wording.STRENGTHS): the strongest reporting
    # verb prose may use for it.
    strength: str = "says"
    # Another fact this one agrees with in substance, from another source (it counts as a
    # point both sources support).
    corroborates: str | None = None

    @property
    def when(self) -> str:
        """The date as a reader sees it, with a range where the fact spans years."""
        if self.date is None:
            return "undated"
        if self.until:
            return f"{self.date}–{self.until}"
        return str(self.date)

    @property
    def needs_attribution(self) -> bool:
        """Unless two sources, one of them not an advocate, report it, readers must be told
        who claims it wherever it appears."""
        sources = {c.source.id: c.source for c in self.citations}
        return len(sources) < 2 or all(s.advocate for s in sources.values())

    @property
    def claimed_by(self) -> str:
        """Who makes the claim, and through which source when it is relayed: 'Outlet A',
        'CSIS, via Outlet B'."""
        names = list(dict.fromkeys(c.source.name for c in self.citations))
        if len(names) == 1 and self.claimant != names[0]:
            return f"{self.claimant}, via {names[0]}"
        return self.claimant


# ---------------------------------------------------------------- document ------------------------


@dataclass
class Text:
    text: str


@dataclass
class Strong:
    children: list[Inline]


@dataclass
class Emph:
    children: list[Inline]


@dataclass
class Note:
    """One numbered note: the facts a sentence rests on, each with its citations."""

    number: int
    facts: tuple[Fact, ...]
    origin: str = ""  # "template:line" of the cite() call, for messages


@dataclass
class Cite:
    note: Note
    # A later reference to a note already placed (the timeline pointing back at the note where
    # a fact was discussed): it shows the note's number but does not make a second note.
    repeat: bool = False


Inline = Text | Strong | Emph | Cite


# ---------------------------------------------------------------- blocks --------------------------
#
# A block is declared here once, as a subclass of Block, with what composition needs to know:
# the template helpers that place it (`helpers`) and how it is made from a helper's arguments
# (`make`); where its cited text is needs no declaration, as every field holding inlines is
# walked (`inline_runs`). Each writer then has one rule for it: HTML (and the PDF) in the
# packaged `templates/layouts/_parts.html.j2`, Word in `writers/docx/writer.py`.


class Composition(Protocol):
    """What composition offers a block being made from a template helper's placeholder."""

    facts: dict[str, Fact]
    sources: dict[str, Source]
    judgments: tuple[Judgment, ...]
    scale: dict[str, str]  # estimative term -> its probability band

    @property
    def notes(self) -> list[Note]: ...  # the notes made so far, in reading order

    def note(self, facts: tuple[Fact, ...], origin: str) -> Note: ...

    def table_number(self) -> int: ...  # the next table's number, counted once made

    def chart(self, chart_id: str) -> RenderedChart: ...  # drawn and numbered

    def label(self, key: str, **fields: object) -> str: ...  # wording the reader sees

    def columns(self, key: str) -> list[str]: ...

    def refuse(self, message: str) -> NoReturn: ...  # an error at the template being read


class Known(Protocol):
    """What a helper's arguments are checked against while the template renders."""

    chart_ids: set[str]
    judgment_ids: set[str]
    report_file: str


# A helper's arguments: none, one id, or any number of ids.
ARGUMENTS = ("", "id", "ids")


class Brief(NamedTuple):
    """One item of an edition's summary: a run of text, its bold lead (None: taken from the
    run when it opens with bold) and what follows the text, as a wording entry and its values
    (the summary words it; this floor cannot)."""

    inlines: list[Inline]
    lead: str | None = None
    tail: tuple[str, dict[str, str]] | None = None


class Block:
    """A node of a section. Subclasses (dataclasses) are registered by being declared."""

    # Template helper name -> its arguments (one of ARGUMENTS); none: not placed by a helper.
    helpers: ClassVar[dict[str, str]] = {}
    # Whether the notes in it sit in prose (and so count as where a fact is discussed).
    prose: ClassVar[bool] = True
    # How the edition's summary lists its text: "paragraph", "bullet", or None (left out).
    summary: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, arguments in cls.helpers.items():
            if arguments not in ARGUMENTS:
                raise TypeError(f"{cls.__name__}: helper {name}() takes {arguments!r}")
            if name in HELPERS and HELPERS[name] is not cls:
                raise TypeError(
                    f"{cls.__name__} and {HELPERS[name].__name__} both declare {name}()"
                )
            HELPERS[name] = cls
        BLOCKS[cls.__name__] = cls

    @classmethod
    def check(cls, helper: str, args: tuple[str, ...], known: Known) -> str | None:
        """What is wrong with a helper call's arguments, found while the template renders
        (so the message names its line); None if nothing is."""
        return None

    @classmethod
    def make(cls, helper: str, args: tuple[str, ...], ctx: Composition) -> Block:
        """The node a helper's placeholder stands for, made when the Markdown is read (so
        notes made before it are known)."""
        raise NotImplementedError(f"{cls.__name__} declares helpers but no make()")

    def briefs(self) -> Iterator[Brief]:
        """Its text as summary items: one per run of inlines."""
        for run in inline_runs(self):
            yield Brief(run)


BLOCKS: dict[str, type[Block]] = {}  # every declared block, by name
HELPERS: dict[str, type[Block]] = {}  # template helper name -> the block it places

_INLINE_TYPES = (Text, Strong, Emph, Cite)


@functools.cache
def _holds_inlines(tp: object) -> bool:
    if tp in _INLINE_TYPES:
        return True
    if isinstance(tp, type) and is_dataclass(tp):
        return bool(_inline_fields(tp))
    return any(_holds_inlines(a) for a in typing.get_args(tp))


@functools.cache
def _inline_fields(cls: type) -> tuple[str, ...]:
    """The fields of a node whose type holds inlines, found from its annotations."""
    hints = typing.get_type_hints(cls)
    return tuple(
        f.name
        for f in fields(cls)
        if f.name in hints and hints[f.name] not in _INLINE_TYPES and _holds_inlines(hints[f.name])
    )


def inline_runs(node: object) -> Iterator[list[Inline]]:
    """Every run of inlines a node holds (a paragraph, a bullet, a table cell...), in reading
    order: how notes and the summary find cited text in any block without knowing it."""
    if is_dataclass(node) and not isinstance(node, _INLINE_TYPES):
        for name in _inline_fields(type(node)):
            yield from _runs(getattr(node, name))


def _runs(value: object) -> Iterator[list[Inline]]:
    if isinstance(value, list | tuple):
        if value and isinstance(value[0], _INLINE_TYPES):
            yield value  # type: ignore[misc]
        else:
            for item in value:
                yield from _runs(item)
    else:
        yield from inline_runs(value)


@dataclass
class Paragraph(Block):
    inlines: list[Inline]
    method: bool = False  # describes method, so needs no note (marked {{ method() }})

    summary: ClassVar[str | None] = "paragraph"


@dataclass
class BulletList(Block):
    items: list[list[Inline]]
    methods: list[bool] = field(default_factory=list)  # per item, as Paragraph.method

    summary: ClassVar[str | None] = "bullet"

    def __post_init__(self) -> None:
        if not self.methods:
            self.methods = [False] * len(self.items)


@dataclass
class RenderedChart:
    """One chart drawn once, kept in the encodings the writers need: SVG for the page and the
    PDF, PNG for Word (drawn only when a Word file is asked for)."""

    id: str
    number: int
    title: str
    caption: str
    alt: str
    source_line: str
    facts: tuple[Fact, ...]
    svg: bytes
    png: bytes | None
    # The plotted values as a small table, so no number lives only in the picture.
    data_columns: list[str] = field(default_factory=list)
    data_rows: list[list[str]] = field(default_factory=list)
    # The facts whose timeline rows the data table is (a chronology's events), if it is one.
    data_facts: tuple[str, ...] = ()
    # Whether print (the PDF, the Word file) shows the data table. Not when a table of the
    # document already lists every one of `data_facts`: the page would then give each event
    # three times (drawing, data table, that table). The HTML keeps it, collapsed, beside the
    # chart for screen readers; the alt text gives every event in print too.
    data_printed: bool = True
    # A drawing for phone screens, where the chart kind has one; the full drawing otherwise.
    svg_narrow: bytes | None = None
    key: str = ""  # the drawing's name in the chart cache (a hash of what it depends on)
    size: tuple[float, float] = (0.0, 0.0)  # the full drawing's, in inches


@dataclass
class Figure(Block):
    """A chart the report declares, placed by {{ chart('chart-id') }}."""

    chart: RenderedChart

    helpers: ClassVar[dict[str, str]] = {"chart": "id"}

    @classmethod
    def check(cls, helper: str, args: tuple[str, ...], known: Known) -> str | None:
        if args[0] not in known.chart_ids:
            return f"chart() names {args[0]!r}, which {known.report_file} does not define"
        return None

    @classmethod
    def make(cls, helper: str, args: tuple[str, ...], ctx: Composition) -> Block:
        return cls(ctx.chart(args[0]))


def in_row(fact: Fact) -> str:
    """Who makes the claim and where each source says it, for a row of the chronology."""
    names = list(dict.fromkeys(c.source.name for c in fact.citations))
    passages = "; ".join(f"{c.source.name}, {c.locator}" for c in fact.citations)
    if fact.claimant in names or fact.claimant == " and ".join(names):
        return passages
    return f"{fact.claimant}, via {passages}"  # a claim the source relays


@dataclass
class Table(Block):
    """A numbered table: the chronology of every dated fact ({{ timeline() }}) or the scale
    of estimative terms ({{ estimative_scale() }})."""

    caption: str
    number: int
    columns: list[str]
    rows: list[list[list[Inline]]]
    widths: list[float]
    facts: tuple[str, ...] = ()  # the facts it lists, one row each (the timeline's)

    helpers: ClassVar[dict[str, str]] = {"timeline": "", "estimative_scale": ""}
    prose: ClassVar[bool] = False

    @classmethod
    def make(cls, helper: str, args: tuple[str, ...], ctx: Composition) -> Block:
        if helper == "estimative_scale":
            return cls(
                caption=ctx.label("scale_caption"),
                number=ctx.table_number(),
                columns=ctx.columns("scale_columns"),
                rows=[
                    [[Text(term[:1].upper() + term[1:])], [Text(band)]]
                    for term, band in ctx.scale.items()
                ],
                widths=[0.6, 0.4],
            )
        dated = sorted((f for f in ctx.facts.values() if f.date), key=lambda f: f.date.sort_key())
        # A row points back at the note where the text discusses the fact, so the chronology
        # adds no second note for a claim already cited: the most specific such note (the
        # fewest facts, then the first). Indexed once, so a long chronology stays linear.
        discussed: dict[str, Note] = {}
        for n in ctx.notes:
            for f in n.facts:
                best = discussed.get(f.id)
                if best is None or len(n.facts) < len(best.facts):
                    discussed[f.id] = n
        rows: list[list[list[Inline]]] = []
        for fact in dated:
            note = discussed.get(fact.id)
            if note is not None:
                rows.append(
                    [[Text(fact.when)], [Text(fact.summary), Cite(note)], [Text(fact.claimed_by)]]
                )
            else:
                # A fact only the chronology shows carries its passage in the row itself: a
                # note of its own would double what a long evidence base costs to print.
                rows.append([[Text(fact.when)], [Text(fact.summary)], [Text(in_row(fact))]])
        return cls(
            caption=ctx.label("timeline_caption"),
            number=ctx.table_number(),
            columns=ctx.columns("timeline_columns"),
            rows=rows,
            widths=[0.17, 0.58, 0.25],
            facts=tuple(f.id for f in dated),
        )


@dataclass
class SourceList(Block):
    """Every source with its perspective and grade ({{ source_list() }})."""

    sources: list[Source]

    helpers: ClassVar[dict[str, str]] = {"source_list": ""}

    @classmethod
    def make(cls, helper: str, args: tuple[str, ...], ctx: Composition) -> Block:
        return cls(list(ctx.sources.values()))


@dataclass(frozen=True)
class Judgment:
    """An analytic judgment: the briefing's own assessment, not a source's claim, so it carries
    an estimative term and a confidence level with the reason for it, and the facts it rests on.
    An alternative view is a judgment the analysis considered and rates as less likely."""

    id: str
    title: str
    statement: str
    likelihood: str  # a term of estimative.SCALE
    confidence: str  # high, moderate or low
    confidence_reason: str
    basis: tuple[str, ...]  # fact ids
    alternative: bool = False
    would_change: str = ""  # what evidence would change the assessment
    less_likely_because: str = ""  # an alternative's reason for ranking below the main view
    in_brief: str = ""  # the clause the bottom line states it in, without its likelihood term
    origin: str = ""


@dataclass
class JudgmentBlock:
    """A judgment as the document shows it: numbered, its statement citing its basis."""

    judgment: Judgment
    number: int  # 0 for an alternative view, which is labelled rather than numbered
    statement: list[Inline]
    band: str  # the likelihood's probability band, "55–80%"


@dataclass
class JudgmentList(Block):
    """Judgments shown together, in the order the template asked for them
    ({{ judgments('id', ...) }}; all of the report's when none is named)."""

    items: list[JudgmentBlock]

    helpers: ClassVar[dict[str, str]] = {"judgments": "ids"}
    summary: ClassVar[str | None] = "bullet"

    @classmethod
    def check(cls, helper: str, args: tuple[str, ...], known: Known) -> str | None:
        unknown = [j for j in args if j not in known.judgment_ids]
        if unknown:
            return (
                f"judgments() names {', '.join(map(repr, unknown))}, which the report's "
                "judgments file does not define"
            )
        if not known.judgment_ids:
            return (
                f"judgments() needs a judgments file; declare it in {known.report_file} under "
                "data: judgments:"
            )
        return None

    @classmethod
    def make(cls, helper: str, args: tuple[str, ...], ctx: Composition) -> Block:
        wanted = list(args) or [j.id for j in ctx.judgments]
        by_id = {j.id: j for j in ctx.judgments}
        if unknown := [j for j in wanted if j not in by_id]:  # a placeholder written by hand
            ctx.refuse(
                f"![](judgments:{','.join(args)}) names the judgment {unknown[0]!r}, which the "
                "report's judgments file does not define; place judgments with "
                "judgments('its-id')"
            )
        # Numbered in the order this document shows them; an alternative view is labelled.
        numbers = {
            jid: n for n, jid in enumerate((j for j in wanted if not by_id[j].alternative), 1)
        }
        items = []
        for jid in wanted:
            j = by_id[jid]
            note = ctx.note(tuple(ctx.facts[f] for f in j.basis), j.origin)
            statement: list[Inline] = [Text(j.statement), Cite(note)]
            items.append(JudgmentBlock(j, numbers.get(jid, 0), statement, ctx.scale[j.likelihood]))
        return cls(items)

    def briefs(self) -> Iterator[Brief]:
        for j in self.items:
            yield Brief(
                j.statement,
                f"{j.judgment.title}.",
                (
                    "brief_judgment",
                    {"likelihood": j.judgment.likelihood, "level": j.judgment.confidence},
                ),
            )


@dataclass
class Section:
    id: str
    title: str
    blocks: list[Block]


@dataclass
class Document:
    report_id: str
    title: str
    subtitle: str
    author: str
    subject: str
    keywords: list[str]
    language: str
    current_to: PartialDate
    generated: date
    sections: list[Section]
    notes: list[Note]
    sources: list[Source]
    charts: list[RenderedChart]
    # Where a reader finds each fact discussed (fact id -> section title), for what-changed.
    fact_sections: dict[str, str] = field(default_factory=dict)
    contents: bool = True  # whether the document lists its contents
    # Said on the cover when the edition is generated long after its information ends.
    age_note: str = ""
    # The label over the title (the report's `kicker`, else the house label); empty when the
    # title already says it.
    kicker: str = ""

    def cited_fact_ids(self) -> set[str]:
        return {fact.id for note in self.notes for fact in note.facts}
