"""What changed between two editions: a comparison of facts by id, not of text.

The previous edition's evidence snapshot and this build's evidence are turned into records by the
same function (snapshot.py) and compared field by field. Each difference keeps the old and the
new value as a reader would see them (a quantity with its unit, a date at its precision, a
citation with its source), so the what-changed section can state both.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from briefing.base import units
from briefing.base.model import Fact, Quantity, Section, long_date
from briefing.compose.snapshot import fact_from_record, fact_record, source_from_record
from briefing.config.load import parse_date
from briefing.config.specs import Evidence

ADDED, CHANGED, REMOVED = "added", "changed", "removed"


@dataclass(frozen=True)
class FieldChange:
    label: str  # how the field reads in prose: "date", "claimant", or a quantity's name
    old: str
    new: str


@dataclass(frozen=True)
class FactChange:
    kind: str  # ADDED, CHANGED or REMOVED
    fact: Fact  # as it now stands; as it last stood when removed
    section: str  # where a reader finds it discussed
    fields: tuple[FieldChange, ...] = ()

    @property
    def label(self) -> str:
        return self.kind.capitalize()


@dataclass(frozen=True)
class Group:
    title: str
    items: tuple[FactChange, ...]


@dataclass(frozen=True)
class Previous:
    """The edition this one is compared with."""

    id: str
    generated: date
    current_to: str  # as the reader saw it, e.g. "January 2026"
    snapshot: dict[str, Any]
    # The facts that edition used (its manifest's inputs); None for editions made before
    # reports kept only their own facts, whose snapshots hold the whole evidence base.
    used: frozenset[str] | None = None

    @property
    def date(self) -> str:
        return long_date(self.generated)


@dataclass
class Changes:
    previous: Previous
    items: list[FactChange] = field(default_factory=list)

    def ids(self, kind: str) -> list[str]:
        return [c.fact.id for c in self.items if c.kind == kind]

    @property
    def added(self) -> int:
        return len(self.ids(ADDED))

    @property
    def changed(self) -> int:
        return len(self.ids(CHANGED))

    @property
    def removed(self) -> int:
        return len(self.ids(REMOVED))

    def groups(self, order: list[str]) -> list[Group]:
        """Items grouped by section, sections in the document's order, unknown ones last."""
        rank = {title: i for i, title in enumerate(order)}
        titles = sorted({c.section for c in self.items}, key=lambda t: (rank.get(t, len(rank)), t))
        kinds = {ADDED: 0, CHANGED: 1, REMOVED: 2}
        return [
            Group(
                t,
                tuple(
                    sorted(
                        (c for c in self.items if c.section == t),
                        key=lambda c: (
                            kinds[c.kind],
                            c.fact.date.sort_key() if c.fact.date else (date.max, date.max),
                            c.fact.id,
                        ),
                    )
                ),
            )
            for t in titles
        ]

    def summary(self) -> str:
        """One line for the index, the feed and `briefing editions`."""
        return summary_line(self.added, self.changed, self.removed)


def summary_line(added: int, changed: int, removed: int) -> str:
    if not (added or changed or removed):
        return "no facts changed"

    def n(count: int, what: str) -> str:
        return f"{count} {'fact' if count == 1 else 'facts'} {what}"

    parts = [n(c, w) for c, w in ((added, ADDED), (changed, CHANGED), (removed, REMOVED)) if c]
    return ", ".join(parts)


# ---------------------------------------------------------------- comparing -----------------------


def _date_text(iso: str | None) -> str:
    if not iso:
        return "none"
    parsed = parse_date(iso)
    return iso if isinstance(parsed, str) else str(parsed)


def _quantity_text(q: dict[str, Any] | None) -> str:
    if not q:
        return "none"
    if q["unit"] not in units.UNITS:
        return f"{q['value']:g} {q['unit']}"
    return units.quantity(Quantity(q["value"], q["unit"]))


def _quote_text(q: dict[str, Any] | None) -> str:
    return f"“{q['text']}” ({q['speaker']})" if q else "none"


def _citations_text(cites: list[dict[str, Any]], sources: dict[str, Any]) -> str:
    def one(c: dict[str, Any]) -> str:
        s = sources.get(c["source"], {})
        return (
            f"{s.get('name') or s.get('short') or s.get('outlet') or c['source']}, {c['locator']}"
        )

    return "; ".join(one(c) for c in cites) or "none"


