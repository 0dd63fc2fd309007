"""How fast a build is, and how it scales: `make bench` (or `python benchmarks/speed.py`).

Every run is a fresh process, as a scheduler or an author starts it, so import and start-up
costs count. Each case prints the median and spread of its runs and the peak memory of its
largest process; the cold and 50× cases also the whole process tree's, from one more run that
is sampled as it goes and not timed (see measure.py). Absolute times drift on a shared machine;
the ratios do not, because the two sides of each ratio run alternately in the same invocation.

Cases (all build the main report, all three formats, unless said otherwise):

1. cold: into an empty output folder, against WeasyPrint alone printing that build's own HTML
   in a fresh process (same typefaces, same tagged PDF/UA output);
2. charts as WeasyPrint sees them: the build's HTML printed, against the same HTML without its
   charts;
3. no change: the same build again, which must answer "up to date";
4. one fact changed: one number edited, then a build, against cold;
5. growth: evidence bases of 10 and 50 times the facts (generated, valid under every house rule),
   against the real one; and, for comparison, WeasyPrint alone printing the real and the 50×
   HTML;
6. many reports: twenty reports built with --jobs 1 and with --jobs 2.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

from measure import Series, ratio_line, run
from synthetic import MAIN_REPORT, copy_project, grow, many_reports

from briefing.base import fonts

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
BRIEFING = str(Path(sys.executable).with_name("briefing"))
CHART_RE = re.compile(r"<picture class=\"chart-image\">.*?</picture>", re.S)


def build_args(project: Path, output: Path, *extra: str, quiet: bool = True) -> list[str]:
    args = [BRIEFING, "build", "--project", str(project), "--output", str(output), *extra]
    return args + ["-q"] if quiet else args


def print_args(html: Path, pdf: Path) -> list[str]:
    faces = [str(f.path) for f in fonts.faces()]
    return [PYTHON, str(HERE / "print_only.py"), str(html), str(pdf), *faces]


def fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def cold_and_print(work: Path, runs: int) -> tuple[Series, Series]:
    project = copy_project(work / "real")
    cold, alone = Series("cold build, all three formats"), Series("WeasyPrint alone, same HTML")
    for _ in range(runs):
        out = fresh(work / "cold-out")
        cold.samples.append(run(build_args(project, out, MAIN_REPORT), project))
        alone.samples.append(
            run(print_args(out / f"{MAIN_REPORT}.html", work / "alone.pdf"), project)
        )
    out = fresh(work / "cold-out")
    cold.trees.append(run(build_args(project, out, MAIN_REPORT), project, sample_tree=True))
    return cold, alone


def charts_cost(work: Path, runs: int) -> tuple[Series, Series]:
    html = (work / "cold-out" / f"{MAIN_REPORT}.html").read_text(encoding="utf-8")
    bare = work / "no-charts.html"
    bare.write_text(CHART_RE.sub("", html), encoding="utf-8")
    with_charts = work / "with-charts.html"
    with_charts.write_text(html, encoding="utf-8")
    full, without = Series("print the build's HTML"), Series("print it without charts")
    for _ in range(runs):
        full.samples.append(run(print_args(with_charts, work / "a.pdf"), work))
        without.samples.append(run(print_args(bare, work / "b.pdf"), work))
    return full, without


def no_change(work: Path, runs: int) -> Series:
    project = work / "real"
    out = work / "cold-out"
    series = Series("no change (up to date)")
    for _ in range(runs):
        series.samples.append(run(build_args(project, out, MAIN_REPORT), project))
    return series


def one_fact(work: Path, runs: int) -> tuple[Series, Series, list[str]]:
    project = copy_project(work / "edited")
    energy = project / "data" / "facts" / "energy.yaml"
    out = fresh(work / "edited-out")
    run(build_args(project, out, MAIN_REPORT), project)
    changed, cold = Series("one number changed"), Series("cold build (side by side)")
    logs: list[str] = []
    for n in range(runs):
        # A value no earlier run used, so the chart it feeds is never already drawn.
        text = energy.read_text(encoding="utf-8")
        value = re.search(r"gasoline: \{value: (\d+)", text)
        if value is None:
            raise SystemExit(f"benchmark: {energy.name} no longer holds the gasoline quantity")
        fresh_value = 2_350_000 + 1_000 * (n + 1)
        energy.write_text(
            text.replace(value.group(0), f"gasoline: {{value: {fresh_value}", 1), encoding="utf-8"
        )
        changed.samples.append(run(build_args(project, out, MAIN_REPORT, quiet=False), project))
        logs = [line for line in changed.samples[-1].output.splitlines() if "drawing chart" in line]
        cold.samples.append(
            run(build_args(project, fresh(work / "cold2-out"), MAIN_REPORT), project)
        )
    return changed, cold, logs


def growth(work: Path, runs: int) -> list[Series]:
    real = work / "real"
    projects = {1: real if real.is_dir() else copy_project(real)}
    counts = {}
    for factor in (10, 50):
        projects[factor] = copy_project(work / f"grown-{factor}")
        counts[factor] = grow(projects[factor], factor)
    series = {
        f: Series(f"{f}× facts" + (f" ({counts[f]} facts)" if f in counts else " (real briefing)"))
        for f in projects
    }
    for _ in range(runs):
        for factor, project in projects.items():
            out = fresh(work / f"grown-out-{factor}")
            series[factor].samples.append(run(build_args(project, out, MAIN_REPORT), project))
    out = fresh(work / "grown-out-50")
    series[50].trees.append(
        run(build_args(projects[50], out, MAIN_REPORT), projects[50], sample_tree=True)
    )
    # For comparison: how WeasyPrint alone scales, printing the same two HTML files.
    for factor in (1, 50):
        series[-factor] = Series(f"WeasyPrint alone, {'real' if factor == 1 else '50×'} HTML")
    for _ in range(runs):
        for factor in (1, 50):
            html = work / f"grown-out-{factor}" / f"{MAIN_REPORT}.html"
            series[-factor].samples.append(run(print_args(html, work / "alone.pdf"), work))
    return list(series.values())


def jobs(work: Path, runs: int, count: int = 20) -> tuple[Series, Series]:
    project = copy_project(work / "many")
    many_reports(project, count)
    one, two = Series(f"{count} reports, --jobs 1"), Series(f"{count} reports, --jobs 2")
    for _ in range(runs):
        one.samples.append(run(build_args(project, fresh(work / "many-1"), "--jobs", "1"), project))
        two.samples.append(run(build_args(project, fresh(work / "many-2"), "--jobs", "2"), project))
    return one, two


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per case (default 5)")
    parser.add_argument(
        "--only", default="cold,charts,nochange,onefact,growth,jobs", help="cases to run"
    )
    args = parser.parse_args()
    only = set(args.only.split(","))
    runs = args.runs
    print(f"briefing benchmark: {runs} runs per case, each a fresh process\n", flush=True)
    with tempfile.TemporaryDirectory(prefix="briefing-bench-") as tmp:
        work = Path(tmp)
        cold = alone = None
        if only & {"cold", "charts", "nochange"}:
            cold, alone = cold_and_print(work, runs)
            print("1. cold", flush=True)
            print(cold.line())
            print(alone.line())
            print(
                ratio_line(
                    "cold ÷ WeasyPrint alone",
                    cold,
                    alone,
                    "≤ 1.10",
                    cold.median <= 1.10 * alone.median,
                )
            )
            print(
                f"  {'peak memory (largest process), cold':<44} {cold.peak_mb:5.0f} MB   "
                f"target ≤ 200 MB  {'holds' if cold.peak_mb <= 200 else 'MISSED'}\n"
                f"  {'whole process tree at once, cold':<44} {cold.tree_mb:5.0f} MB   (no target)\n",
                flush=True,
            )
        if "charts" in only:
            full, bare = charts_cost(work, runs)
            print("2. charts as WeasyPrint sees them")
            print(full.line())
            print(bare.line())
            print(
                ratio_line(
                    "with ÷ without charts", full, bare, "≤ 1.15", full.median <= 1.15 * bare.median
                )
                + "\n",
                flush=True,
            )
        if "nochange" in only:
            s = no_change(work, max(runs, 10))
            print("3. no change")
            print(s.line())
            print(
                f"  {'median':<44} {s.median:5.2f} s    target ≤ 0.30 s  {'holds' if s.median <= 0.3 else 'MISSED'}\n",
                flush=True,
            )
        if "onefact" in only:
            changed, cold2, logs = one_fact(work, runs)
            print("4. one fact changed")
            print(changed.line())
            print(cold2.line())
            for line in logs:
                print(f"    log: {line}")
            print(
                ratio_line(
                    "one fact ÷ cold",
                    changed,
                    cold2,
                    "≤ 0.90",
                    changed.median <= 0.9 * cold2.median,
                )
                + "\n",
                flush=True,
            )
        if "growth" in only:
            real, ten, fifty, alone_real, alone_fifty = growth(work, max(3, runs - 2))
            print("5. growth")
            for s in (real, ten, fifty, alone_real, alone_fifty):
                print(s.line())
            print(
                ratio_line("10× facts ÷ real", ten, real, "≤ 1.8", ten.median <= 1.8 * real.median)
            )
            print(
                ratio_line(
                    "50× facts ÷ real", fifty, real, "≤ 5.0", fifty.median <= 5 * real.median
                )
            )
            print(
                f"  {'peak memory (largest process), 50× facts':<44} {fifty.peak_mb:5.0f} MB   "
                f"target ≤ 400 MB  {'holds' if fifty.peak_mb <= 400 else 'MISSED'}\n"
                f"  {'whole process tree at once, 50× facts':<44} {fifty.tree_mb:5.0f} MB   "
                "(no target)\n"
                f"  {'WeasyPrint alone, 50× HTML ÷ real HTML':<44} "
                f"{alone_fifty.median / alone_real.median:5.2f} ×   (for comparison, no target)\n",
                flush=True,
            )
        if "jobs" in only:
            one, two = jobs(work, max(3, runs - 2))
            print("6. many reports")
            print(one.line())
            print(two.line())
            print(
                ratio_line("--jobs 1 ÷ --jobs 2", one, two, "≥ 1.7", one.median >= 1.7 * two.median)
                + "\n",
                flush=True,
            )


if __name__ == "__main__":
    main()
