"""Who is sent what, and why: the decision `briefing send` makes for each reader and report.

A reader is sent the newest edition they have not received when its facts differ from the last
edition they did receive. An edition that changes wording or presentation only is published and
listed but not mailed, unless the reader asked for every edition (`every_edition: true`). A
reader who missed several editions (new on the list, or after a failed delivery) gets one
message: the newest edition, with what changed since the edition they last received, fact by
fact, or the full summary if it is their first. Every decision carries its reason, which the dry
run and the run's summary print.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefing.base.model import long_date
from briefing.compose.changes import _field_changes, summary_line
from briefing.deliver.readers import Reader
from briefing.publish.editions import EVIDENCE, Edition
from briefing.publish.state import EditionRecord, SqliteState


@dataclass(frozen=True)
class Decision:
    reader: Reader
    edition: Edition
    send: bool
    reason: str  # why it is sent or not, for the person running the desk
    since: EditionRecord | None = None  # the last edition the reader received
    changes: dict[str, Any] | None = None  # what changed since then, as summary.json has it
    note: str = ""  # said to the reader above the summary when it is not the usual one

    @property
    def label(self) -> str:
        return f"{self.reader.email} ({self.edition.report} {self.edition.id})"


def decide(
    state: SqliteState,
    reader: Reader,
    edition: Edition,
    facts: str,
    summary: dict[str, Any],
    *,
    named: bool = False,
    resend: bool = False,
    compared: dict | None = None,
) -> Decision:
    """`facts` is the edition's facts digest; `named`: the edition was asked for by id.
    `compared`: the run's comparisons of pairs of editions, each made once however many readers
    missed the same ones (the same block for all of them lets their messages share a body)."""
    compared = {} if compared is None else compared
    since = state.last_received(edition.report, reader.email)
    if since is not None and since.id != edition.id and (named or resend):
        # An older edition asked for by id: the newest they received says nothing of it.
        had = state.delivery(edition.report, edition.id, reader.email)
        if had is not None and had.status == "delivered" and not resend:
            return Decision(reader, edition, False, "already received")
    if since is not None and since.id == edition.id and not resend:
        return Decision(reader, edition, False, "already received")
    if since is None:
        first = edition.manifest.previous is None
        return Decision(
            reader,
            edition,
            True,
            "first edition of this report" if first else "new reader: the full summary",
            note=""
            if first
            else "This is the first edition of this briefing sent to you, so it opens with "
            "the full summary.",
        )
    if since.id == edition.id:  # a resend of the edition they have
        return Decision(reader, edition, True, "resent on request", since, summary.get("changes"))
    if since.sequence > edition.sequence and not named:
        return Decision(reader, edition, False, f"already received a newer edition ({since.id})")
    same = bool(facts) and facts == since.facts
    if same and not (reader.every_edition or named or resend):
        return Decision(
            reader,
            edition,
            False,
            f"presentation only: no fact changed since {since.id}, which they received "
            "(readers with every_edition: true get these)",
            since,
        )
    if edition.manifest.previous == since.id:
        changes = summary.get("changes")
        reason = f"facts changed since {since.id}" if not same else "every edition asked for"
        return Decision(reader, edition, True, f"{reason}: {edition.summary}", since, changes)
    found = compared.get((edition.path, since.id))
    if found is None:
        kept = state.evidence(edition.report, since.id)  # a pruned edition's, if it is gone
        found = compared[(edition.path, since.id)] = cumulative(since, edition, kept)
    block, counts = found
    if block is None:
        return Decision(
            reader,
            edition,
            True,
            f"missed editions since {since.id}, whose evidence is gone: the full summary",
            since,
            note=f"The last edition sent to you was that of {long_date_iso(since.generated)}; "
            "this message opens with the full summary of the newest.",
        )
    return Decision(
        reader,
        edition,
        True,
        f"missed editions since {since.id}: {summary_line(*counts)}",
        since,
        block,
    )


def long_date_iso(iso: str) -> str:
    from datetime import date

    try:
        return long_date(date.fromisoformat(iso))
    except ValueError:
        return iso


def _snapshot(edition_path: Path, kept: bytes | None = None) -> dict[str, Any] | None:
    """An edition's evidence: from its folder, or as the state store kept it when pruned."""
    from briefing.compose.snapshot import SnapshotError, read

    try:
        return read((edition_path / EVIDENCE).read_bytes())
    except OSError:
        pass
    except SnapshotError:
        return None
    try:
        return read(kept) if kept else None
    except SnapshotError:
        return None


def cumulative(
    since: EditionRecord, edition: Edition, kept: bytes | None = None
) -> tuple[dict[str, Any] | None, tuple[int, int, int]]:
    """What changed between an edition the reader received and this one, in the shape of
    summary.json's changes block (a paragraph, then a heading per section and an item per
    fact), with the counts added, changed, removed; None when the older edition's evidence is
    no longer on disk nor kept by the state store (`kept`)."""
    old = _snapshot(edition.path.parent / since.id, kept)
    new = _snapshot(edition.path)
    if old is None or new is None:
        return None, (0, 0, 0)
    old_facts, new_facts = old["facts"], new["facts"]
    entries: list[tuple[str, str, str, str]] = []  # (section, kind, id, text)
    for fid, rec in new_facts.items():
        if fid not in old_facts:
            entries.append(
                (rec.get("section") or rec.get("domain_label", ""), "Added", fid, _says(rec))
            )
            continue
        fields = _field_changes(old_facts[fid], rec, old["sources"], new["sources"])
        if fields:
            moved = " ".join(
                f"{f.label[:1].upper()}{f.label[1:]} was {f.old}; now {f.new}." for f in fields
            )
            entries.append((rec.get("section") or "", "Changed", fid, f"{_says(rec)} {moved}"))
    for fid in sorted(set(old_facts) - set(new_facts)):
        rec = old_facts[fid]
        entries.append((rec.get("section") or "", "Removed", fid, _says(rec)))
    counts = tuple(sum(1 for e in entries if e[1] == k) for k in ("Added", "Changed", "Removed"))
    when = long_date_iso(since.generated)
    opening = (
        f"Since the edition of {when}, the last one sent to you, the evidence base has changed "
        f"as follows: {summary_line(*counts)}."
        if entries
        else f"No fact has changed since the edition of {when}, the last one sent to you."
    )
    items = [{"kind": "paragraph", "lead": "", "text": opening}]
    order = {"Added": 0, "Changed": 1, "Removed": 2}
    for section in sorted({e[0] for e in entries}):
        items.append({"kind": "bullet", "lead": section or "Other", "text": ""})
        for _, kind, _fid, text in sorted(
            (e for e in entries if e[0] == section), key=lambda e: (order[e[1]], e[2])
        ):
            items.append({"kind": "bullet", "lead": f"{kind}.", "text": text})
    return {"title": f"What changed since {when}", "items": items}, counts


def _says(rec: dict[str, Any]) -> str:
    return f"{rec.get('summary', '')} Attributed to {rec.get('claimant', '')}.".strip()
