"""The pipeline: lock, decide, validate, compose, render, publish an edition.

A scheduler calls it blindly, so the order matters:
1. take the output folder's lock, and sweep up what a killed build left;
2. read each report definition and fingerprint its inputs; a report whose newest edition has the
   same fingerprint is up to date, decided before any rendering library is imported;
3. validate every remaining report's evidence, all problems at once, before writing anything;
4. render each into a staging folder with its manifest and evidence snapshot (render.py, one
   report's steps; schedule.py, which worker does what);
5. publish: move each staged edition into the store and switch `current` to it, then refresh
   the index and feed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefing.base import stopping
from briefing.base.cachedirs import prepare as prepare_caches
from briefing.base.errors import InputError, Problems
from briefing.base.files import checkpoint, write_atomic
from briefing.compose.preflight import check_templates
from briefing.config.load import load_evidence, load_report, report_files
from briefing.config.specs import Evidence, ReportSpec
from briefing.publish.catalog import refresh
from briefing.publish.editions import EditionStore
from briefing.publish.fingerprint import Fingerprint, fingerprint
from briefing.publish.lock import output_lock
from briefing.publish.render import CHART_CACHE, Job, Plan, Staged
from briefing.publish.schedule import draw_ahead, render_all, warm_up
from briefing.publish.staging import ensure_folder, staging, sweep
from briefing.writers import FORMATS, check_system, chosen_options

if TYPE_CHECKING:
    from concurrent.futures import Future

    from briefing.publish.workers import Workers

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


def chosen_reports(root: Path, wanted: list[str], problems: Problems) -> list[Path]:
    """The definition files of the reports `wanted` (default: all), in that order; each name
    that is no report is a problem. None at all is an InputError."""
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
    return [by_id[n] for n in wanted if n in by_id] if wanted else files


def select_reports(root: Path, wanted: list[str], problems: Problems) -> list[ReportSpec]:
    specs = [load_report(p, root, problems) for p in chosen_reports(root, wanted, problems)]
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
    options: Mapping[str, str] | None = None,
    warn: Callable[[str], None] = print,
    jobs: int | None = 1,
    explain: Callable[[str], None] | None = None,
) -> list[Outcome]:
    """`options`: the formats' own options (writers.Option), by name; the others at their
    defaults. `jobs`: at most that many worker processes; None for one per usable processor.
    `explain`: where `build --verbose` says why each report is or is not up to date (the
    fingerprint parts that moved, reasons.py), what is rendered and where it goes."""
    check_system(formats)  # before any work: one line naming what to install
    chosen = chosen_options(formats, options or {})
    ensure_folder(output)
    prepare_caches(output)  # before matplotlib or WeasyPrint is imported, here or in a worker
    with output_lock(output, wait, say):
        sweep(output)
        problems = Problems()
        specs = select_reports(root, wanted, problems)
        site = base_url(root, problems)
        problems.raise_if_any()

        outcomes, todo = _decide(specs, root, output, formats, chosen, say, warn, force, explain)
        if not todo:
            refresh(output, root / "templates", base_url=site)
            return outcomes
        # Only a build that renders pays for the worker machinery (and for counting processors).
        from briefing.base.processes import usable_cpus
        from briefing.publish.workers import workers

        # Workers start now, so WeasyPrint is imported while the evidence is checked and the
        # document composed; they are stopped before the staging folder is removed.
        with staging(output) as stage, workers(jobs or usable_cpus()) as pool:
            warm_up(pool, todo, formats)
            evidence = check_evidence([plan.spec for plan in todo], root, problems)
            problems.raise_if_any()
            job = Job(root, output, stage, formats, chosen)
            early = _validate(job, todo, evidence, pool, problems)
            problems.raise_if_any()

            staged = render_all(job, todo, evidence, pool, say, warn, early)
            checkpoint("rendered")
            stopping.hold()  # publishing, once begun, is finished (see stopping.py)
            outcomes += _publish(todo, staged, output, say)
            used = {plan.spec.id: done.drawings for plan, done in zip(todo, staged, strict=True)}
            keep_drawings(stage / CHART_CACHE, output / CHART_CACHE, used)
        refresh(output, root / "templates", base_url=site)
    return outcomes


def check_evidence(specs: list[ReportSpec], root: Path, problems: Problems) -> dict[str, Evidence]:
    """Each report's evidence, loaded and validated, and each chart's kind and fields, reported
    with the evidence's problems: what a build checks once it knows what it renders, and what
    `briefing check` checks of every report it is asked about."""
    evidence = {spec.id: load_evidence(spec, root, problems) for spec in specs}
    # Imported here, past a build's up-to-date decision, which needs no chart kind.
    from briefing.charts.data import check_declarations

    for spec in specs:
        check_declarations(spec.charts, problems)
    return evidence


def check_report(
    spec: ReportSpec,
    ev: Evidence,
    root: Path,
    problems: Problems,
    later_edition: bool,
    charts_checked: Callable[[], None] = lambda: None,
) -> None:
    """One report's charts checked against its evidence, then its templates parsed and its
    stylesheets read (preflight.py): what a build checks before it writes, and what
    `briefing preview` checks before each draft. `charts_checked` runs between the two: a build
    sends the charts to be drawn there, while the templates are checked."""
    from briefing.charts.data import check as check_charts

    check_charts(spec.charts, ev, problems)
    charts_checked()
    check_templates(spec, root, problems, later_edition=later_edition)


def _decide(
    specs: list[ReportSpec],
    root: Path,
    output: Path,
    formats: tuple[str, ...],
    options: dict[str, str],
    say: Callable[[str], None],
    warn: Callable[[str], None],
    force: bool,
    explain: Callable[[str], None] | None = None,
) -> tuple[list[Outcome], list[Plan]]:
    """Each report up to date (its outcome) or to be rendered (its plan), decided from
    fingerprints alone, before any rendering library is imported; told why to `explain`."""
    tell = explain or (lambda _m: None)
    outcomes: list[Outcome] = []
    todo: list[Plan] = []
    for spec in specs:
        store = EditionStore(output, spec.id)
        newest = store.newest()
        # The newest edition's manifest keeps its templates' analyses (fingerprint.py).
        known = newest.manifest.inputs if newest is not None else None
        fp = fingerprint(spec, root, formats, options, known)
        for message in store.warnings:
            warn(message)
        if newest is not None and not force and newest.fingerprint == fp.digest:
            if not store.is_published(newest):
                store.publish(newest)  # a build killed after placing it, before the switch
            say(f"{spec.id}: up to date (edition {newest.id})")
            tell(
                f"{spec.id}: its report, data, templates, styles, tool and options are as "
                f"edition {newest.id} recorded them (fingerprint {fp.digest[:19]}…); nothing "
                "to write"
            )
            outcomes.append(Outcome(spec.id, UP_TO_DATE, newest.id, [], 0.0))
        else:
            if explain is not None:
                _why(spec, newest, fp, force, tell)
                chosen = ", ".join(f"{k}={v}" for k, v in sorted(options.items()))
                chosen = f" ({chosen})" if chosen else ""
                tell(
                    f"{spec.id}: rendering {', '.join(formats)}{chosen} into a new edition "
                    f"under {store.folder / 'editions'}"
                )
            todo.append(Plan(spec, store, fp, newest))
    return outcomes, todo


def _why(
    spec: ReportSpec,
    newest: Any,
    fp: Fingerprint,
    force: bool,
    tell: Callable[[str], None],
) -> None:
    """Why `spec` is rendered: no edition yet, --force, or each fingerprint part that moved."""
    from briefing.publish.reasons import differences

    if newest is None:
        tell(f"{spec.id}: no edition yet, so one is built")
        return
    if force:
        tell(f"{spec.id}: --force given: a new edition even if nothing changed")
    if newest.fingerprint == fp.digest:
        return
    for line in differences(newest.manifest.inputs, newest.manifest.options, fp):
        tell(f"{spec.id}: changed since edition {newest.id}: {line}")


def _validate(
    job: Job,
    todo: list[Plan],
    evidence: dict[str, Evidence],
    pool: Workers | None,
    problems: Problems,
) -> dict[str, Future]:
    """Every report's charts and templates checked against its evidence, all problems at once,
    before anything is written. A report whose charts check out has them sent to be drawn
    while its templates are checked (schedule.draw_ahead); those drawings are returned."""
    early: dict[str, Future] = {}
    for plan in todo:
        ev = evidence[plan.spec.id]

        def start_drawing(plan: Plan = plan, ev: Evidence = ev) -> None:
            if not problems and (future := draw_ahead(job, pool, todo, plan, ev)) is not None:
                early[plan.spec.id] = future

        later = plan.previous is not None
        check_report(plan.spec, ev, job.root, problems, later, start_drawing)
    return early


def _publish(
    todo: list[Plan],
    staged: list[Staged],
    output: Path,
    say: Callable[[str], None],
) -> list[Outcome]:
    """Each staged edition moved into its store and made current."""
    outcomes = []
    for plan, (folder, seconds, _) in zip(todo, staged, strict=True):
        edition = plan.store.place(folder)
        checkpoint("placed")
        plan.store.publish(edition)
        checkpoint("published")
        summary = edition.summary
        files = [output / f"{plan.spec.id}.{f.format}" for f in edition.manifest.files]
        say(f"{plan.spec.id}: published edition {edition.id} ({summary})")
        for path in files:
            say(f"{plan.spec.id}: wrote {path}")
        outcomes.append(Outcome(plan.spec.id, PUBLISHED, edition.id, files, seconds, summary))
    return outcomes


def base_url(root: Path, problems: Problems) -> str:
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
