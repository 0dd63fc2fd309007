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
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from briefing import __version__
from briefing.base import stopping
from briefing.base.cachedirs import prepare as prepare_caches
from briefing.base.clock import build_time
from briefing.base.errors import InputError, Problems
from briefing.base.files import checkpoint, write_atomic
from briefing.base.sharedlibs import check_pdf_libraries
from briefing.charts.data import check as check_charts
from briefing.charts.data import check_declarations
from briefing.compose.changes import Previous
from briefing.compose.preflight import check_templates
from briefing.config.load import load_evidence, load_report, report_files
from briefing.config.specs import Evidence, ReportSpec
from briefing.publish.catalog import refresh
from briefing.publish.drafts import DRAFTS, DraftStore
from briefing.publish.editions import EVIDENCE, MANIFEST, Edition, EditionStore, write_manifest
from briefing.publish.fingerprint import Fingerprint, fingerprint
from briefing.publish.lock import output_lock
from briefing.publish.manifest import Changes, FileEntry, Manifest
from briefing.publish.staging import ensure_folder, staging, sweep
from briefing.writers import FORMATS, REGISTRY, WriteContext, write_format

if TYPE_CHECKING:
    from concurrent.futures import Future

    from briefing.base.model import Document
    from briefing.charts.draw import Drawings
    from briefing.publish.workers import Workers

# Chart drawings kept between builds, under the output folder (see charts.Drawings).
CHART_CACHE = ".charts"
DRAWINGS_INDEX = "index.json"  # report id -> the drawings its newest edition used

PUBLISHED, UP_TO_DATE = "published", "up-to-date"


@dataclass(frozen=True)
class Outcome:
    report: str
    status: str  # PUBLISHED or UP_TO_DATE
    edition: str
    files: list[Path]
    seconds: float
    summary: str = ""


class _Staged(NamedTuple):
    """One report's edition, written into staging and not yet placed."""

    folder: Path
    seconds: float
    drawings: tuple[str, ...]  # the chart drawings it used, by key


