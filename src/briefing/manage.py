"""`briefing editions` and `briefing prune`: reading and deliberately trimming the editions store.

Listing reads manifests only, so it is instant and never needs the project's inputs. Pruning
takes the same lock as a build, keeps the newest N editions of each report (the published one
always among them), and refreshes the index and feed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from .editions import EditionStore, report_ids
from .errors import EXIT_INPUT, EXIT_OK
from .model import long_date


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


def list_editions(output: Path, wanted: list[str]) -> int:
    reports = _chosen(output, wanted)
    if reports is None:
        return EXIT_INPUT
    if not reports:
        print(f"no editions in {output} yet; run `briefing build` to publish one")
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
                    e.manifest.get("current_to_text", ""),
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
            f"{rid}: {len(editions)} edition(s)"
            + (f", {len(gone)} removed (ids never reused)" if gone else "")
        )
        for row in rows:
            print(
                "  "
                + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
    return EXIT_OK


def prune(
    root: Path, output: Path, wanted: list[str], keep: int, say: Callable[[str], None]
) -> int:
    from .catalog import refresh
    from .errors import InputError
    from .lock import output_lock
    from .settings import load

    try:
        site = load(root).base_url
    except InputError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_INPUT

    reports = _chosen(output, wanted)
    if reports is None:
        return EXIT_INPUT
    with output_lock(output, wait=True, say=say):
        for rid in reports:
            store = EditionStore(output, rid)
            newest = store.newest()
            removed = store.prune(keep)
            if newest is not None and not store.is_published(newest):
                store.publish(newest)
            for e in removed:
                say(f"{rid}: removed edition {e.id}")
            say(f"{rid}: kept {len(store.list())} edition(s)")
        refresh(output, root / "templates", base_url=site)
    return EXIT_OK
