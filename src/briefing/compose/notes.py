"""Notes: turning cite() records into numbered notes, finding every note reference in reading
order, and numbering them again when a section is placed before others (what-changed)."""

from __future__ import annotations

from collections.abc import Iterator

from briefing.base.model import (
    Block,
    Cite,
    Emph,
    Fact,
    Inline,
    Note,
    Section,
    Strong,
    Text,
    inline_runs,
)


class NoteBook:
    """The document's notes in the order they are made."""

    def __init__(self, citable: dict[str, Fact], pending: dict[str, tuple[tuple[str, ...], str]]):
        self.citable = citable
        self.pending = pending  # cite() records: key -> (fact ids, "template:line")
        self.notes: list[Note] = []

    def for_cite(self, key: str) -> Note:
        fact_ids, origin = self.pending[key]
        return self.new(tuple(self.citable[f] for f in fact_ids), origin)

    def new(self, facts: tuple[Fact, ...], origin: str) -> Note:
        note = Note(len(self.notes) + 1, facts, origin)
        self.notes.append(note)
        return note


def walk(inlines: list[Inline]) -> Iterator[Inline]:
    for node in inlines:
        yield node
        if isinstance(node, Strong | Emph):
            yield from walk(node.children)


def plain_text(inlines: list[Inline]) -> str:
    return "".join(n.text for n in walk(inlines) if isinstance(n, Text))


def section_cites(section: Section) -> Iterator[tuple[Cite, bool]]:
    """Every note reference in a section in reading order, and whether it sits in prose
    (a paragraph, bullet or judgment) rather than a table: whatever the block, its fields that
    hold inlines are walked (model.inline_runs), and the block declares which it is."""
    for block in section.blocks:
        prose = block.prose if isinstance(block, Block) else True
        for inlines in inline_runs(block):
            for node in walk(inlines):
                if isinstance(node, Cite):
                    yield node, prose


def renumber(sections: list[Section]) -> list[Note]:
    """Notes numbered in the order a reader meets them (the what-changed section is placed
    before others after they are made); a later reference to a note already met is marked as
    a repeat, which shows the number without making a second note."""
    notes: list[Note] = []
    seen: set[int] = set()
    for section in sections:
        for cite, _ in section_cites(section):
            cite.repeat = id(cite.note) in seen
            if not cite.repeat:
                seen.add(id(cite.note))
                notes.append(cite.note)
                cite.note.number = len(notes)
    return notes
