"""The house rules on sourcing, as a check that reports and never edits the document.

Every paragraph and bullet cites a fact unless the template marked it as method; and a fact that
rests on a single source, or on an advocate source, has its claimant named in the same
paragraph or bullet.
"""

from __future__ import annotations

from .errors import Problems
from .model import Block, BulletList, Cite, Paragraph
from .notes import plain_text, walk


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
