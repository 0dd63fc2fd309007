"""The words a reader sees around the content, in one table, and the entries built from them.

Captions, note entries, source entries, cover labels and page furniture are composed here once;
the HTML layout (and so the PDF) and the DOCX writer all use these, so the formats cannot drift
apart. A translation is a second table (see the roadmap), not edits in every writer.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Note, Source

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
    "kicker": "Briefing",
    "timeline_caption": "Every dated fact in the evidence base, oldest first",
    "timeline_columns": "Date|Domain|Development",
    "what_changed": "What changed since the edition of {date}",
}


def label(key: str, **values: object) -> str:
    return LABELS[key].format(**values)


@dataclass(frozen=True)
class NotePart:
    """One citation inside a note: a link to its source entry, then the rest of the entry."""

    separator: str  # what comes before it: "", " " between facts, "; " between citations
    source_id: str
    link_text: str  # the source's short name
    tail: str  # ", 9 June 2025, para. 3 (…)" and the closing full stop of a fact
    linked: bool  # False when the source is no longer in the document (a removed fact's)


def note_parts(note: Note, present: set[str]) -> list[NotePart]:
    parts: list[NotePart] = []
    for i, fact in enumerate(note.facts):
        for j, c in enumerate(fact.citations):
            separator = "; " if j else (" " if i else "")
            end = "." if j == len(fact.citations) - 1 else ""
            parts.append(
                NotePart(
                    separator,
                    c.source.id,
                    c.source.label,
                    f", {c.source.published}, {c.locator}{end}",
                    c.source.id in present,
                )
            )
    return parts


@dataclass(frozen=True)
class SourceEntry:
    heading: str  # the outlet
    badge: str  # "advocate source", or ""
    reference: str  # "“Title”, by X. Published 9 June 2025."
    perspective: str


def source_entry(s: Source) -> SourceEntry:
    byline = f", {label('by')} {s.byline}" if s.byline else ""
    return SourceEntry(
        heading=s.outlet,
        badge=label("advocate") if s.advocate else "",
        reference=f"“{s.title}”{byline}. {label('published', date=s.published)}",
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
