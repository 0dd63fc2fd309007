"""The words a reader sees around the content, in one table, and the entries built from them.

Captions, note entries, source entries, cover labels and page furniture are composed here once;
the HTML layout (and so the PDF) and the DOCX writer all use these, so the formats cannot drift
apart, and so do the output folder's index and the mail. Templates call `label(key, ...)`; the
report's own prose (its section templates) is content and stays there. A translation is a
second table (see the roadmap), not edits in every writer and template.
"""

from __future__ import annotations

from dataclasses import dataclass

from briefing.base.model import Note, Source

LABELS: dict[str, str] = {
    "figure": "Figure {n}.",
    "table": "Table {n}.",
    "chart_data": "Data for Figure {n}",
    "contents": "Contents",
    "notes": "Notes",
    "skip": "Skip to the briefing",
    "current_to": "Information current to",
    "generated": "Edition generated",
    "prepared_by": "Prepared by",
    "back_to_text": "Back to the text of note {n}",
    "note": "Note {n}",
    "advocate": "advocate source",
    "page": "Page {page} of {pages}",
    "by": "by",
    "published": "Published {date}.",
    "kicker": "Briefing",  # the cover's, and the mail's
    # Said on the cover and in the bottom line when an edition is generated more than
    # STALE_AFTER_DAYS after its information ends.
    "age_title": "The age of this edition",  # over the age note, where a format heads it
    "age_note": "This edition was generated {age} after the information it reports ends; "
    "nothing later than {date} is covered.",
    "bottom_line_judged": "On information current to {date}{age}, it is {clauses}.",
    "bottom_line_age": ", {age} old when this edition was generated",
    "bottom_line_term": "{term}, with {confidence} confidence,",
    "cover_note": "Every factual statement carries a numbered note that leads to its source. "
    "Claims resting on a single source, or on an outlet that advocates for one side, name who "
    "makes them.",
    "timeline_caption": "Every dated fact in the evidence base, oldest first",
    "timeline_columns": "Date|Development|Claimed by",
    # The columns of each chart's data table (one chart kind each; the chronology is the
    # timeline's own columns, so the two never name the same thing twice).
    "domains_columns": "Domain|Events|Dates",
    "period_columns": "Period|{lanes}|Total",
    "parts_columns": "Part|Value",
    "exchange_columns": "From|To|What|Quantity",
    # A chronology's legend: how each kind of date is placed on its time axis (shown when the
    # chart has more than one kind).
    "chronology_point": "Dated event",
    "chronology_span": "Decade or period, drawn across its span",
    "chronology_by": "By a date: then or earlier",
    "what_changed": "What changed since the edition of {date}",
    "grade": "Reliability {grade}: {meaning}.",
    "claimed_by": "Claimed by",
    "claims_caption": "As claimed by {names}.",
    "judgment": "Key judgment {n}",
    "alternative": "Alternative view",
    "confidence": "{level}\u00a0confidence",  # kept on one line in a narrow label
    "likelihood": "{term} ({band})",
    "why_confidence": "Why this confidence:",
    "would_change": "What would change it:",
    "less_likely": "Why it is judged less likely:",
    "scale_caption": "The estimative terms used in the key judgments and the probabilities they stand for",
    "scale_columns": "Term|Probability",
    # Around the documents: the output folder's index, and the mail. A `{value}` given as
    # markup (a <time> element, a link) stays markup; any other value is escaped (`label`).
    "edition_of": "Edition of {date}",
    "index_title": "Briefings: every edition",
    "index_heading": "Briefings",
    "index_lede": "Every edition of every briefing, newest first. The newest edition of each is "
    "also at its report name; older editions stay here unchanged.",
    "feed": "Every edition (Atom feed)",
    "subscribe": "{link} to hear of new ones.",
    "subscribe_link": "Subscribe to the feed",
    "newest": "newest",
    "removed": "removed",
    "gone": "Removed ({reason}). Its address is not reused.",
    "gone_on": "Removed on {date} ({reason}). Its address is not reused.",
    "what_changed_lead": "What changed:",
    "checksum": "SHA-256",
    "no_editions": "No edition has been published yet.",
    "read_online": "Read it online",
    # The mail's subject: "<title>: edition of <date>", then "second edition of", ...
    "mail_subject": "{title}: {which} of {date}",
    "edition_first": "edition",
    "edition_nth": "{ordinal} edition",
    "edition_n": "edition {n}",
    "ordinals": "first|second|third|fourth|fifth|sixth|seventh|eighth|ninth",
    "link_pdf": "PDF",
    "link_docx": "Word",
    # After a key judgment in the mail's summary.
    "brief_judgment": " ({likelihood}, {level} confidence)",
    "first_edition": "This is the first edition.",
    "links_lead": "The full briefing, with a note for every statement leading to its source:",
    "attached": "Attached: {files}. Every statement in the full briefing carries a note leading "
    "to its source.",
    "from_the_desk": "The full briefing, with a note for every statement, is available from the "
    "briefing desk.",
    "mail_sources": "Sources: {names}.",
    "gone_reason": "removed from the output folder",
    "feed_subtitle": "Every edition, newest first, with what changed since the one before.",
    "feed_entry": "{title}: edition of {date}",
    "feed_author": "Briefing desk",
    "unknown_date": "an unknown date",
    "evidence_attachment": "The facts and sources this edition was built from",
}


# How firmly a source puts a claim, strongest first, and the reporting verb (singular, plural)
# that keeps that strength. A fact declares its `strength` (default "says"); templates name who
# claims it with claim('fact-id'), and the prose check refuses a verb stronger than the source's.
# A claim the source puts as a possibility ("could unsettle") keeps its modal in the clause.
STRENGTHS: dict[str, tuple[str, str]] = {
    "says": ("says", "say"),
    "reports": ("reports", "report"),
    "argues": ("argues", "argue"),
    "suggests": ("suggests", "suggest"),
    "could": ("argues", "argue"),
}
# How old information may be at its edition before the cover and the bottom line say so.
STALE_AFTER_DAYS = 30