@dataclass
class _Plan:
    spec: ReportSpec
    store: EditionStore | DraftStore
    fingerprint: Fingerprint
    previous: Edition | None  # the newest published edition


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
    jobs: int | None = 1,
    draft: bool = False,
) -> list[Outcome]:
    """`jobs`: at most that many worker processes; None for one per usable processor.
    `draft`: write each report's draft (drafts.py) instead of publishing an edition; the same
    pipeline, which then touches no edition, index, feed or anything `send` reads."""
    if "pdf" in formats:
        check_pdf_libraries()  # before any work: one line naming the package to install
    ensure_folder(output)
    prepare_caches(output)  # before matplotlib or WeasyPrint is imported, here or in a worker
    with output_lock(output, wait, say):
        sweep(output)
        problems = Problems()
        specs = select_reports(root, wanted, problems)
        site = _base_url(root, problems)
        problems.raise_if_any()

        outcomes: list[Outcome] = []
        todo: list[_Plan] = []
        for spec in specs:
            store = DraftStore(output, spec.id) if draft else EditionStore(output, spec.id)
            newest = store.newest()
            # The newest edition's manifest keeps its templates' analyses (fingerprint.py).
            known = newest.manifest.inputs if newest is not None else None
            fp = fingerprint(spec, root, formats, pdf_variant, known)
            # A draft says what changed since the newest published edition.
            previous = store.published() if isinstance(store, DraftStore) else newest
            for message in store.warnings:
                warn(message)
            # (a draft also compares with the edition it did: a new one means a new draft)
            base = (
                newest is None
                or not draft
                or newest.manifest.previous == getattr(previous, "id", None)
            )
            if newest is not None and not force and newest.fingerprint == fp.digest and base:
                if not store.is_published(newest):
                    store.publish(newest)  # a build killed after placing it, before the switch
                if draft:
                    say(f"{spec.id}: draft up to date in {newest.path}")
                else:
                    say(f"{spec.id}: up to date (edition {newest.id})")
                outcomes.append(Outcome(spec.id, UP_TO_DATE, newest.id, [], 0.0))
            else:
                todo.append(_Plan(spec, store, fp, previous))

        if not todo:
            if not draft:
                refresh(output, root / "templates", base_url=site)
            return outcomes
        # Only a build that renders pays for the worker machinery (and for counting processors).
        from briefing.base.processes import usable_cpus
        from briefing.publish.workers import warm, workers

        # Workers start now, so WeasyPrint is imported while the evidence is checked and the
        # document composed; they are stopped before the staging folder is removed.
        with staging(output) as stage, workers(jobs or usable_cpus()) as pool:
            if pool is not None and len(todo) == 1:
                for slot, (modules, yielding) in _warmups(todo[0].spec, formats, pool.jobs).items():
                    pool.submit(slot, warm, modules, yielding)
            evidence = {plan.spec.id: load_evidence(plan.spec, root, problems) for plan in todo}
            for plan in todo:  # each chart's kind and fields, reported with the evidence's
                check_declarations(plan.spec.charts, problems)
            problems.raise_if_any()
            job = _Job(root, output, stage, formats, pdf_variant)
            early: dict[str, Future] = {}
            for plan in todo:
                ev = evidence[plan.spec.id]
                check_charts(plan.spec.charts, ev, problems)
                if pool is not None and len(todo) == 1 and plan.spec.charts and not problems:
                    # The charts are drawn while the templates are checked and the text composed.
                    # The SVGs are on the way to the PDF; the PNGs for Word come later, beside it.
                    svgs = replace(_wanted(job), png=False)
                    early[plan.spec.id] = pool.submit(1, _draw_all, plan.spec.charts, ev, svgs)
                check_templates(plan.spec, root, problems, later_edition=plan.previous is not None)
            problems.raise_if_any()

            staged = _render_all(job, todo, evidence, pool, say, warn, early)
            checkpoint("rendered")
            stopping.hold()  # publishing, once begun, is finished (see stopping.py)
            for plan, (folder, seconds, _) in zip(todo, staged, strict=True):
                edition = plan.store.place(folder)
                checkpoint("placed")
                plan.store.publish(edition)
                checkpoint("published")
                summary = edition.summary
                if draft:
                    files = [edition.path / f.name for f in edition.manifest.files]
                    since = f" since edition {plan.previous.id}" if plan.previous else ""
                    if plan.previous is None:
                        summary = "no edition published yet"
                    say(f"{plan.spec.id}: draft written to {edition.path} ({summary}{since})")
                else:
                    files = [output / f"{plan.spec.id}.{f.format}" for f in edition.manifest.files]
                    say(f"{plan.spec.id}: published edition {edition.id} ({summary})")
                for path in files:
                    say(f"{plan.spec.id}: wrote {path}")
                outcomes.append(
                    Outcome(plan.spec.id, PUBLISHED, edition.id, files, seconds, summary)
                )
            used = {
                (f"{DRAFTS}/{plan.spec.id}" if draft else plan.spec.id): done.drawings
                for plan, done in zip(todo, staged, strict=True)
            }
            keep_drawings(stage / CHART_CACHE, output / CHART_CACHE, used)
        if not draft:
            refresh(output, root / "templates", base_url=site)
    return outcomes


def _base_url(root: Path, problems: Problems) -> str:
    """The public address of the output folder (briefing.toml or BRIEFING_BASE_URL), which the
    index and the feed link with; its problems are the build's."""
    from briefing.config.settings import load

    try:
        return load(root).base_url
    except InputError as exc:
        problems.items.extend(exc.problems)
        return ""


