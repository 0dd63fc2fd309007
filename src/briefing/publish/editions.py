"""The editions store: every published edition of a report, kept whole and never overwritten.

    output/<report>/editions/<YYYY-MM-DD>[-N]/   the files, manifest.json, evidence.json
    output/<report>/current -> editions/<id>     which edition is published (one symlink)
    output/<report>.<fmt> -> <report>/current/<report>.<fmt>

An edition appears by renaming a complete staging folder, so it exists whole or not at all.
Publishing it is one atomic switch of `current`, so the PDF, DOCX, HTML and manifest that the
top-level names lead to always belong to one edition, whenever a build is killed. Order is the
manifest's `sequence`, not the folder name, so an edition dated earlier (SOURCE_DATE_EPOCH) still
counts as newer.

Ids and sequence numbers are handed out by the state store (state.py), which remembers every
edition that ever existed: an id is never given twice, whatever was pruned or deleted, so an
edition's address, feed entry and Message-IDs always mean that one edition.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from briefing.base.files import TEMP_PREFIXES, checkpoint, fsync_folder, link_atomic, owned
from briefing.publish.manifest import Manifest
from briefing.publish.state import PRUNED, PUBLISHED, EditionRecord, SqliteState, StateError
from briefing.writers import REGISTRY

MANIFEST = "manifest.json"
EVIDENCE = "evidence.json"
CURRENT = "current"


@dataclass(frozen=True)
class Edition:
    report: str
    id: str
    path: Path
    manifest: Manifest

    @classmethod
    def read(cls, report: str, edition_id: str, path: Path) -> Edition:
        """The edition in `path`; OSError or ValueError if its manifest cannot be read."""
        data = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        return cls(report, edition_id, path, Manifest.parse(data))

    @property
    def sequence(self) -> int:
        return self.manifest.sequence

    @property
    def fingerprint(self) -> str:
        return self.manifest.fingerprint

    @property
    def generated(self) -> date:
        return self.manifest.generated

    def counts(self) -> tuple[int, int, int] | None:
        """Facts added, changed, removed; None for a first edition (nothing to compare)."""
        return self.manifest.changes.counts() if self.manifest.changes else None

    @property
    def summary(self) -> str:
        return self.manifest.changes.summary if self.manifest.changes else "first edition"


class EditionStore:
    """One report's editions under an output folder."""

    def __init__(self, output: Path, report: str):
        self.output = output
        self.report = report
        self.folder = output / report
        self.editions_dir = self.folder / "editions"
        self.warnings: list[str] = []

    def list(self) -> list[Edition]:
        """Every readable edition, oldest first. An unreadable manifest is skipped with a
        warning rather than stopping a scheduled build.

        Only real folders are editions. Anything else here (a symbolic link, a file) was put
        here by hand or by someone else: it is named in a warning and ignored, so no listing,
        prune or send ever follows a link out of the store or deletes through one."""
        found: list[Edition] = []
        if not self.editions_dir.is_dir() or self.editions_dir.is_symlink():
            return found
        for path in self.editions_dir.iterdir():
            if path.name.startswith(TEMP_PREFIXES):
                continue  # a process's temporary folder (publish.sweep)
            stray = _not_an_edition(path)
            if stray:
                self.warnings.append(
                    f"{path}: not an edition folder ({stray}); ignored, and never followed "
                    "or deleted by briefing; remove it if it is not needed"
                )
                continue
            try:
                edition = Edition.read(self.report, path.name, path)
            except (OSError, ValueError) as exc:
                self.warnings.append(f"{path}: unreadable manifest ({exc}); edition ignored")
                continue
            found.append(edition)
        return sorted(found, key=lambda e: (e.sequence, e.id))

    def newest(self) -> Edition | None:
        editions = self.list()
        return editions[-1] if editions else None

    def place(self, staged: Path) -> Edition:
        """Give a complete staged edition its id and sequence number (handed out now, when it
        is about to exist, so a build that failed earlier took none) and move it into the
        store. Never replaces one."""
        generated = Edition.read(self.report, "", staged).generated
        taken = (
            {p.name for p in self.editions_dir.iterdir()} if self.editions_dir.is_dir() else set()
        )
        # Editions on disk count too: a store created after them (an upgrade from the JSON
        # log, or a lost store) has not seen their sequence numbers.
        floor = max((e.sequence for e in self.list()), default=0)
        state = open_state(self.output)
        try:
            edition_id, sequence = state.allocate(self.report, generated, taken, floor)
            stamp_manifest(staged / MANIFEST, edition_id, sequence)
            self.editions_dir.mkdir(parents=True, exist_ok=True)
            target = self.editions_dir / edition_id
            if target.exists():
                raise FileExistsError(
                    f"edition {target} already exists; editions are never replaced"
                )
            os.rename(staged, target)
            fsync_folder(self.editions_dir)
            edition = Edition.read(self.report, edition_id, target)
            state.record_edition(edition_record(edition))
        finally:
            state.close()
        return edition

    def is_published(self, edition: Edition) -> bool:
        current = self.folder / CURRENT
        if not (current.is_symlink() and os.readlink(current) == f"editions/{edition.id}"):
            return False
        return all(_link_ok(self.output / name, self._top_target(name)) for name in _files(edition))

    def publish(self, edition: Edition) -> bool:
        """Make `edition` the one the top-level names lead to; False if it already was."""
        changed = link_atomic(f"editions/{edition.id}", self.folder / CURRENT)
        checkpoint("switched")
        wanted = _files(edition)
        for fmt in REGISTRY.values():
            name = f"{self.report}.{fmt.extension}"
            link = self.output / name
            if name in wanted:
                changed |= link_atomic(self._top_target(name), link)
            elif link.is_symlink() or link.exists():
                # An edition without this format: a stale file would be another edition's.
                link.unlink()
                changed = True
        fsync_folder(self.output)
        return changed

    def _top_target(self, name: str) -> str:
        return f"{self.report}/{CURRENT}/{name}"

    def doomed(self, keep: int) -> list[Edition]:
        """The editions `prune(keep)` removes, oldest first; reads only."""
        editions = self.list()
        return editions[:-keep] if keep > 0 else []

    def prune(self, keep: int) -> list[Edition]:
        """Remove all but the `keep` newest editions; the published one always stays. Each
        removed edition leaves its record in the state store (ids, dates, checksums, why)."""
        editions = self.list()
        doomed = editions[:-keep] if keep > 0 else []
        if not doomed:
            return doomed
        state = open_state(self.output)
        try:
            adopt(state, self.report, editions)
            for edition in doomed:
                try:
                    evidence = (edition.path / EVIDENCE).read_bytes()
                except OSError:
                    evidence = None
                reason = f"pruned, keeping the newest {keep}"
                state.record_pruned(self.report, edition.id, reason, evidence)
                trash = self.editions_dir / f"{owned('.tmp-')}pruned-{edition.id}"
                os.rename(edition.path, trash)  # gone from listings in one step
                shutil.rmtree(trash)
        finally:
            state.close()
        return doomed

    def history(self) -> list[EditionRecord]:
        """Editions that existed and are gone (pruned or deleted), oldest first: the store's
        records of editions no longer on disk."""
        try:
            state = open_state(self.output)
        except StateError:
            return []  # a listing goes on without the records (a read-only copy, say)
        try:
            on_disk = {e.id for e in self.list()}
            return [
                r
                for r in state.editions(self.report)
                if r.id not in on_disk and r.status in (PUBLISHED, PRUNED) and r.sequence > 0
            ]
        finally:
            state.close()


