"""An edition's manifest (`manifest.json`), typed: what was built, from what, into which files.

The file stays plain JSON, readable without the tool, and its format does not change here. What
changes is that the code reads it once, through `Manifest.parse`, which checks every field it
relies on and fills what older editions lack with the value that means "unknown", instead of
`.get()` with a default at every place that needs a field. A manifest that cannot be read is
a `ValueError` naming the field; the editions store skips such an edition with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

FORMAT = 1  # the manifest's own format, written as "manifest"


@dataclass(frozen=True)
class FileEntry:
    """One file of the edition, as published: its name in the edition folder and checksum."""

    name: str
    format: str
    sha256: str
    bytes: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "format": self.format,
            "bytes": self.bytes,
            "sha256": self.sha256,
        }


@dataclass(frozen=True)
class Changes:
    """The facts this edition added, changed and removed against the one before it."""

    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    summary: str

    def counts(self) -> tuple[int, int, int]:
        return len(self.added), len(self.changed), len(self.removed)


@dataclass(frozen=True)
class Manifest:
    report: str
    generated: date
    title: str = ""
    subtitle: str = ""
    author: str = ""
    edition: str | None = None  # given when the edition is placed (editions.py)
    sequence: int = 0  # 0: an edition older than sequences
    previous: str | None = None
    built_at: str = ""  # ISO time; "" for editions older than it
    current_to: str = ""
    current_to_text: str = ""
    tool_version: str = ""
    fingerprint: str = ""
    inputs: dict[str, Any] | None = None  # the fingerprint's parts (fingerprint.py)
    options: dict[str, Any] = field(default_factory=dict)
    files: tuple[FileEntry, ...] = ()
    evidence: dict[str, Any] = field(default_factory=dict)
    summary_file: dict[str, Any] | None = None
    changes: Changes | None = None  # None: a first edition

    def file(self, fmt: str) -> FileEntry | None:
        return next((f for f in self.files if f.format == fmt), None)

    @property
    def formats(self) -> set[str]:
        return {f.format for f in self.files}

    @classmethod
    def parse(cls, data: Any) -> Manifest:
        """The manifest of `data` (the parsed JSON); ValueError naming what is wrong."""
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")

        def text(key: str, default: str = "") -> str:
            value = data.get(key, default)
            if value is None:
                return default
            if not isinstance(value, str):
                raise ValueError(f"{key!r} is not text")
            return value

        def optional(key: str) -> str | None:
            value = data.get(key)
            if value is not None and not isinstance(value, str):
                raise ValueError(f"{key!r} is not text")
            return value

        def mapping(key: str) -> dict[str, Any] | None:
            value = data.get(key)
            if value is not None and not isinstance(value, dict):
                raise ValueError(f"{key!r} is not an object")
            return value

        try:
            generated = date.fromisoformat(text("generated"))
        except ValueError:
            raise ValueError("'generated' is not a date (YYYY-MM-DD)") from None
        sequence = data.get("sequence") or 0
        if isinstance(sequence, bool) or not isinstance(sequence, int):
            raise ValueError("'sequence' is not a whole number")
        files = data.get("files") or []
        if not isinstance(files, list):
            raise ValueError("'files' is not a list")
        entries = []
        for f in files:
            if not isinstance(f, dict) or not all(
                isinstance(f.get(k), str) for k in ("name", "format", "sha256")
            ):
                raise ValueError("an entry of 'files' lacks its name, format or sha256")
            entries.append(FileEntry(f["name"], f["format"], f["sha256"], int(f.get("bytes") or 0)))
        changes = mapping("changes")
        if changes is not None:
            try:
                changes = Changes(
                    *(tuple(str(i) for i in changes[k]) for k in ("added", "changed", "removed")),
                    str(changes["summary"]),
                )
            except (KeyError, TypeError):
                raise ValueError("'changes' lacks added, changed, removed or summary") from None
        tool = mapping("tool") or {}
        return cls(
            report=text("report"),
            generated=generated,
            title=text("title"),
            subtitle=text("subtitle"),
            author=text("author"),
            edition=optional("edition"),
            sequence=sequence,
            previous=optional("previous"),
            built_at=text("built_at"),
            current_to=text("current_to"),
            current_to_text=text("current_to_text"),
            tool_version=str(tool.get("version", "")),
            fingerprint=text("fingerprint"),
            inputs=mapping("inputs"),
            options=mapping("options") or {},
            files=tuple(entries),
            evidence=mapping("evidence") or {},
            summary_file=mapping("summary"),
            changes=changes,
        )

    def to_json(self) -> dict[str, Any]:
        """The JSON object written as manifest.json, in its documented order."""
        return {
            "manifest": FORMAT,
            "report": self.report,
            "title": self.title,
            "subtitle": self.subtitle,
            "author": self.author,
            "edition": self.edition,
            "sequence": self.sequence or None,
            "previous": self.previous,
            "generated": self.generated.isoformat(),
            "built_at": self.built_at,
            "current_to": self.current_to,
            "current_to_text": self.current_to_text,
            "tool": {"name": "briefing", "version": self.tool_version},
            "fingerprint": self.fingerprint,
            "inputs": self.inputs,
            "options": self.options,
            "files": [f.to_json() for f in self.files],
            "evidence": self.evidence,
            "summary": self.summary_file,
            "changes": None
            if self.changes is None
            else {
                "added": list(self.changes.added),
                "changed": list(self.changes.changed),
                "removed": list(self.changes.removed),
                "summary": self.changes.summary,
            },
        }
