"""The pipeline: lock, decide, validate, compose, render, publish an edition.

A scheduler calls it blindly, so the order matters:
1. take the output folder's lock, and sweep up what a killed build left;
2. read each report definition and fingerprint its inputs; a report whose newest edition has the
   same fingerprint is up to date, decided before any rendering library is imported;
3. validate every remaining report's evidence, all problems at once, before writing anything;
4. render each into a staging folder with its manifest and evidence snapshot;
5. publish: move each staged edition into the store and switch `current` to it, then refresh
   the index and feed.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .catalog import refresh
from .changes import Previous
from .chartdata import check as check_charts
from .clock import build_time
from .editions import EVIDENCE, MANIFEST, MANIFEST_FORMAT, Edition, EditionStore
from .errors import InputError, Problems
from .fingerprint import Fingerprint, fingerprint
from .load import Evidence, ReportSpec, load_evidence, load_report, report_files
from .lock import output_lock
from .preflight import check_templates
from .publish import checkpoint, ensure_folder, staging, sweep
from .writers import FORMATS, REGISTRY, WriteContext

PUBLISHED, UP_TO_DATE = "published", "up-to-date"


@dataclass(frozen=True)
class Outcome:
    report: str
    status: str  # PUBLISHED or UP_TO_DATE
    edition: str
    files: list[Path]
    seconds: float
    summary: str = ""


@dataclass
class _Plan:
    spec: ReportSpec
    store: EditionStore
    fingerprint: Fingerprint
    previous: Edition | None


def select_reports(root: Path, wanted: list[str], problems: Problems) -> list[ReportSpec]:
    files = report_files(root)
    if not files:
        raise InputError.one(
            root / "reports", None, "no report definitions (*.yaml) found; add one"
        )
    by_id = {p.stem: p for p in files}
    for name in wanted:
        if name not in by_id:
            problems.add(
                "reports/", None, f"no report named {name!r}; available: {', '.join(sorted(by_id))}"
            )
    chosen = [by_id[n] for n in wanted if n in by_id] if wanted else files
    specs = [load_report(p, root, problems) for p in chosen]
    return [s for s in specs if s is not None]


def build(
    root: Path,
    wanted: list[str],
    output: Path,
    formats: tuple[str, ...] = FORMATS,
    say: Callable[[str], None] = print,
    *,
    force: bool = False,
    wait: bool = True,
    pdf_variant: str = "pdfua",
    warn: Callable[[str], None] = print,
) -> list[Outcome]:
    ensure_folder(output)
    with output_lock(output, wait, say):
        sweep(output)
        problems = Problems()
        specs = select_reports(root, wanted, problems)
        problems.raise_if_any()

        outcomes: list[Outcome] = []
        todo: list[_Plan] = []
        for spec in specs:
            store = EditionStore(output, spec.id)
            fp = fingerprint(spec, root, formats, pdf_variant)
            newest = store.newest()
            for message in store.warnings:
                warn(message)
            if newest is not None and not force and newest.fingerprint == fp.digest:
                if not store.is_published(newest):
                    store.publish(newest)  # a build killed after placing it, before the switch
                say(f"{spec.id}: up to date (edition {newest.id})")
                outcomes.append(Outcome(spec.id, UP_TO_DATE, newest.id, [], 0.0))
            else:
                todo.append(_Plan(spec, store, fp, newest))

        evidence = {plan.spec.id: load_evidence(plan.spec, root, problems) for plan in todo}
        problems.raise_if_any()
        for plan in todo:
            check_charts(plan.spec.charts, evidence[plan.spec.id], problems)
            check_templates(plan.spec, root, problems, later_edition=plan.previous is not None)
        problems.raise_if_any()

        if todo:
            with staging(output) as stage:
                staged = [
                    _render(
                        root, plan, evidence[plan.spec.id], stage, formats, say, warn, pdf_variant
                    )
                    for plan in todo
                ]
                checkpoint("rendered")
                for plan, (folder, edition_id, seconds) in zip(todo, staged, strict=True):
                    edition = plan.store.place(folder, edition_id)
                    checkpoint("placed")
                    plan.store.publish(edition)
                    checkpoint("published")
                    files = [
                        output / f"{plan.spec.id}.{f['format']}" for f in edition.manifest["files"]
                    ]
                    summary = edition.summary
                    say(f"{plan.spec.id}: published edition {edition.id} ({summary})")
                    for path in files:
                        say(f"{plan.spec.id}: wrote {path}")
                    outcomes.append(
                        Outcome(plan.spec.id, PUBLISHED, edition.id, files, seconds, summary)
                    )
        refresh(output, root / "templates")
    return outcomes


def _previous(edition: Edition | None, warn: Callable[[str], None]) -> Previous | None:
    from .snapshot import SnapshotError, read

    if edition is None:
        return None
    try:
        snap = read((edition.path / EVIDENCE).read_bytes())
    except (OSError, SnapshotError) as exc:
        warn(
            f"{edition.path / EVIDENCE}: cannot read the previous edition's evidence ({exc}); "
            "this edition will not say what changed"
        )
        return None
    return Previous(
        edition.id, edition.generated, edition.manifest.get("current_to_text", ""), snap
    )


def _render(
    root: Path,
    plan: _Plan,
    ev: Evidence,
    stage: Path,
    formats: tuple[str, ...],
    say: Callable[[str], None],
    warn: Callable[[str], None],
    pdf_variant: str,
) -> tuple[Path, str, float]:
    """Compose one report and write the edition (files, snapshot, manifest) into staging."""
    # Heavy imports only once the input is known to be good and the build is needed.
    from . import snapshot, summary
    from .compose import WHAT_CHANGED_ID, Composer
    from .summary import SUMMARY

    spec = plan.spec
    started = time.perf_counter()
    folder = stage / spec.id
    folder.mkdir()
    say(f"{spec.id}: {len(ev.facts)} facts from {len(ev.sources)} sources")
    composer = Composer(root, spec, ev, _previous(plan.previous, warn))
    doc = composer.compose()
    say(
        f"{spec.id}: {len(doc.sections)} sections, {len(doc.notes)} notes, {len(doc.charts)} charts"
    )
    # Writers share one context: the PDF prints the HTML rendered once for both.
    # The evidence is written first: the archival PDF carries it as an attachment.
    evidence_bytes = snapshot.dump(ev, doc.fact_sections)
    (folder / EVIDENCE).write_bytes(evidence_bytes)
    ctx = WriteContext(
        root / "templates", spec.layout, spec.stylesheets, pdf_variant, evidence_bytes
    )
    written: list[tuple[str, Path]] = []
    for fmt in (f for f in FORMATS if f in formats):
        target = folder / f"{spec.id}.{REGISTRY[fmt].extension}"
        REGISTRY[fmt].load().write(doc, target, ctx)
        written.append((fmt, target))
    changed = WHAT_CHANGED_ID if composer.changes is not None else None
    (folder / SUMMARY).write_bytes(summary.dump(summary.summarise(doc, changed)))

    edition_id = plan.store.next_id(doc.generated)
    changes = composer.changes
    manifest = {
        "manifest": MANIFEST_FORMAT,
        "report": spec.id,
        "title": spec.title,
        "subtitle": spec.subtitle,
        "author": spec.author,
        "edition": edition_id,
        "sequence": (plan.previous.sequence + 1) if plan.previous else 1,
        "previous": plan.previous.id if plan.previous else None,
        "generated": doc.generated.isoformat(),
        "built_at": build_time().isoformat(),
        "current_to": doc.current_to.iso(),
        "current_to_text": str(doc.current_to),
        "tool": {"name": "briefing", "version": __version__},
        "fingerprint": plan.fingerprint.digest,
        "inputs": plan.fingerprint.inputs,
        "options": plan.fingerprint.options,
        "files": [_file_entry(path, fmt) for fmt, path in written],
        "evidence": {
            **_file_entry(folder / EVIDENCE, "json"),
            "facts": len(ev.facts),
            "sources": len(ev.sources),
        },
        "summary": _file_entry(folder / SUMMARY, "json"),
        "changes": None
        if changes is None
        else {
            "added": changes.ids("added"),
            "changed": changes.ids("changed"),
            "removed": changes.ids("removed"),
            "summary": changes.summary(),
        },
    }
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    (folder / MANIFEST).write_text(text, encoding="utf-8")
    return folder, edition_id, time.perf_counter() - started


def _file_entry(path: Path, fmt: str) -> dict:
    data = path.read_bytes()
    return {
        "name": path.name,
        "format": fmt,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
