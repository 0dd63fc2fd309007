"""Which worker does what (workers.py runs them; render.py does one report's steps).

With several reports and several workers, each worker takes whole reports, the next as soon as
it is free. With one report, its parts are spread: each format worth a worker of its own (the
registry names modules for it to `warm`) gets one, which imports them while the document is
still composed; the charts are drawn in the second worker meanwhile; and the workers beside the
build's longest task (the format the registry marks `critical`) yield the processors to it.
Everything here is decided from the registry, never from a format's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from briefing.config.specs import Evidence, ReportSpec
from briefing.publish.render import Job, Plan, Staged, draw_all, render
from briefing.writers import FORMATS, REGISTRY

if TYPE_CHECKING:
    from concurrent.futures import Future

    from briefing.publish.workers import Workers

CHARTS_SLOT = 1  # the worker that draws a single report's charts


def spread(pool: Workers | None, todo: list[Plan]) -> bool:
    """Whether one report's parts go to several workers (rather than whole reports, or
    everything in this process)."""
    return pool is not None and len(todo) == 1


def heavy(formats: tuple[str, ...]) -> list[str]:
    """The formats worth a worker of their own, slowest first (the registry's order)."""
    return [f for f in FORMATS if f in formats and REGISTRY[f].warm]


def format_slots(formats: tuple[str, ...], jobs: int) -> dict[str, int]:
    """The worker each format worth one is written in."""
    return {fmt: n % jobs for n, fmt in enumerate(heavy(formats))}


def warmups(
    spec: ReportSpec, formats: tuple[str, ...], jobs: int
) -> dict[int, tuple[tuple[str, ...], bool]]:
    """What each worker imports ahead for one report (`jobs` is at least 2), and whether it
    yields the processors to the critical format (see workers.warm): the print's engine in the
    first, matplotlib (for the charts) in the second, which has time to spare beside a print."""
    slots = format_slots(formats, jobs)
    warmups: dict[int, tuple[str, ...]] = {}
    for fmt, slot in slots.items():
        warmups[slot] = warmups.get(slot, ()) + REGISTRY[fmt].warm
    if spec.charts:
        # The charts are on the way to the print and the other formats are not: this worker
        # imports only what draws, and what the other formats need when it comes to them.
        warmups[CHARTS_SLOT] = ("briefing.charts.draw",)
    critical = {slot for fmt, slot in slots.items() if REGISTRY[fmt].critical}
    return {
        slot: (modules, bool(critical) and slot not in critical)
        for slot, modules in warmups.items()
    }


def warm_up(pool: Workers | None, todo: list[Plan], formats: tuple[str, ...]) -> None:
    """Start the workers one report needs on their imports, before its evidence is read."""
    from briefing.publish.workers import warm

    if pool is None or not spread(pool, todo):
        return
    for slot, (modules, yielding) in warmups(todo[0].spec, formats, pool.jobs).items():
        pool.submit(slot, warm, modules, yielding)


def draw_ahead(
    job: Job, pool: Workers | None, todo: list[Plan], plan: Plan, ev: Evidence
) -> Future | None:
    """One report's charts, sent to be drawn while its templates are checked and its text
    composed. The SVGs are on the way to the print; PNGs come later, beside the format that
    needs them."""
    if pool is None or not spread(pool, todo) or not plan.spec.charts:
        return None
    svgs = replace(job.drawings(), png=False)
    return pool.submit(CHARTS_SLOT, draw_all, plan.spec.charts, ev, svgs)


def render_all(
    job: Job,
    todo: list[Plan],
    evidence: dict[str, Evidence],
    pool: Workers | None,
    say: Callable[[str], None],
    warn: Callable[[str], None],
    early: dict[str, Future],
) -> list[Staged]:
    """Several reports and several jobs: whole reports to whichever worker is free. Otherwise
    one report at a time, its parts spread over the workers."""
    if pool is None or spread(pool, todo):
        slots = format_slots(job.formats, pool.jobs) if pool is not None else {}
        return [
            render(job, p, evidence[p.spec.id], say, warn, pool, slots, early.get(p.spec.id))
            for p in todo
        ]
    executor = pool.pool(min(pool.jobs, len(todo)))
    futures = [executor.submit(render_in_worker, job, p, evidence[p.spec.id]) for p in todo]
    staged = []
    for future in futures:
        result, messages = future.result()
        for to_warn, message in messages:
            (warn if to_warn else say)(message)
        staged.append(result)
    return staged


def render_in_worker(job: Job, plan: Plan, ev: Evidence) -> tuple[Staged, list[tuple[bool, str]]]:
    """A whole report in a worker; what it would have printed is returned, in order."""
    messages: list[tuple[bool, str]] = []
    result = render(
        job,
        plan,
        ev,
        lambda m: messages.append((False, m)),
        lambda m: messages.append((True, m)),
    )
    return result, messages
