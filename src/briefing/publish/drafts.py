"""Drafts: what `briefing watch` builds. A draft is the edition the next `build` would publish,
written where nothing published looks:

    output/drafts/<report>/   the files, manifest.json, evidence.json and summary.json

It is never an edition: it takes no edition id or sequence number from the state store, never
enters the editions folder, the `current` link, the top-level files, the index or the feed, so
`send` cannot mail it. Each draft replaces the previous one; its what-changed section compares it
with the newest published edition, as the next edition's would.
"""

from __future__ import annotations

import os
from pathlib import Path

from briefing.publish.editions import MANIFEST, Edition, EditionStore, stamp_manifest

DRAFTS = "drafts"
DRAFT = "draft"


def drafts_folder(output: Path) -> Path:
    return output / DRAFTS


class DraftStore:
    """The draft of one report; the parts of EditionStore's interface a build uses."""

    def __init__(self, output: Path, report: str):
        self.report = report
        self.folder = drafts_folder(output) / report
        self.editions = EditionStore(output, report)
        self.warnings: list[str] = []

    def newest(self) -> Edition | None:
        """The last draft, to tell whether the inputs changed since it was written."""
        try:
            return Edition.read(self.report, DRAFT, self.folder)
        except (OSError, ValueError):
            return None

    def published(self) -> Edition | None:
        """The newest published edition: what the draft's what-changed compares with."""
        edition = self.editions.newest()
        self.warnings += self.editions.warnings
        return edition

    def place(self, staged: Path) -> Edition:
        """Put the staged draft where the last one was (which goes into staging, to be removed
        with it). A draft takes no id and no place in the sequence."""
        stamp_manifest(staged / MANIFEST, DRAFT, 0)
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        if self.folder.exists():
            os.rename(self.folder, staged.parent / f"{staged.name}.replaced-draft")
        os.rename(staged, self.folder)
        return Edition.read(self.report, DRAFT, self.folder)

    def is_published(self, edition: Edition) -> bool:
        return True  # nothing of a draft is ever published

    def publish(self, edition: Edition) -> bool:
        return False
