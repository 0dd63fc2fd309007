"""One report rendered into the staging folder: composed, written in each format, and described
by its evidence snapshot, summary and manifest, in that order.

Which worker does what is decided in schedule.py and handed in (the workers, which format each
one writes, the charts a worker is already drawing); this module only does one report's steps, in
whichever process it is given, and knows no format by name: the registry (writers/) says which
formats print the HTML, which need PNG charts and which carry the evidence.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from briefing import __version__
from briefing.base.clock import build_time
from briefing.base.files import checkpoint
from briefing.compose.changes import Previous
from briefing.config.specs import Evidence, ReportSpec
from briefing.publish.editions import EVIDENCE, MANIFEST, Edition, EditionStore, write_manifest
from briefing.publish.fingerprint import Fingerprint
from briefing.publish.manifest import Changes, FileEntry, Manifest
from briefing.writers import FORMATS, REGISTRY, WriteContext, write_format

if TYPE_CHECKING:
    from concurrent.futures import Future

    from briefing.base.model import Document
    from briefing.charts.draw import Drawings
    from briefing.compose.document import Composer
    from briefing.publish.workers import Workers

# Chart drawings kept between builds, under the output folder (see charts.Drawings).
CHART_CACHE = ".charts"


@dataclass(frozen=True)
class Job:
    """What every report of one build shares; plain data, so a worker process can take it."""

    root: Path
    output: Path
    stage: Path
    formats: tuple[str, ...]
    options: dict[str, str]  # every option of those formats, chosen or default (writers.Option)

    def drawings(self) -> Drawings:
        """What to draw of each chart (PNG only for a format that reads it), and where the
        drawings are kept between builds and where this build's new ones go."""
        from briefing.charts.draw import Drawings

        return Drawings(
            png=any(REGISTRY[f].needs_png for f in self.formats),
            cache=self.output / CHART_CACHE,
            fresh=self.stage / CHART_CACHE,
        )

    def carries_evidence(self) -> bool:
        return any(REGISTRY[f].carries_evidence(self.options) for f in self.formats)


@dataclass
class Plan:
    """One report the build renders."""

    spec: ReportSpec
    store: EditionStore
    fingerprint: Fingerprint
    previous: Edition | None  # the newest published edition


class Staged(NamedTuple):
    """One report's edition, written into staging and not yet placed."""

    folder: Path
    seconds: float
    drawings: tuple[str, ...]  # the chart drawings it used, by key


def render(
    job: Job,
    plan: Plan,
    ev: Evidence,
    say: Callable[[str], None],
    warn: Callable[[str], None],
    pool: Workers | None = None,
    slots: dict[str, int] | None = None,
    early: Future | None = None,
) -> Staged:
    """Compose one report and write the edition (files, snapshot, manifest) into staging.
    `slots`: the worker each format worth one is written in (schedule.format_slots); `early`:
    the charts a worker is drawing (schedule.draw_ahead)."""
    # Heavy imports only once the input is known to be good and the build is needed.
    from briefing.compose import snapshot

    spec = plan.spec
    started = time.perf_counter()
    folder = job.stage / spec.id
    folder.mkdir()
    say(f"{spec.id}: {len(ev.facts)} facts from {len(ev.sources)} sources")
    drawn = _Drawn(early, spec.id, say) if early is not None else None
    composer, doc = compose(job, plan, ev, say, warn, drawn)
    kept = _kept(plan, ev)
    say(
        f"{spec.id}: {len(doc.sections)} sections, {len(doc.notes)} notes, {len(doc.charts)} charts"
    )
    # A format that embeds the evidence needs it before it is written, so it is made first for
    # such a build only; otherwise while the other formats are written (at 50 times the facts
    # the print would wait a twentieth of a second for it).
    carried = snapshot.dump(kept, doc.fact_sections) if job.carries_evidence() else None
    ctx = write_context(job, spec, carried)
    targets = {
        f: folder / f"{spec.id}.{REGISTRY[f].extension}" for f in FORMATS if f in job.formats
    }
    pending = _write_formats(job, plan, ev, doc, ctx, targets, pool, slots or {}, drawn)
    (folder / EVIDENCE).write_bytes(carried or snapshot.dump(kept, doc.fact_sections))
    for future in pending:
        future.result()
    _write_summary(folder, doc, composer)
    write_manifest(folder / MANIFEST, _manifest(plan, doc, composer, folder, targets, kept, ev))
    drawings = tuple(chart.key for chart in doc.charts)
    return Staged(folder, time.perf_counter() - started, drawings)


