"""`briefing editions` and `briefing prune`: reading and deliberately trimming the editions store.

Listing reads manifests only, so it is instant and never needs the project's inputs. Pruning
takes the same lock as a build, then the send lock (so it never deletes an edition a send is
mailing), keeps the newest N editions of each report (the published one always among them), and
refreshes the index and feed.

`editions`, `prune` and `send` work on what builds published: an output folder that does not
exist or holds no editions is a mistake in the command (a typo in --output, say), refused with
exit 2 before anything is created, so that a scheduler notices.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from briefing.base.errors import EXIT_INPUT, EXIT_OK
from briefing.base.model import long_date
from briefing.base.wording import counted
from briefing.publish.editions import Edition, EditionStore, report_ids


def store_problem(output: Path) -> str | None:
    """Why `output` holds no editions to list, prune or send, or None if it holds some."""
    if not output.exists():
        return (
            f"{output}: no such folder, so no editions in it; check --output (or --project), "
            "or run `briefing build` to publish an edition there"
        )
    if not output.is_dir():
        return f"{output}: not a folder (a file); --output needs the folder builds publish into"
    if not report_ids(output):
        return (
            f"{output}: no editions in this folder; check --output (or --project), "
            "or run `briefing build` to publish one"
        )
    return None


def warn_strays(output: Path, reports: list[str]) -> None:
    """Name what in the reports' editions folders is not an edition (store.warnings)."""
    for rid in reports:
        store = EditionStore(output, rid)
        store.list()
        for message in store.warnings:
            print(f"briefing: warning: {message}", file=sys.stderr)


def _chosen(output: Path, wanted: list[str]) -> list[str] | None:
    known = report_ids(output)
    unknown = [r for r in wanted if r not in known]
    if unknown:
        have = ", ".join(known) or "none yet"
        print(
            f"briefing: no editions of {', '.join(map(repr, unknown))} in {output}; "
            f"reports with editions: {have}",
            file=sys.stderr,
        )
        return None
    return wanted or known


def edition_json(store: EditionStore, e: Edition) -> dict[str, object]:
    """One edition as `briefing editions --json` lists it. The keys are stable: tools read
    them (docs/command-line.md). Counts are null for a first edition (nothing to compare)."""
    counts = e.counts()
    added, changed, removed = counts if counts else (None, None, None)
    return {
        "report": e.report,
        "id": e.id,
        "sequence": e.sequence or None,
        "date": e.generated.isoformat(),
        "current_to": e.manifest.current_to or None,
        "current_to_text": e.manifest.current_to_text or None,
        "added": added,
        "changed": changed,
        "removed": removed,
        "summary": e.summary,
        "current": store.is_published(e),
        "path": str(e.path),
        "files": [
            {"format": f.format, "path": str(e.path / f.name), "sha256": f.sha256}
            for f in e.manifest.files
        ],
    }


def list_editions(output: Path, wanted: list[str], as_json: bool = False) -> int:
    """The editions of each report (all reports by default), newest first: a table, or with
    `as_json` one JSON array of every edition on disk (edition_json) for tools."""
    problem = store_problem(output)
    if problem is not None:
        print(f"briefing: {problem}", file=sys.stderr)
        return EXIT_INPUT
    reports = _chosen(output, wanted)
    if reports is None:
        return EXIT_INPUT
    if as_json:
        listed = []
        for rid in reports:
            store = EditionStore(output, rid)
            editions = store.list()
            for message in store.warnings:
                print(f"briefing: warning: {message}", file=sys.stderr)
            listed += [edition_json(store, e) for e in reversed(editions)]
        print(json.dumps(listed, indent=2, ensure_ascii=False))
        return EXIT_OK
    for i, rid in enumerate(reports):
        store = EditionStore(output, rid)
        editions = store.list()
        for message in store.warnings:
            print(f"briefing: warning: {message}", file=sys.stderr)
        rows = [("EDITION", "DATE", "CURRENT TO", "ADDED", "CHANGED", "REMOVED", "")]
        for e in reversed(editions):
            counts = e.counts()
            added, changed, removed = (str(n) for n in counts) if counts else ("-", "-", "-")
            mark = "published" if store.is_published(e) else ""
            rows.append(
                (
                    e.id,
                    long_date(e.generated),
                    e.manifest.current_to_text,
                    added,
                    changed,
                    removed,
                    mark,
                )
            )
        gone = store.history()
        for r in reversed(gone):
            counts = r.details.get("counts") or ["-", "-", "-"]
            when = f" {r.gone[:10]}" if r.gone else ""
            rows.append(
                (
                    r.id,
                    long_date(date.fromisoformat(r.generated)),
                    r.details.get("current_to_text", ""),
                    *(str(n) for n in counts),
                    f"removed{when} ({r.reason or 'deleted outside briefing'})",
                )
            )
        widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
        if i:
            print()
        print(
            f"{rid}: {counted(len(editions), 'edition')}"
            + (f", {len(gone)} removed (ids never reused)" if gone else "")
        )
        for row in rows:
            print(
                "  "
                + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
    return EXIT_OK


def prune(
    root: Path,
    output: Path,
    wanted: list[str],
    keep: int,
    say: Callable[[str], None],
    dry_run: bool = False,
) -> int:
    """Delete all but the newest `keep` editions of each report. `dry_run`: say which would
    go and which stay, and change nothing: no lock taken, no state store opened, no file
    written (so it never waits for a build either)."""
    from briefing.base.errors import InputError
    from briefing.config.settings import load
    from briefing.publish.catalog import refresh
    from briefing.publish.lock import SEND_LOCK, output_lock

    problem = store_problem(output)
    if problem is not None:
        print(f"briefing: {problem}", file=sys.stderr)
        return EXIT_INPUT
    try:
        site = load(root).base_url
    except InputError as exc:
        for item in exc.problems:
            print(item, file=sys.stderr)
        return EXIT_INPUT

    reports = _chosen(output, wanted)
    if reports is None:
        return EXIT_INPUT
    if dry_run:
        for rid in reports:
            store = EditionStore(output, rid)
            doomed = store.doomed(keep)
            for message in dict.fromkeys(store.warnings):
                print(f"briefing: warning: {message}", file=sys.stderr)
            for e in doomed:
                say(f"{rid}: would remove edition {e.id} ({e.path})")
            say(f"{rid}: would keep {counted(len(store.list()) - len(doomed), 'edition')}")
        say("dry run: nothing was deleted")
        return EXIT_OK
    # The build lock, then the send lock (always in that order; a send takes only its own):
    # an edition is never deleted while a send may be reading it.
    with (
        output_lock(output, wait=True, say=say),
        output_lock(output, wait=True, say=say, name=SEND_LOCK, what="send"),
    ):
        for rid in reports:
            store = EditionStore(output, rid)
            newest = store.newest()
            removed = store.prune(keep)
            for message in dict.fromkeys(store.warnings):  # each listing found them again
                print(f"briefing: warning: {message}", file=sys.stderr)
            if newest is not None and not store.is_published(newest):
                store.publish(newest)
            for e in removed:
                say(f"{rid}: removed edition {e.id}")
            say(f"{rid}: kept {counted(len(store.list()), 'edition')}")
        refresh(output, root / "templates", base_url=site)
    return EXIT_OK
