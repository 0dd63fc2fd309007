"""Build-time medians for the whole pipeline (cold process each run), printed, not asserted.

Run with `make bench`. Each run is a fresh `briefing build` process so import and font start-up
costs are counted as a user sees them.
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


def timed(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, check=True, cwd=ROOT, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    briefing = str(Path(sys.executable).with_name("briefing"))
    with tempfile.TemporaryDirectory() as out:
        for label, fmt in (
            ("all three formats", "pdf,docx,html"),
            ("html only", "html"),
            ("pdf only", "pdf"),
            ("docx only", "docx"),
        ):
            times = [
                timed([briefing, "build", "-q", "--output", out, "--format", fmt])
                for _ in range(RUNS)
            ]
            print(
                f"{label:>18}: median {statistics.median(times):.2f}s "
                f"(min {min(times):.2f}s, max {max(times):.2f}s, {RUNS} runs)"
            )


if __name__ == "__main__":
    main()
