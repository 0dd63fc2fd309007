"""What an edition says in brief, kept beside it as `summary.json`: the opening section (the
bottom line or key judgments), what changed since the previous edition, the dates and the
sources. Mail and other distribution read this, so they never rebuild or re-parse a document.
"""

from __future__ import annotations

import json
from typing import Any

from briefing.base.model import (
    BulletList,
    Document,
    Inline,
    JudgmentList,
    Paragraph,
    Section,
    Strong,
    Text,
    long_date,
)
from briefing.compose.notes import walk

SUMMARY = "summary.json"


def _item(inlines: list[Inline], kind: str) -> dict[str, str]:
    """A paragraph or bullet as text, its bold lead (if it opens with one) kept apart."""
    lead = ""
    while inlines and isinstance(inlines[0], Text) and not inlines[0].text.strip():
        inlines = inlines[1:]
    rest = inlines
    if inlines and isinstance(inlines[0], Strong):
        lead = "".join(n.text for n in walk(inlines[0].children) if isinstance(n, Text)).strip()
        rest = inlines[1:]
    text = "".join(n.text for n in walk(rest) if isinstance(n, Text))
    return {"kind": kind, "lead": lead, "text": " ".join(text.split())}


def _items(section: Section) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for block in section.blocks:
        if isinstance(block, Paragraph):
            out.append(_item(block.inlines, "paragraph"))
        elif isinstance(block, BulletList):
            out += [_item(item, "bullet") for item in block.items]
        elif isinstance(block, JudgmentList):
            for j in block.items:
                item = _item(j.statement, "bullet")
                level = j.judgment.confidence
                item["lead"] = f"{j.judgment.title}."
                item["text"] += f" ({j.judgment.likelihood}, {level} confidence)"
                out.append(item)
    return [i for i in out if i["lead"] or i["text"]]


def summarise(doc: Document, changes_section: str | None) -> dict[str, Any]:
    opening = doc.sections[0]
    changed = next((s for s in doc.sections if s.id == changes_section), None)
    return {
        "title": doc.title,
        "subtitle": doc.subtitle,
        "author": doc.author,
        "generated": doc.generated.isoformat(),
        "generated_text": long_date(doc.generated),
        "current_to_text": str(doc.current_to),
        "opening": {"title": opening.title, "items": _items(opening)},
        "changes": {"title": changed.title, "items": _items(changed)} if changed else None,
        "sources": [s.label for s in doc.sources],
    }


def dump(summary: dict[str, Any]) -> bytes:
    return (json.dumps(summary, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
