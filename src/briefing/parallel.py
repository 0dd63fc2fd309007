"""Work on several processors: `--jobs N` runs at most N worker processes at once.

The PDF engine is the cost a user waits for, so a build hides everything else behind it. With
one report and two or more jobs, one worker imports WeasyPrint while the document is still being
composed, then prints it; another draws the charts while the text is composed, then writes the
Word file while the PDF prints. With several reports, each worker builds whole reports, taking
the next as soon as it is free. With `--jobs 1` nothing leaves the main process.

Python work runs in processes, not threads: layout and drawing hold the interpreter lock. Workers
are forked, so they start in milliseconds and inherit what the build already loaded (started
afresh instead when the calling process runs threads, as a test runner or `watch` may); they
ignore Ctrl-C (the build stops them itself, then removes its staging folder), die on SIGTERM,
and die with the build if it is killed outright.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any


def usable_cpus() -> int:
    """The processors this process may run on (a container or `taskset` may allow fewer)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _threads() -> int:
    """Threads of this process, native ones included (`watch` runs a Rust file watcher that
    Python's own count does not see)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def _context() -> multiprocessing.context.BaseContext:
    """Fork when this process runs one thread (a forked child of a threaded process can
    inherit a lock some other thread held); otherwise, or where there is no fork, start
    workers afresh."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and _threads() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
# A worker that yields: about a tenth of a processor's time when others want it (Linux CFS).
YIELDING_NICENESS = 10


def _die_with(parent: int | None) -> None:
    """A worker must not outlive its build: one killed outright (SIGKILL, the OOM killer) runs
    no cleanup, and an orphan would keep its output pipe open and write into a dead staging
    folder. Linux kills the worker when the build dies; elsewhere the pool's own shutdown does."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)  # the C library the interpreter runs on
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if parent is not None and os.getppid() != parent:  # it died before the request was made
        os._exit(1)


def _start_worker(parent: int | None) -> None:
    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)


def warm(modules: tuple[str, ...], yielding: bool = False) -> None:
    """Import what a later task needs, while the main process is still busy composing.

    `yielding`: this worker's work has time to spare and another's has none (the print). While
    the main process composes, three processes share two processors; at a lower priority this
    one leaves the print's start-up (importing WeasyPrint) and the composing the processors
    they need, and takes them when they wait. Measured side by side: a cold build 4 to 5%
    faster, one at ten times the facts 3%, one at fifty times the same."""
    if yielding:
        with contextlib.suppress(OSError, AttributeError):  # no os.nice outside Unix
            os.nice(YIELDING_NICENESS)
    for name in modules:
        module = importlib.import_module(name)
        if callable(getattr(module, "warm_up", None)):
            module.warm_up()
    # What was imported lives as long as the process: the collector need not scan it again.
    gc.freeze()


def _executor(size: int, context: multiprocessing.context.BaseContext) -> ProcessPoolExecutor:
    # A forked worker's parent is the build; a worker started afresh has a server between them.
    parent = os.getpid() if context.get_start_method() == "fork" else None
    return ProcessPoolExecutor(
        size, mp_context=context, initializer=_start_worker, initargs=(parent,)
    )


class Workers:
    """Up to `jobs` worker processes, each its own one-process executor, so the build decides
    which does what (the one that imported WeasyPrint is the one that prints)."""

    def __init__(self, jobs: int):
        self.jobs = jobs
        self._slots: list[ProcessPoolExecutor] = []
        # Decided once, before any pool's own threads exist: every worker of a build starts
        # the same way (forked from a build that was single-threaded when it began).
        self.context = _context()

    def slot(self, n: int) -> ProcessPoolExecutor:
        while len(self._slots) <= n:
            self._slots.append(_executor(1, self.context))
        return self._slots[n]

    def submit(self, n: int, fn: Callable[..., Any], *args: Any) -> Future:
        return self.slot(n).submit(fn, *args)

    def pool(self, size: int) -> ProcessPoolExecutor:
        """A shared queue of `size` workers, for whole reports."""
        executor = _executor(size, self.context)
        self._slots.append(executor)
        return executor

    def close(self, kill: bool) -> None:
        """Stop every worker: at once when the build failed or was interrupted (and if an
        interrupt arrives while waiting for them to finish). Every worker is stopped before
        any pool is waited for: a forked worker holds the other pools' pipes open, so a pool
        whose own worker is gone could otherwise wait on it for ever."""
        try:
            if kill:
                for executor in self._slots:
                    _terminate(executor)
            for executor in self._slots:
                executor.shutdown(wait=True, cancel_futures=True)
        except BaseException:
            for executor in self._slots:
                _terminate(executor)
            for executor in self._slots:
                executor.shutdown(wait=False, cancel_futures=True)
            raise
        finally:
            self._slots.clear()


def _terminate(executor: ProcessPoolExecutor) -> None:
    # ProcessPoolExecutor has no public way to stop a task that is running; a build that is
    # interrupted or failed must not leave a worker writing into staging.
    for process in list((getattr(executor, "_processes", None) or {}).values()):
        process.terminate()


@contextmanager
def workers(jobs: int) -> Iterator[Workers | None]:
    """Workers for a build with `jobs` > 1 (None for one job); stopped on the way out, at once
    if the build failed."""
    if jobs <= 1:
        yield None
        return
    pool = Workers(jobs)
    finished = False
    try:
        yield pool
        finished = True
    finally:
        pool.close(kill=not finished)
