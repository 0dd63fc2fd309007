"""The evidence an edition was built from, as plain data (JSON), and back.

Each edition keeps the facts and sources it was built from so that the next build can say, fact
by fact, what moved. Records are produced by one function for both sides of a comparison, so a
difference between two records is a difference in the evidence, never in how it was written down.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from briefing.base.model import (
    RELIABILITY,
    Citation,
    Fact,
    PartialDate,
    Quantity,
    Quote,
    Reliability,
    Source,
)
from briefing.config.load import parse_date
from briefing.config.specs import Evidence

FORMAT = 1


def source_record(s: Source) -> dict[str, Any]:
    return {
        "outlet": s.outlet,
        "name": s.name,
        "reliability": (
            {"grade": s.reliability.grade, "reason": s.reliability.reason}
            if s.reliability
            else None
        ),
        "title": s.title,
        "published": s.published.iso(),
        "byline": s.byline,
        "file": s.file,
        "advocate": s.advocate,
        "perspective": s.perspective,
    }


def fact_record(f: Fact, section: str = "") -> dict[str, Any]:
    return {
        "date": f.date.iso() if f.date else None,
        "until": f.until.iso() if f.until else None,
        "domain": f.domain,
        "domain_label": f.domain_label,
        "summary": f.summary,
        "claimant": f.claimant,
        "quantities": {k: {"value": q.value, "unit": q.unit} for k, q in f.quantities.items()},
        "quote": {"speaker": f.quote.speaker, "text": f.quote.text} if f.quote else None,
        "citations": [{"source": c.source.id, "locator": c.locator} for c in f.citations],
        "section": section,
    }


def dump(evidence: Evidence, fact_sections: dict[str, str]) -> bytes:
    data = {
        "format": FORMAT,
        "sources": {sid: source_record(s) for sid, s in sorted(evidence.sources.items())},
        "facts": {
            fid: fact_record(f, fact_sections.get(fid, ""))
            for fid, f in sorted(evidence.facts.items())
        },
    }
    return (json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()


class SnapshotError(Exception):
    """A snapshot that cannot be read back; the message says why."""


def read(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SnapshotError(f"not valid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SnapshotError(f"not an evidence snapshot of format {FORMAT}")
    if not isinstance(data.get("facts"), dict) or not isinstance(data.get("sources"), dict):
        raise SnapshotError("facts or sources missing")
    return data


def _date(iso: str | None) -> PartialDate | None:
    parsed = parse_date(iso) if iso else None
    return parsed if isinstance(parsed, PartialDate) else None


def source_from_record(sid: str, r: dict[str, Any]) -> Source:
    return Source(
        id=sid,
        outlet=r["outlet"],
        title=r["title"],
        published=_date(r["published"]) or PartialDate(1),
        byline=r.get("byline"),
        file=r["file"],
        advocate=bool(r["advocate"]),
        perspective=r["perspective"],
        # Editions before source names and grades recorded a short label instead.
        name=r.get("name") or r.get("short") or r["outlet"],
        reliability=_reliability(r.get("reliability")),
    )


def _reliability(r: Any) -> Reliability | None:
    if isinstance(r, dict) and r.get("grade") in RELIABILITY:
        return Reliability(r["grade"], str(r.get("reason", "")))
    return None


def fact_from_record(fid: str, r: dict[str, Any], sources: dict[str, Source]) -> Fact:
    """A fact as an earlier edition had it, so a removed fact can still be cited."""
    return Fact(
        id=fid,
        date=_date(r.get("date")),
        until=_date(r.get("until")),
        domain=r["domain"],
        domain_label=r.get("domain_label") or r["domain"],
        summary=r["summary"],
        claimant=r["claimant"],
        citations=tuple(
            Citation(sources[c["source"]], c["locator"])
            for c in r.get("citations", [])
            if c["source"] in sources
        ),
        quantities={k: Quantity(q["value"], q["unit"]) for k, q in r["quantities"].items()},
        quote=Quote(r["quote"]["speaker"], r["quote"]["text"]) if r.get("quote") else None,
    )


def facts_digest(snapshot: dict[str, Any]) -> str:
    """What a reader could learn from an edition, as one digest: its facts (without where the
    document happened to discuss them) and their sources. Two editions with the same digest
    differ in wording or presentation only, which is what decides whether one is mailed."""
    facts = {
        fid: {k: v for k, v in record.items() if k != "section"}
        for fid, record in snapshot["facts"].items()
    }
    whole = json.dumps({"facts": facts, "sources": snapshot["sources"]}, sort_keys=True)
    return "sha256:" + hashlib.sha256(whole.encode()).hexdigest()