def reporting_verb(strength: str, claimant: str) -> str:
    """The verb for `claimant` at `strength`: 'the Institute reports', 'its analysts argue'
    (a name ending in a lower-case plural takes the plural)."""
    singular, plural = STRENGTHS[strength]
    last = _head_noun(claimant)
    many = descriptive(claimant) and last.endswith("s") and not last.endswith("ss")
    return plural if many else singular


def _head_noun(name: str) -> str:
    """The last word of a name's first part ('analysts' of 'Institute analysts, via …')."""
    words = name.split(",")[0].split()
    return words[-1] if words else ""


def descriptive(name: str) -> bool:
    """Whether a name describes rather than names ('March wire report', 'Institute
    analysts': it ends in a common noun), so prose gives it 'the' and may make it plural."""
    return _head_noun(name)[:1].islower()


def information_age(days: int) -> str:
    """'40 days', '11 months', 'two years': how old information is, as a reader says it."""
    from briefing.base.typography import in_words

    if days < 60:
        return f"{days} days"
    months = round(days / 30.44)
    if months < 24:
        return f"{months} months"
    years = round(days / 365.25)
    return f"{in_words(years) or years} years"


def counted(n: int, noun: str) -> str:
    """'1 problem', '2 problems': a count with its noun (regular plurals only: the nouns the
    messages count are problem, report, edition, message and value)."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def label(key: str, **values: object) -> str:
    """One entry with its values. Given a value that is markup (from an autoescaped template:
    a <time> element, a link), the entry is escaped and the other values with it, and the
    result is markup; otherwise it is plain text."""
    if any(hasattr(v, "__html__") for v in values.values()):
        from markupsafe import Markup

        return Markup.escape(LABELS[key]).format(**values)
    return LABELS[key].format(**values)


def columns(key: str, **values: object) -> list[str]:
    """A table's column headers from one `|`-separated entry; a `{name}` given as a list of
    texts stands for that many columns."""
    out: list[str] = []
    for cell in LABELS[key].split("|"):
        name = cell[1:-1] if cell.startswith("{") and cell.endswith("}") else None
        out.extend(values[name] if name in values else [cell.format(**values)])  # type: ignore[arg-type]
    return out


@dataclass(frozen=True)
class NotePart:
    """One source inside a note: a link to its entry in the source list, then the rest."""

    separator: str  # what comes before it: "" for the first source of a note, " " after
    source_id: str
    link_text: str  # the source's name
    tail: str  # the full reference the first time a source is cited, then the locators
    linked: bool  # False when the source is no longer in the document (a removed fact's)


class NoteStyle:
    """How notes read: a source's first note gives the full reference (title, author, date),
    later notes its name alone; one note lists each source once with all its locators, and
    never repeats a locator. The first note is the first in reading order, so the one style
    serves every writer, which all walk the notes in that order."""

    def __init__(self, notes: list[Note], present: set[str]):
        self.present = present
        self.parts: dict[int, list[NotePart]] = {}
        seen: set[str] = set()
        for note in notes:
            self.parts[id(note)] = self._parts(note, seen)

    def _parts(self, note: Note, seen: set[str]) -> list[NotePart]:
        by_source: dict[str, tuple[Source, list[str]]] = {}
        for fact in note.facts:
            for c in fact.citations:
                source, locators = by_source.setdefault(c.source.id, (c.source, []))
                if c.locator not in locators:
                    locators.append(c.locator)
        parts = []
        for i, (sid, (source, locators)) in enumerate(by_source.items()):
            full = ""
            if sid not in seen:
                seen.add(sid)
                byline = f", {label('by')} {source.byline}" if source.byline else ""
                full = f", “{source.title}”{byline}, {source.published}"
            tail = f"{full}, {'; '.join(locators)}."
            parts.append(NotePart(" " if i else "", sid, source.name, tail, sid in self.present))
        return parts

    def __call__(self, note: Note) -> list[NotePart]:
        return self.parts[id(note)]


@dataclass(frozen=True)
class SourceEntry:
    heading: str  # the source's name, as everywhere else
    badge: str  # "advocate source", or ""
    reference: str  # "Outlet: “Title”, by X. Published 9 June 2025."
    grade: str  # "Reliability: D (not usually reliable)."
    grade_reason: str
    perspective: str


def source_entry(s: Source) -> SourceEntry:
    byline = f", {label('by')} {s.byline}" if s.byline else ""
    grade = (
        label("grade", grade=s.reliability.grade, meaning=s.reliability.meaning)
        if s.reliability
        else ""
    )
    return SourceEntry(
        heading=s.name,
        badge=label("advocate") if s.advocate else "",
        reference=f"{s.outlet}: “{s.title}”{byline}. {label('published', date=s.published)}",
        grade=grade,
        grade_reason=s.reliability.reason if s.reliability else "",
        perspective=s.perspective,
    )


def page_css() -> str:
    """Page furniture for the print stylesheet, from the labels (WeasyPrint reads it)."""

    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    page = LABELS["page"].split("{page}")
    middle, after = page[1].split("{pages}")
    return (
        "@media print { @page { "
        f"@bottom-right {{ content: {quoted(page[0])} counter(page) {quoted(middle)} counter(pages) {quoted(after)}; }} "
        f"@bottom-left {{ content: {quoted(LABELS['current_to'] + ' ')} string(currentto); }} }} "
        f"@page contents {{ @top-right {{ content: {quoted(LABELS['contents'])}; }} }} }}"
    )