def _not_an_edition(path: Path) -> str:
    """Why `path` in an editions folder is not an edition folder, or '' if it may be one."""
    if path.is_symlink():
        return "a symbolic link"
    if not path.is_dir():
        return "a file" if path.is_file() else "not a folder"
    if (path / MANIFEST).is_symlink():
        return f"its {MANIFEST} is a symbolic link"
    return ""


def _files(edition: Edition) -> list[str]:
    return [f.name for f in edition.manifest.files]


def _link_ok(link: Path, target: str) -> bool:
    return link.is_symlink() and os.readlink(link) == target and link.exists()


def report_ids(output: Path) -> list[str]:
    """Every report with an editions folder under `output`."""
    if not output.is_dir():
        return []
    return sorted(
        p.name
        for p in output.iterdir()
        if p.is_dir()
        and not p.is_symlink()  # a report's folder is briefing's own, never a link out
        and not p.name.startswith(".")
        and (p / "editions").is_dir()
    )


def all_editions(output: Path) -> dict[str, list[Edition]]:
    return {rid: EditionStore(output, rid).list() for rid in report_ids(output)}


def stamp_manifest(path: Path, edition_id: str, sequence: int) -> None:
    """Write the edition's id and sequence into its staged manifest."""
    manifest = Manifest.parse(json.loads(path.read_text(encoding="utf-8")))
    write_manifest(path, replace(manifest, edition=edition_id, sequence=sequence))


def write_manifest(path: Path, manifest: Manifest) -> None:
    text = json.dumps(manifest.to_json(), indent=2, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")


def open_state(output: Path) -> SqliteState:
    """The output folder's state store, created on first use. Whether editions already exist
    then tells a fresh desk from a lost store (see state.MISSING)."""
    return SqliteState.open(output, editions_exist=bool(report_ids(output)))


def edition_record(edition: Edition) -> EditionRecord:
    """What the state store keeps of an edition, read from its folder."""
    from briefing.compose.snapshot import SnapshotError, facts_digest, read

    try:
        facts = facts_digest(read((edition.path / EVIDENCE).read_bytes()))
    except (OSError, SnapshotError, KeyError, TypeError, AttributeError):
        facts = ""
    m = edition.manifest
    return EditionRecord(
        edition.report,
        edition.id,
        edition.sequence,
        edition.generated.isoformat(),
        PUBLISHED,
        facts,
        {
            "title": m.title or edition.report,
            "built_at": m.built_at,
            "current_to_text": m.current_to_text,
            "previous": m.previous,
            "fingerprint": m.fingerprint,
            "summary": edition.summary,
            "counts": list(edition.counts() or []),
            "files": [f.to_json() for f in m.files],
            "evidence": m.evidence.get("sha256", ""),
        },
    )


def adopt(state: SqliteState, report: str, editions: list[Edition]) -> None:
    """Record editions found on disk that the store does not know as published (one placed by
    a build killed before it recorded it, or a store created after the editions)."""
    for edition in editions:
        known = state.edition(report, edition.id)
        if known is None or known.status != PUBLISHED or known.sequence != edition.sequence:
            state.record_edition(edition_record(edition))


def reconcile(output: Path) -> SqliteState:
    """The state store, with every edition on disk recorded. The caller closes it."""
    state = open_state(output)
    try:
        for rid in report_ids(output):
            adopt(state, rid, EditionStore(output, rid).list())
    except BaseException:
        state.close()
        raise
    return state
