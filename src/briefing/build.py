"""The pipeline: validate everything, compose each report, render each format, publish.

Validation of every report and data file happens before any rendering, and publishing happens
only after every requested file has rendered, so bad input writes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, Problems
from .load import Evidence, ReportSpec, load_evidence, load_report, report_files
from .publish import publish, staging

FORMATS = ("pdf", "docx", "html")


@dataclass(frozen=True)
class Built:
    report: str
    files: list[Path]
    seconds: float


def select_reports(root: Path, wanted: list[str], problems: Problems) -> list[ReportSpec]:
    from .charts import KINDS

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
    specs = [load_report(p, root, problems, set(KINDS)) for p in chosen]
    return [s for s in specs if s is not None]


def build(
    root: Path,
    wanted: list[str],
    output: Path,
    formats: tuple[str, ...] = FORMATS,
    say: Callable[[str], None] = print,
) -> list[Built]:
    problems = Problems()
    specs = select_reports(root, wanted, problems)
    evidence: dict[str, Evidence] = {}
    for spec in specs:
        evidence[spec.id] = load_evidence(spec, root, problems)
    problems.raise_if_any()

    results: list[Built] = []
    with staging(output) as stage:
        staged = [
            (spec.id, *_render(root, spec, evidence[spec.id], stage, formats, say))
            for spec in specs
        ]
        for report_id, files, seconds in staged:
            placed = publish(files, output)
            for path in placed:
                say(f"{report_id}: wrote {path}")
            results.append(Built(report_id, placed, seconds))
    return results


def _render(
    root: Path,
    spec: ReportSpec,
    ev: Evidence,
    stage: Path,
    formats: tuple[str, ...],
    say: Callable[[str], None],
) -> tuple[list[Path], float]:
    """Compose one report and write each requested format into the staging folder."""
    # Heavy imports only once the input is known to be good.
    from .compose import Composer
    from .writers.docx import write_docx
    from .writers.html import LAYOUT, render_html
    from .writers.pdf import write_pdf

    started = time.perf_counter()
    say(f"{spec.id}: {len(ev.facts)} facts from {len(ev.sources)} sources")
    doc = Composer(root, spec, ev).compose()
    say(
        f"{spec.id}: {len(doc.sections)} sections, {len(doc.notes)} notes, {len(doc.charts)} charts"
    )
    files: list[Path] = []
    # The PDF is the HTML printed, so render it once for both, and not at all for DOCX alone.
    html = render_html(doc, root / "templates") if {"html", "pdf"} & set(formats) else ""
    if "html" in formats:
        files.append(stage / f"{spec.id}.html")
        files[-1].write_text(html, encoding="utf-8")
    if "pdf" in formats:
        files.append(stage / f"{spec.id}.pdf")
        write_pdf(html, files[-1], f"templates/{LAYOUT}")
    if "docx" in formats:
        files.append(stage / f"{spec.id}.docx")
        write_docx(doc, files[-1])
    return files, time.perf_counter() - started