def keep_drawings(fresh: Path, cache: Path, used: dict[str, tuple[str, ...]]) -> None:
    """A build's new chart drawings join the cache once its editions are published, so a
    build that fails leaves the output folder exactly as it was, cache included. The cache
    then keeps only what the newest edition of each report drew (`used`, by report, recorded
    in its index): drawings of data that has since changed are never asked for again, and a
    briefing rebuilt on a schedule would otherwise leave one behind at every change."""
    from briefing.charts.draw import DRAWING_FILE

    try:
        cache.mkdir(exist_ok=True)
        if fresh.is_dir():
            for path in fresh.iterdir():
                os.replace(path, cache / path.name)
        index = cache / DRAWINGS_INDEX
        try:
            known = json.loads(index.read_text(encoding="utf-8"))
            known = known if isinstance(known, dict) else {}
        except (OSError, ValueError):
            known = {}
        known.update({report: sorted(keys) for report, keys in used.items()})
        write_atomic(index, (json.dumps(known, indent=1, sort_keys=True) + "\n").encode())
        wanted = {key for keys in known.values() if isinstance(keys, list) for key in keys}
        for path in cache.iterdir():
            drawn = DRAWING_FILE.fullmatch(path.name)
            if drawn is not None and drawn.group(1) not in wanted:
                path.unlink()
    except OSError:
        pass  # a cache that cannot be written or tidied only costs a later build a drawing


def _previous(edition: Edition | None, warn: Callable[[str], None]) -> Previous | None:
    from briefing.compose.snapshot import SnapshotError, read

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
    inputs = edition.manifest.inputs
    used = inputs.get("facts") if inputs is not None else None  # older manifests: None
    return Previous(
        edition.id,
        edition.generated,
        edition.manifest.current_to_text,
        snap,
        frozenset(used) if isinstance(used, dict) else None,
    )


@dataclass(frozen=True)
class _Job:
    """What every report of one build shares; plain data, so a worker process can take it."""

    root: Path
    output: Path
    stage: Path
    formats: tuple[str, ...]
    pdf_variant: str


def _heavy(formats: tuple[str, ...]) -> list[str]:
    """The formats worth a worker of their own, slowest first (the PDF)."""
    return [f for f in FORMATS if f in formats and REGISTRY[f].warm]


def _wanted(job: _Job) -> Drawings:
    from briefing.charts.draw import Drawings

    return Drawings(
        png=any(REGISTRY[f].needs_png for f in job.formats),
        cache=job.output / CHART_CACHE,
        fresh=job.stage / CHART_CACHE,
    )


def _warmups(
    spec: ReportSpec, formats: tuple[str, ...], jobs: int
) -> dict[int, tuple[tuple[str, ...], bool]]:
    """What each worker imports ahead for one report (`jobs` is at least 2), and whether it
    yields the processors to the print (see parallel.warm): the PDF engine in the first,
    matplotlib (for the charts) in the second, which has time to spare beside a print."""
    warmups: dict[int, tuple[str, ...]] = {}
    for n, fmt in enumerate(_heavy(formats)):
        warmups[n % jobs] = warmups.get(n % jobs, ()) + REGISTRY[fmt].warm
    if spec.charts:
        # The charts are on the way to the PDF and the Word file is not: the second worker
        # imports only what draws, and the Word libraries when it comes to them.
        warmups[1] = ("briefing.charts.draw",)
    printing = {n % jobs for n, fmt in enumerate(_heavy(formats)) if fmt == "pdf"}
    return {
        slot: (modules, bool(printing) and slot not in printing)
        for slot, modules in warmups.items()
    }


def _render_all(
    job: _Job,
    todo: list[_Plan],
    evidence: dict[str, Evidence],
    pool: Workers | None,
    say: Callable[[str], None],
    warn: Callable[[str], None],
    early: dict[str, Future],
) -> list[_Staged]:
    """Several reports and several jobs: whole reports to whichever worker is free. Otherwise
    one report at a time, its parts spread over the workers."""
    if pool is None or len(todo) == 1:
        return [
            _render(job, plan, evidence[plan.spec.id], say, warn, pool, early.get(plan.spec.id))
            for plan in todo
        ]
    executor = pool.pool(min(pool.jobs, len(todo)))
    futures = [executor.submit(_render_in_worker, job, p, evidence[p.spec.id]) for p in todo]
    staged = []
    for future in futures:
        result, messages = future.result()
        for to_warn, message in messages:
            (warn if to_warn else say)(message)
        staged.append(result)
    return staged


