"""Build-time medians (cold process each run), printed, not asserted. Run with `make bench`.

Each run is a fresh `briefing` process, so import and font start-up costs count as a user sees
them. Two paths matter to a scheduler:

- the no-change path: inputs unchanged since the newest edition, so the command must decide
  "up to date" and exit without importing WeasyPrint, matplotlib or pandoc (budget: 0.3 s);
- a full build, per format, with --force so that every run renders.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 5
NO_CHANGE_RUNS = 20
NO_CHANGE_BUDGET = 0.3


def timed(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, check=True, cwd=ROOT, capture_output=True)
    return time.perf_counter() - started


def report(label: str, times: list[float]) -> float:
    median = statistics.median(times)
    print(
        f"{label:>22}: median {median:.3f}s "
        f"(min {min(times):.3f}s, max {max(times):.3f}s, {len(times)} runs)",
        flush=True,
    )
    return median


def main() -> None:
    briefing = str(Path(sys.executable).with_name("briefing"))
    with tempfile.TemporaryDirectory() as out:
        build = [briefing, "build", "-q", "--output", out]
        timed(build)  # the edition the no-change runs compare against
        median = report("no change (up to date)", [timed(build) for _ in range(NO_CHANGE_RUNS)])
        verdict = "within" if median <= NO_CHANGE_BUDGET else "OVER"
        print(f"{'':>22}  {verdict} the {NO_CHANGE_BUDGET:.1f}s budget", flush=True)
        for label, fmt in (
            ("all three formats", "pdf,docx,html"),
            ("html only", "html"),
            ("pdf only", "pdf"),
            ("docx only", "docx"),
        ):
            report(label, [timed([*build, "--force", "--format", fmt]) for _ in range(RUNS)])


if __name__ == "__main__":
    main()