def write_context(job: Job, spec: ReportSpec, evidence: bytes | None = None) -> WriteContext:
    """What the writers of one report share (its layout, stylesheets, the options chosen);
    `evidence`: the snapshot, for a format that carries it."""
    return WriteContext(
        job.root / "templates",
        spec.layout,
        spec.stylesheets,
        options=dict(job.options),
        evidence=evidence,
    )


def compose(
    job: Job,
    plan: Plan,
    ev: Evidence,
    say: Callable[[str], None],
    warn: Callable[[str], None],
    drawn: _Drawn | None = None,
) -> tuple[Composer, Document]:
    """The document. With the charts drawn by a worker, the text is composed around
    placeholders, so a print can start at once: it lays each chart out at its known size and
    reads the drawing when it paints that page (writers/pdf)."""
    from briefing.compose.document import Composer

    placeholders = (lambda _chart_id: {}) if drawn is not None else None
    composer = Composer(
        job.root,
        plan.spec,
        ev,
        _previous(plan.previous, warn),
        job.drawings(),
        say,
        placeholders,
        used=plan.fingerprint.facts,
        placed=plan.fingerprint.sections,
    )
    return composer, composer.compose()


# What stands in for a chart's drawing when a document is composed only to be checked: an empty
# picture of the kind the page embeds, so the page is checked as it will be, drawn or not.
UNDRAWN = {"svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'}


def proof(root: Path, spec: ReportSpec, ev: Evidence) -> Document:
    """The report composed and its page rendered as a build does (the templates with their
    prose rules, the charts' data, the layout and the checks on the finished page), with no
    chart drawn, no worker started and nothing written: what `briefing check` runs once the
    checks before rendering pass. Raises InputError, as the build would at the same step."""
    from briefing.compose.document import Composer
    from briefing.writers.html import HtmlWriter

    doc = Composer(root, spec, ev, drawn=lambda _chart_id: dict(UNDRAWN)).compose()
    HtmlWriter().html(doc, WriteContext(root / "templates", spec.layout, spec.stylesheets))
    return doc


def _kept(plan: Plan, ev: Evidence) -> Evidence:
    """The evidence the edition keeps: the facts its fingerprint covers."""
    return replace(ev, facts={f: ev.facts[f] for f in plan.fingerprint.facts if f in ev.facts})


def _write_formats(
    job: Job,
    plan: Plan,
    ev: Evidence,
    doc: Document,
    ctx: WriteContext,
    targets: dict[str, Path],
    pool: Workers | None,
    slots: dict[str, int],
    drawn: _Drawn | None,
) -> list[Future]:
    """Every format written: those with a worker of their own sent to it (the futures to wait
    for are returned), the others here. Writers share one context: a format that prints the
    HTML prints the rendering made once for every format."""
    from briefing.writers.html import HtmlWriter

    slots = dict(slots)
    pending = []
    if drawn is not None and pool is not None:
        pending += _start_prints(job, doc, ctx, targets, pool, slots)
        _place_drawings(doc, drawn)
    if any(REGISTRY[f].from_html for f in targets):
        HtmlWriter().html(doc, ctx)  # rendered (and checked) once, here, for every format
    if pool is not None:
        for fmt, slot in slots.items():
            pngs = _pngs_to_draw(job, plan, ev, fmt) if drawn is not None else None
            pending.append(pool.submit(slot, write_in_worker, fmt, doc, targets[fmt], ctx, pngs))
    for fmt, target in targets.items():
        if pool is None or not REGISTRY[fmt].warm:
            write_format(fmt, doc, target, ctx)
    return pending


def _start_prints(
    job: Job,
    doc: Document,
    ctx: WriteContext,
    targets: dict[str, Path],
    pool: Workers,
    slots: dict[str, int],
) -> list[Future]:
    """The formats that print the HTML, sent to their workers before the charts are drawn:
    each gets its own rendering, which names the drawings still to come, and reads each from
    where it will appear (writers/pdf). Their slots are taken from `slots`."""
    from briefing.writers.html import HtmlWriter

    drawings = job.drawings()
    pending = []
    for fmt in [f for f in slots if REGISTRY[f].from_html]:
        printed = replace(ctx, cache={}, drawings=(drawings.cache, drawings.fresh))
        HtmlWriter().html(doc, printed, check=False)  # the finished page is checked later
        task = (fmt, doc, targets[fmt], printed, None)
        pending.append(pool.submit(slots.pop(fmt), write_in_worker, *task))
    return pending


def _place_drawings(doc: Document, drawn: _Drawn) -> None:
    """The SVGs a worker drew, put into the charts the figures hold (the same objects)."""
    for chart in doc.charts:
        drawings = drawn(chart.id)
        chart.svg, chart.svg_narrow = drawings["svg"], drawings.get("narrow.svg")


def _pngs_to_draw(
    job: Job, plan: Plan, ev: Evidence, fmt: str
) -> tuple[tuple, Evidence, Drawings] | None:
    """For a format that needs PNGs when the charts were drawn elsewhere (as SVG only): what to
    draw them from, beside that format's writing."""
    if not REGISTRY[fmt].needs_png:
        return None
    return plan.spec.charts, ev, replace(job.drawings(), svg=False)


def _write_summary(folder: Path, doc: Document, composer: Composer) -> None:
    from briefing.compose.document import WHAT_CHANGED_ID
    from briefing.publish import summary
    from briefing.publish.summary import SUMMARY

    changed = WHAT_CHANGED_ID if composer.changes is not None else None
    (folder / SUMMARY).write_bytes(summary.dump(summary.summarise(doc, changed)))


def _manifest(
    plan: Plan,
    doc: Document,
    composer: Composer,
    folder: Path,
    targets: dict[str, Path],
    kept: Evidence,
    ev: Evidence,
) -> Manifest:
    from briefing.publish.summary import SUMMARY

    spec, changes = plan.spec, composer.changes
    return Manifest(
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
        files=tuple(_file_entry(path, fmt) for fmt, path in targets.items()),
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


def _file_entry(path: Path, fmt: str) -> FileEntry:
    data = path.read_bytes()
    return FileEntry(path.name, fmt, hashlib.sha256(data).hexdigest(), len(data))


def _previous(edition: Edition | None, warn: Callable[[str], None]) -> Previous | None:
    """What the previous edition held, for the section that says what changed since."""
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


# ---------------------------------------------------------------- tasks for workers ---------------


def draw_all(
    charts: tuple, ev: Evidence, want: Drawings
) -> tuple[dict[str, dict[str, bytes]], list[str]]:
    """Every chart a report declares, drawn in a worker while the text is composed."""
    from briefing.base.derive import derive
    from briefing.charts.draw import drawings

    messages: list[str] = []
    derived = derive(ev.facts)
    drawn = {spec.id: drawings(spec, ev, derived, want, messages.append) for spec in charts}
    return drawn, messages


def write_in_worker(
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
        drawn, _ = draw_all(*pngs)
        for chart in doc.charts:  # the same objects the figures hold
            chart.png = drawn[chart.id]["png"]
    write_format(fmt, doc, target, ctx)


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