def _render_in_worker(
    job: _Job, plan: _Plan, ev: Evidence
) -> tuple[_Staged, list[tuple[bool, str]]]:
    """A whole report in a worker; what it would have printed is returned, in order."""
    messages: list[tuple[bool, str]] = []
    result = _render(
        job,
        plan,
        ev,
        lambda m: messages.append((False, m)),
        lambda m: messages.append((True, m)),
        None,
    )
    return result, messages


def _draw_all(
    charts: tuple, ev: Evidence, want: Drawings
) -> tuple[dict[str, dict[str, bytes]], list[str]]:
    """Every chart a report declares, drawn in a worker while the text is composed."""
    from briefing.base.derive import derive
    from briefing.charts.draw import drawings

    messages: list[str] = []
    derived = derive(ev.facts)
    drawn = {spec.id: drawings(spec, ev, derived, want, messages.append) for spec in charts}
    return drawn, messages


def _write_in_worker(
    fmt: str,
    doc: Document,
    target: Path,
    ctx: WriteContext,
    pngs: tuple[tuple, Evidence, Drawings] | None,
) -> None:
    """One format written in a worker; `pngs` (the chart declarations, the evidence and what
    to draw) when it needs PNGs nobody has drawn yet."""
    checkpoint("worker-write", target)
    if pngs is not None:
        drawn, _ = _draw_all(*pngs)
        for chart in doc.charts:  # the same objects the figures hold
            chart.png = drawn[chart.id]["png"]
    write_format(fmt, doc, target, ctx)


