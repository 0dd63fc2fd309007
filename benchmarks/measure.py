"""Running a command as a user would, in a fresh process, and what it cost: wall time and the
peak memory of the whole process tree.

Memory is reported two ways. "Peak" is the largest process: the kernel's exact high-water mark
for the command and every process it started and waited for (as `/usr/bin/time` reports it),
read when the command ends, so a timed run is never disturbed. "Tree" is the largest sum over
all of them at one moment, counting each shared page once (proportional set size), which is
what a machine running several builds has to provide. It can only be sampled (every 20 ms)
while the command runs, and sampling costs the machine enough to slow a build that keeps both
processors busy, so the tree is measured in a run of its own that is not timed.
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
    peak_mb: float  # the largest single process
    tree_mb: float = 0.0  # the whole process tree at its largest (sampled runs only)
    output: str = ""


@dataclass
class Series:
    """Runs of one case, in the order they were made."""

    name: str
    samples: list[Sample] = field(default_factory=list)  # timed runs
    trees: list[Sample] = field(default_factory=list)  # untimed runs, sampled for the tree

    @property
    def times(self) -> list[float]:
        return [s.seconds for s in self.samples]

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def peak_mb(self) -> float:
        return max(s.peak_mb for s in self.samples)

    @property
    def tree_mb(self) -> float | None:
        return max(s.tree_mb for s in self.trees) if self.trees else None

    def line(self) -> str:
        t = self.times
        spread = f"{min(t):.2f}–{max(t):.2f}s" if len(t) > 1 else "one run"
        tree = f", tree {self.tree_mb:4.0f} MB" if self.tree_mb is not None else ""
        return (
            f"  {self.name:<44} median {self.median:6.2f}s  spread {spread:<13}  "
            f"peak {self.peak_mb:4.0f} MB{tree}  ({len(t)} runs)"
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


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


def tree(pid: int) -> tuple[int, int]:
    """(the largest RSS of one process, the PSS of all of them) right now."""
    largest, total, todo = 0, 0, [pid]
    while todo:
        p = todo.pop()
        largest = max(largest, _rss(p))
        total += _pss(p)
        todo.extend(_children(p))
    return largest, total


def run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, sample_tree: bool = False
) -> Sample:
    """Run `args` to completion; fail loudly if it fails, since a failed run times nothing.
    `sample_tree`: sample the whole tree's memory as it runs (which slows it: never for a timing)."""
    peak = whole = 0
    started = time.perf_counter()
    proc = subprocess.Popen(
        args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, whole
        while not done.wait(0.02):
            largest, total = tree(proc.pid)
            peak, whole = max(peak, largest), max(whole, total)

    sampler = threading.Thread(target=sample, daemon=True)
    if sample_tree:
        sampler.start()
    output = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    done.set()
    if sample_tree:
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(
            f"benchmark: {' '.join(args)} failed with exit {proc.returncode}:\n"
            + output.decode(errors="replace")[-3000:]
        )
    # The kernel's high-water mark for the command and the children it waited for.
    peak = max(peak, usage.ru_maxrss * 1024)
    return Sample(seconds, peak / MB, max(whole, peak) / MB, output.decode(errors="replace"))


def ratio_line(label: str, top: Series, bottom: Series, target: str, holds: bool) -> str:
    """A ratio of medians of runs made side by side, with the target and whether it holds."""
    verdict = "holds" if holds else "MISSED"
    return f"  {label:<44} {top.median / bottom.median:5.2f} ×   target {target:<10} {verdict}"
