"""The one typed document every writer reads.

Readers (load.py, compose.py, charts.py) build it; writers (writers/*) only translate it. Format
parity comes from this construction: a fact, figure or citation exists here once, so every
format shows the same ones.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date

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
        return (self.latest, self.earliest)

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
    """A number with its unit; how it reads in prose is decided in units.py."""

    value: float
    unit: str


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


@dataclass
class Paragraph:
    inlines: list[Inline]
    method: bool = False  # describes method, so needs no note (marked {{ method() }})


@dataclass
class BulletList:
    items: list[list[Inline]]
    methods: list[bool] = field(default_factory=list)  # per item, as Paragraph.method

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
    # A drawing for phone screens, where the chart kind has one; the full drawing otherwise.
    svg_narrow: bytes | None = None
    key: str = ""  # the drawing's name in the chart cache (a hash of what it depends on)
    size: tuple[float, float] = (0.0, 0.0)  # the full drawing's, in inches


@dataclass
class Figure:
    chart: RenderedChart


@dataclass
class Table:
    caption: str
    number: int
    columns: list[str]
    rows: list[list[list[Inline]]]
    widths: list[float]


@dataclass
class SourceList:
    sources: list[Source]


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
    origin: str = ""


@dataclass
class JudgmentBlock:
    """A judgment as the document shows it: numbered, its statement citing its basis."""

    judgment: Judgment
    number: int  # 0 for an alternative view, which is labelled rather than numbered
    statement: list[Inline]
    band: str  # the likelihood's probability band, "55–80%"


@dataclass
class JudgmentList:
    """Judgments shown together, in the order the template asked for them."""

    items: list[JudgmentBlock]


Block = Paragraph | BulletList | Figure | Table | SourceList | JudgmentList


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

    def cited_fact_ids(self) -> set[str]:
        return {fact.id for note in self.notes for fact in note.facts}
