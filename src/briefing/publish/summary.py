"""What an edition says in brief, kept beside it as `summary.json`: the opening section (the
bottom line or key judgments), what changed since the previous edition, the dates and the
sources. Mail and other distribution read this, so they never rebuild or re-parse a document.
"""

from __future__ import annotations

import json
from typing import Any

from briefing.base.model import (
    Block,
    Brief,
    Document,
    Section,
    Strong,
    Text,
    long_date,
)
from briefing.base.wording import label
from briefing.compose.notes import walk

SUMMARY = "summary.json"


def _item(brief: Brief, kind: str) -> dict[str, str]:
    """A run of text as an item, its bold lead (if it opens with one) kept apart."""
    inlines, lead = brief.inlines, brief.lead
    while inlines and isinstance(inlines[0], Text) and not inlines[0].text.strip():
        inlines = inlines[1:]
    if lead is None:
        lead = ""
        if inlines and isinstance(inlines[0], Strong):
            lead = "".join(n.text for n in walk(inlines[0].children) if isinstance(n, Text))
            lead = lead.strip()
            inlines = inlines[1:]
    text = "".join(n.text for n in walk(inlines) if isinstance(n, Text))
    tail = label(brief.tail[0], **brief.tail[1]) if brief.tail else ""
    return {"kind": kind, "lead": lead, "text": " ".join(text.split()) + tail}


def _items(section: Section) -> list[dict[str, str]]:
    """What each block declares it shows in a summary (model.Block: `summary`, `briefs`)."""
    out = [
        _item(brief, block.summary)
        for block in section.blocks
        if isinstance(block, Block) and block.summary
        for brief in block.briefs()
    ]
    return [i for i in out if i["lead"] or i["text"]]


def summarise(doc: Document, changes_section: str | None) -> dict[str, Any]:
    opening = doc.sections[0]
    changed = next((s for s in doc.sections if s.id == changes_section), None)
    return {
        "title": doc.title,
        "subtitle": doc.subtitle,
        "kicker": doc.kicker,
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