def _render(
    job: _Job,
    plan: _Plan,
    ev: Evidence,
    say: Callable[[str], None],
    warn: Callable[[str], None],
    pool: Workers | None,
    early: Future | None = None,
) -> _Staged:
    """Compose one report and write the edition (files, snapshot, manifest) into staging."""
    # Heavy imports only once the input is known to be good and the build is needed.
    from briefing.compose import snapshot
    from briefing.compose.document import WHAT_CHANGED_ID, Composer
    from briefing.publish import summary
    from briefing.publish.summary import SUMMARY
    from briefing.writers.html import HtmlWriter

    spec = plan.spec
    started = time.perf_counter()
    folder = job.stage / spec.id
    folder.mkdir()
    say(f"{spec.id}: {len(ev.facts)} facts from {len(ev.sources)} sources")
    want = _wanted(job)
    # With the charts drawn by a worker, the text is composed around placeholders, so the PDF
    # can start printing at once: it lays each chart out at its known size and reads the
    # drawing when it paints that page (writers/pdf.py).
    drawn = _Drawn(early, spec.id, say) if early is not None else None
    placeholders = (lambda _chart_id: {}) if drawn is not None else None
    composer = Composer(
        job.root,
        spec,
        ev,
        _previous(plan.previous, warn),
        want,
        say,
        placeholders,
        used=plan.fingerprint.facts,
        placed=plan.fingerprint.sections,
    )
    doc = composer.compose()
    # The edition keeps the evidence this report uses: the facts its fingerprint covers.
    kept = replace(ev, facts={f: ev.facts[f] for f in plan.fingerprint.facts if f in ev.facts})
    say(
        f"{spec.id}: {len(doc.sections)} sections, {len(doc.notes)} notes, {len(doc.charts)} charts"
    )
    # Writers share one context: the PDF prints the HTML rendered once for both. The archival
    # PDF carries the evidence as an attachment, so it is written first for that variant only;
    # otherwise while the other formats are written (at 50 times the facts the print would
    # wait a twentieth of a second for it).
    carried = snapshot.dump(kept, doc.fact_sections) if job.pdf_variant == "pdfa" else None
    ctx = WriteContext(
        job.root / "templates", spec.layout, spec.stylesheets, job.pdf_variant, carried
    )
    chosen = [f for f in FORMATS if f in job.formats]
    targets = {f: folder / f"{spec.id}.{REGISTRY[f].extension}" for f in chosen}
    pending = []
    slots = {fmt: n % pool.jobs for n, fmt in enumerate(_heavy(job.formats))} if pool else {}
    if drawn is not None and pool is not None:
        for fmt in [f for f in slots if REGISTRY[f].from_html]:
            printed = replace(ctx, cache={}, drawings=(want.cache, want.fresh))
            HtmlWriter().html(doc, printed, check=False)  # the finished page is checked below
            task = (fmt, doc, targets[fmt], printed, None)
            pending.append(pool.submit(slots.pop(fmt), _write_in_worker, *task))
        for chart in doc.charts:  # the same objects the figures hold
            drawings = drawn(chart.id)
            chart.svg, chart.svg_narrow = drawings["svg"], drawings.get("narrow.svg")
    if any(REGISTRY[f].from_html for f in chosen):
        HtmlWriter().html(doc, ctx)  # rendered (and checked) once, here, for every format
    if pool is not None:
        for fmt, slot in slots.items():
            # PNGs drawn beside the format that needs them, when the charts were drawn elsewhere.
            pngs = (
                (spec.charts, ev, replace(want, svg=False))
                if drawn is not None and REGISTRY[fmt].needs_png
                else None
            )
            task = (fmt, doc, targets[fmt], ctx, pngs)
            pending.append(pool.submit(slot, _write_in_worker, *task))
    for fmt in chosen:
        if pool is None or not REGISTRY[fmt].warm:
            write_format(fmt, doc, targets[fmt], ctx)
    (folder / EVIDENCE).write_bytes(carried or snapshot.dump(kept, doc.fact_sections))
    for future in pending:
        future.result()
    written = [(fmt, targets[fmt]) for fmt in chosen]
    changed = WHAT_CHANGED_ID if composer.changes is not None else None
    (folder / SUMMARY).write_bytes(summary.dump(summary.summarise(doc, changed)))

    changes = composer.changes
    manifest = Manifest(
        report=spec.id,
        title=spec.title,
        subtitle=spec.subtitle,
        author=spec.author,
        # The id and sequence are given when the edition is placed (EditionStore.place), so a
        # build that fails or is stopped before publishing takes no id and leaves the state
        # store untouched.
        previous=plan.previous.id if plan.previous else None,
        generated=doc.generated,
        built_at=build_time().isoformat(),
        current_to=doc.current_to.iso(),
        current_to_text=str(doc.current_to),
        tool_version=__version__,
        fingerprint=plan.fingerprint.digest,
        inputs=plan.fingerprint.inputs,
        options=plan.fingerprint.options,
        files=tuple(_file_entry(path, fmt) for fmt, path in written),
        evidence={
            **_file_entry(folder / EVIDENCE, "json").to_json(),
            "facts": len(kept.facts),
            "sources": len(ev.sources),
        },
        summary_file=_file_entry(folder / SUMMARY, "json").to_json(),
        changes=None
        if changes is None
        else Changes(
            tuple(changes.ids("added")),
            tuple(changes.ids("changed")),
            tuple(changes.ids("removed")),
            changes.summary(),
        ),
    )
    write_manifest(folder / MANIFEST, manifest)
    drawings = tuple(chart.key for chart in doc.charts)
    return _Staged(folder, time.perf_counter() - started, drawings)


class _Drawn:
    """Chart drawings a worker is making; the composer asks for each as it places it."""

    def __init__(self, future: Future, report: str, say: Callable[[str], None]):
        self.future, self.report, self.say = future, report, say
        self._drawn: dict[str, dict[str, bytes]] | None = None

    def __call__(self, chart_id: str) -> dict[str, bytes]:
        if self._drawn is None:
            self._drawn, messages = self.future.result()
            for message in messages:
                self.say(f"{self.report}: {message}")
        return self._drawn[chart_id]


def _file_entry(path: Path, fmt: str) -> FileEntry:
    data = path.read_bytes()
    return FileEntry(path.name, fmt, hashlib.sha256(data).hexdigest(), len(data))
