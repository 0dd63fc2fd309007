"""Running a command as a user would, in a fresh process, and what it cost: wall time and the
peak memory of the whole process tree.

Memory is the largest sum of resident set sizes over the command and every process it started,
sampled every 20 ms, and never less than the largest single process's own peak (which the kernel
reports exactly when the process is reaped). Summing RSS counts pages shared between processes
more than once, so a build that works in several processes is charged in full, never flattered.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
MB = 1024 * 1024


@dataclass
class Sample:
    seconds: float
    peak_mb: float
    output: str = ""


@dataclass
class Series:
    """Runs of one case, in the order they were made."""

    name: str
    samples: list[Sample] = field(default_factory=list)

    @property
    def times(self) -> list[float]:
        return [s.seconds for s in self.samples]

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def peak_mb(self) -> float:
        return max(s.peak_mb for s in self.samples)

    def line(self) -> str:
        t = self.times
        spread = f"{min(t):.2f}–{max(t):.2f}s" if len(t) > 1 else "one run"
        return (
            f"  {self.name:<44} median {self.median:6.2f}s  spread {spread:<13}  "
            f"peak {self.peak_mb:5.0f} MB  ({len(t)} runs)"
        )


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found.extend(int(c) for c in f.read().split())
    except OSError:
        pass
    return found


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss(pid: int) -> int:
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += _rss(p)
        todo.extend(_children(p))
    return total


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> Sample:
    """Run `args` to completion; fail loudly if it fails, since a failed run times nothing."""
    peak = 0
    started = time.perf_counter()
    proc = subprocess.Popen(
        args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.02):
            peak = max(peak, tree_rss(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(
            f"benchmark: {' '.join(args)} failed with exit {proc.returncode}:\n"
            + output.decode(errors="replace")[-3000:]
        )
    peak = max(peak, usage.ru_maxrss * 1024)
    return Sample(seconds, peak / MB, output.decode(errors="replace"))


def ratio_line(label: str, top: Series, bottom: Series, target: str, holds: bool) -> str:
    """A ratio of medians of runs made side by side, with the target and whether it holds."""
    verdict = "holds" if holds else "MISSED"
    return f"  {label:<44} {top.median / bottom.median:5.2f} ×   target {target:<10} {verdict}"
