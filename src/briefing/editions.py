"""The editions store: every published edition of a report, kept whole and never overwritten.

    output/<report>/editions/<YYYY-MM-DD>[-N]/   the files, manifest.json, evidence.json
    output/<report>/current -> editions/<id>     which edition is published (one symlink)
    output/<report>.<fmt> -> <report>/current/<report>.<fmt>

An edition appears by renaming a complete staging folder, so it exists whole or not at all.
Publishing it is one atomic switch of `current`, so the PDF, DOCX, HTML and manifest that the
top-level names lead to always belong to one edition, whenever a build is killed. Order is the
manifest's `sequence`, not the folder name, so an edition dated earlier (SOURCE_DATE_EPOCH) still
counts as newer.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .publish import TEMP_PREFIXES, checkpoint, fsync_folder, link_atomic
from .writers import REGISTRY

MANIFEST = "manifest.json"
EVIDENCE = "evidence.json"
CURRENT = "current"
MANIFEST_FORMAT = 1


@dataclass(frozen=True)
class Edition:
    report: str
    id: str
    path: Path
    manifest: dict[str, Any]

    @property
    def sequence(self) -> int:
        return int(self.manifest.get("sequence", 0))

    @property
    def fingerprint(self) -> str:
        return str(self.manifest.get("fingerprint", ""))

    @property
    def generated(self) -> date:
        return date.fromisoformat(self.manifest["generated"])

    def counts(self) -> tuple[int, int, int] | None:
        """Facts added, changed, removed; None for a first edition (nothing to compare)."""
        ch = self.manifest.get("changes")
        if not ch:
            return None
        return len(ch["added"]), len(ch["changed"]), len(ch["removed"])

    @property
    def summary(self) -> str:
        ch = self.manifest.get("changes")
        return ch["summary"] if ch else "first edition"


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
        warning rather than stopping a scheduled build."""
        found: list[Edition] = []
        if not self.editions_dir.is_dir():
            return found
        for path in self.editions_dir.iterdir():
            if path.name.startswith(TEMP_PREFIXES) or not path.is_dir():
                continue
            try:
                manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
                edition = Edition(self.report, path.name, path, manifest)
                _ = edition.sequence, edition.generated  # both must read, or it is not usable
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
                self.warnings.append(f"{path}: unreadable manifest ({exc}); edition ignored")
                continue
            found.append(edition)
        return sorted(found, key=lambda e: (e.sequence, e.id))

    def newest(self) -> Edition | None:
        editions = self.list()
        return editions[-1] if editions else None

    def next_id(self, generated: date) -> str:
        base = generated.isoformat()
        taken = (
            {p.name for p in self.editions_dir.iterdir()} if self.editions_dir.is_dir() else set()
        )
        if base not in taken:
            return base
        n = 2
        while f"{base}-{n}" in taken:
            n += 1
        return f"{base}-{n}"

    def place(self, staged: Path, edition_id: str) -> Edition:
        """Move a complete staged edition into the store. Never replaces one."""
        self.editions_dir.mkdir(parents=True, exist_ok=True)
        target = self.editions_dir / edition_id
        if target.exists():
            raise FileExistsError(f"edition {target} already exists; editions are never replaced")
        os.rename(staged, target)
        fsync_folder(self.editions_dir)
        manifest = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
        return Edition(self.report, edition_id, target, manifest)

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

    def prune(self, keep: int) -> list[Edition]:
        """Remove all but the `keep` newest editions; the published one always stays."""
        editions = self.list()
        doomed = editions[:-keep] if keep > 0 else []
        for edition in doomed:
            trash = self.editions_dir / f".tmp-pruned-{edition.id}"
            os.rename(edition.path, trash)  # gone from listings in one step
            shutil.rmtree(trash)
        return doomed


def _files(edition: Edition) -> list[str]:
    return [f["name"] for f in edition.manifest.get("files", [])]


def _link_ok(link: Path, target: str) -> bool:
    return link.is_symlink() and os.readlink(link) == target and link.exists()


def report_ids(output: Path) -> list[str]:
    """Every report with an editions folder under `output`."""
    if not output.is_dir():
        return []
    return sorted(
        p.name
        for p in output.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / "editions").is_dir()
    )


def all_editions(output: Path) -> dict[str, list[Edition]]:
    return {rid: EditionStore(output, rid).list() for rid in report_ids(output)}
