"""Processes on this machine: whether one still runs (how a claim or a temporary file left by a
process that is gone is told from one that is still at work), and how many processors this one
may use (the default number of workers, and of the print's own threads)."""

from __future__ import annotations

import os


def alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def usable_cpus() -> int:
    """The processors this process may run on (a container or `taskset` may allow fewer)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)
