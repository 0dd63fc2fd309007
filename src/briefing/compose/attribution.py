"""The house rules on sourcing, as a check that reports and never edits the document.

Every paragraph and bullet cites a fact unless the template marked it as method; and a fact that
rests on a single source, or on an advocate source, has its claimant named in the same
paragraph or bullet.
"""

from __future__ import annotations

from briefing.base.errors import Problems
from briefing.base.model import Block, BulletList, Cite, Paragraph, Text
from briefing.compose.notes import plain_text, walk

_SENTENCE_END = (".", ";", "?", "!", ":", "”.")


def _one_note_per_sentence(inlines, text: str, what: str, problems: Problems) -> None:
    """A sentence or clause carries one note at most, and a note never repeats the one
    before it: merge what a sentence cites into one cite() call."""
    between = ""
    last: Cite | None = None
    for node in walk(inlines):
        if isinstance(node, Text):
            between += node.text
        elif isinstance(node, Cite):
            if last is not None:
                path, _, line = node.note.origin.rpartition(":")
                where = (path, int(line)) if line.isdigit() else (node.note.origin, None)
                same = {f.id for f in node.note.facts} == {f.id for f in last.note.facts}
                if same:
                    problems.add(
                        *where,
                        f"in {what} starting {text[:50]!r}, a note cites the same facts as the "
                        "note before it; drop the second cite()",
                    )
                elif not any(mark in between for mark in _SENTENCE_END):
                    problems.add(
                        *where,
                        f"in {what} starting {text[:50]!r}, one sentence carries two notes; "
                        "merge them into one cite() with all the fact ids",
                    )
            last, between = node, ""


def check(blocks: list[Block], shown: str, problems: Problems) -> None:
    for block in blocks:
        if isinstance(block, Paragraph):
            pieces = [(block.inlines, block.method, "a paragraph")]
        elif isinstance(block, BulletList):
            pieces = [
                (item, method, f"bullet {i + 1} of a list")
                for i, (item, method) in enumerate(zip(block.items, block.methods, strict=True))
            ]
        else:
            continue
        for inlines, method, what in pieces:
            if method:
                continue
            text = plain_text(inlines)
            cites = [n for n in walk(inlines) if isinstance(n, Cite)]
            _one_note_per_sentence(inlines, text, what, problems)
            if not cites:
                problems.add(
                    shown,
                    None,
                    f"{what} starting {text[:60]!r} cites no fact; add {{{{ cite('fact-id') }}}} "
                    "or mark it {{ method() }} if it describes method rather than a sourced claim",
                )
            for cite in cites:
                for fact in cite.note.facts:
                    if fact.needs_attribution and fact.claimant.lower() not in text.lower():
                        path, _, line = cite.note.origin.rpartition(":")
                        problems.add(
                            path if line.isdigit() else cite.note.origin,
                            int(line) if line.isdigit() else None,
                            f"fact {fact.id!r} rests on a single or advocate source, so the "
                            f"paragraph citing it must name who claims it ({fact.claimant!r})",
                        )