# (record key compared, label, how a record shows it): each field a reader can see change.
FIELDS: list[tuple[str, str, Callable[[dict[str, Any]], str]]] = [
    ("date", "date", lambda r: _date_text(r.get("date"))),
    ("until", "end date", lambda r: _date_text(r.get("until"))),
    ("domain", "domain", lambda r: r.get("domain_label") or r.get("domain") or "none"),
    # Quoted, without its full stop, so 'was …; now ….' reads as one sentence.
    ("summary", "summary", lambda r: "\u201c" + str(r.get("summary")).rstrip(".") + "\u201d"),
    ("claimant", "claimant", lambda r: str(r.get("claimant"))),
    ("quote", "quotation", lambda r: _quote_text(r.get("quote"))),
]


def _field_changes(
    old: dict[str, Any], new: dict[str, Any], old_sources: dict, new_sources: dict
) -> list[FieldChange]:
    out = [
        FieldChange(label, show(old), show(new))
        for key, label, show in FIELDS
        if old.get(key) != new.get(key)
    ]
    oq, nq = old.get("quantities") or {}, new.get("quantities") or {}
    for name in sorted(set(oq) | set(nq)):
        if oq.get(name) != nq.get(name):
            label = name.replace("_", " ").replace("-", " ")
            out.append(
                FieldChange(label, _quantity_text(oq.get(name)), _quantity_text(nq.get(name)))
            )
    old_c = _citations_text(old.get("citations") or [], old_sources)
    new_c = _citations_text(new.get("citations") or [], new_sources)
    if old_c != new_c:
        out.append(FieldChange("citation", old_c, new_c))
    return out


def compare(
    previous: Previous,
    evidence: Evidence,
    sections: dict[str, str],
    used: Collection[str] | None = None,
    titles: list[str] | None = None,
) -> Changes:
    """Facts added, removed and changed since `previous`, each placed in a section.

    Only the report's own evidence counts: `used` is the facts it uses (None: all of them), and
    a fact it used before and no longer uses has left its evidence. `sections` says where each
    fact is discussed; every change is placed under one of `titles` (the report's sections; by
    default those of `sections`), the last of them when no section discusses it, never under
    the name of a section this report does not have."""
    old_facts: dict[str, Any] = previous.snapshot["facts"]
    old_sources: dict[str, Any] = previous.snapshot["sources"]
    new_sources = {sid: {"outlet": s.outlet, "name": s.name} for sid, s in evidence.sources.items()}
    in_use = set(evidence.facts) if used is None else set(used)
    before = set(old_facts) if previous.used is None else set(old_facts) & previous.used
    order = titles if titles is not None else list(dict.fromkeys(sections.values()))

    def place(fid: str, recorded: str = "") -> str:
        for title in (sections.get(fid), recorded):
            if title and title in order:
                return title
        return order[-1] if order else recorded

    changes = Changes(previous)
    for fid, fact in evidence.facts.items():
        if fid not in in_use:
            continue
        new = fact_record(fact)
        where = place(fid)
        if fid not in before:
            changes.items.append(FactChange(ADDED, fact, where))
            continue
        fields = _field_changes(old_facts[fid], new, old_sources, new_sources)
        if fields:
            changes.items.append(FactChange(CHANGED, fact, where, tuple(fields)))
    former_sources = {sid: source_from_record(sid, r) for sid, r in old_sources.items()}
    for fid in sorted(before - in_use):
        rec = old_facts[fid]
        if previous.used is None and (
            fid in evidence.facts or (used is not None and not rec.get("section"))
        ):
            continue  # an older edition's snapshot holds every fact; only those that left count
        fact = fact_from_record(fid, rec, former_sources)
        changes.items.append(FactChange(REMOVED, fact, place(fid, rec.get("section") or "")))
    return changes


# ---------------------------------------------------------------- placing -------------------------


def fact_sections(
    sections: list[Section], cited: Callable[[Section], list[tuple[str, bool]]]
) -> dict[str, str]:
    """Where a reader finds each fact discussed: the first section after the opening summary
    whose prose cites it; failing that, the first section citing it at all (a summary or a
    table). `cited` lists a section's (fact id, in prose) pairs in reading order."""
    first_prose: dict[str, str] = {}
    first_any: dict[str, str] = {}
    for index, section in enumerate(sections):
        for fid, in_prose in cited(section):
            first_any.setdefault(fid, section.title)
            if in_prose and index > 0:
                first_prose.setdefault(fid, section.title)
    return {**first_any, **first_prose}
