"""Work on several processors: `--jobs N` runs at most N worker processes at once.

The PDF engine is the cost a user waits for, so a build hides everything else behind it. With
one report and two or more jobs, one worker imports WeasyPrint while the document is still being
composed, then prints it; another draws the charts while the text is composed, then writes the
Word file while the PDF prints. With several reports, each worker builds whole reports, taking
the next as soon as it is free. With `--jobs 1` nothing leaves the main process.

Python work runs in processes, not threads: layout and drawing hold the interpreter lock.

Workers are started afresh (`spawn`), never forked. A fork copies whatever locks the build's
other threads held at that instant (each pool runs threads of its own, and a test runner or
`preview` more), and a forked worker keeps the other pools' pipes open: a worker killed while a
task was being sent to it then left the build waiting on that pipe for ever. A spawned worker
is the build's own child, so the kernel can tie its life to the build's (`PR_SET_PDEATHSIG`);
a fork server would stand between them and keep a socket in TMPDIR. Spawning costs each worker
a fresh interpreter (about a tenth of a second, spent while the main process composes).

A worker ignores Ctrl-C (a terminal sends it to every process; the build stops its workers
itself, then removes its staging folder), dies on SIGTERM and SIGHUP, and dies with the build if
it is killed outright. It takes the build's cache and temporary folders (cachedirs.py).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib
import multiprocessing
import os
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing.connection import wait
from typing import Any

from briefing.base import stopping
from briefing.base.cachedirs import passed_on


def _context() -> multiprocessing.context.BaseContext:
    """Workers start afresh, whatever threads this process runs (see above)."""
    return multiprocessing.get_context("spawn")


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


def _start_worker(parent: int | None, environment: dict[str, str]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The build blocked Ctrl-C while it started this process (see `_no_ctrl_c`): a Ctrl-C in
    # between is dropped here instead of a KeyboardInterrupt traceback from a worker.
    with contextlib.suppress(AttributeError):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    _die_with(parent)
    # Its own process group, so that stopping it stops what it runs too (pandoc), which
    # would otherwise go on writing into a staging folder being removed.
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)
    os.environ.update(environment)
    tempfile.tempdir = None  # found again from TMPDIR


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


def _executor(
    size: int, context: multiprocessing.context.BaseContext, kind: type | None = None
) -> ProcessPoolExecutor:
    # A spawned or forked worker's parent is the build; a fork server would stand between.
    parent = os.getpid() if context.get_start_method() in ("spawn", "fork") else None
    return (kind or ProcessPoolExecutor)(
        size, mp_context=context, initializer=_start_worker, initargs=(parent, passed_on())
    )


@contextmanager
def _no_ctrl_c() -> Iterator[None]:
    """Stops held back (not lost) while a worker may be started. The build's own stop waits
    for the worker to have its start-up data (stopping.deferred): blocking a signal holds it
    back from this thread only, and another thread of the build can take it, so the stop still
    cut a start in two under load. Ctrl-C is also blocked, so that the worker inherits it
    blocked and ignores it before unblocking it; this process takes it on the way out."""
    with stopping.deferred():
        try:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        except (AttributeError, ValueError):  # no such call here, or not the main thread
            yield
            return
        try:
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


class Workers:
    """Up to `jobs` worker processes, each its own one-process executor, so the build decides
    which does what (the one that imported WeasyPrint is the one that prints)."""

    def __init__(self, jobs: int):
        self.jobs = jobs
        self._slots: list[ProcessPoolExecutor] = []
        # Every worker of a build starts the same way (see above).
        self.context = _context()

    def slot(self, n: int) -> ProcessPoolExecutor:
        while len(self._slots) <= n:
            self._slots.append(_executor(1, self.context))
        return self._slots[n]

    def submit(self, n: int, fn: Callable[..., Any], *args: Any) -> Future:
        with _no_ctrl_c():  # a worker is started by the first task sent to it
            return self.slot(n).submit(fn, *args)

    def pool(self, size: int) -> ProcessPoolExecutor:
        """A shared queue of `size` workers, for whole reports."""
        executor = _executor(size, self.context, _SafeStart)
        self._slots.append(executor)
        return executor

    def close(self, kill: bool) -> None:
        """Stop every worker: at once when the build failed or was interrupted (and if an
        interrupt arrives while waiting for them to finish). A build that stops waits for its
        workers to be gone (each is sent SIGTERM, then SIGKILL after `KILL_AFTER` seconds),
        never for a pool's own bookkeeping, which can wait on a dead worker."""
        try:
            if kill:
                _stop_now(self._slots)
            else:
                for executor in self._slots:
                    executor.shutdown(wait=True, cancel_futures=True)
        except BaseException:
            _stop_now(self._slots)
            raise
        finally:
            self._slots.clear()


class _SafeStart(ProcessPoolExecutor):
    """A shared pool whose workers, started as tasks arrive, start with Ctrl-C held back."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        with _no_ctrl_c():
            return super().submit(fn, *args, **kwargs)


def _signal(process: multiprocessing.process.BaseProcess, signum: int) -> None:
    """To the worker and what it runs (its process group, once it has made one)."""
    if process.pid is None or process.exitcode is not None:
        return
    try:
        os.killpg(process.pid, signum)
    except OSError:  # not yet a group of its own, or already gone
        with contextlib.suppress(OSError):
            os.kill(process.pid, signum)


KILL_AFTER = 2.0  # seconds a worker has to end after SIGTERM


def _stop_now(executors: list[ProcessPoolExecutor]) -> None:
    """End every worker of these pools now, and wait (briefly) until each has. A pool has no
    public way to stop a task that is running; a build that is interrupted or failed must not
    leave a worker writing into staging, nor outlive it."""
    processes = [
        process
        for executor in executors
        for process in list((getattr(executor, "_processes", None) or {}).values())
    ]
    for process in processes:
        _signal(process, signal.SIGTERM)
    # A worker's sentinel is readable once it has exited (whoever reaps it).
    running = {process.sentinel: process for process in processes if process.pid is not None}
    deadline = time.monotonic() + KILL_AFTER
    while running and time.monotonic() < deadline:
        for ended in wait(list(running), max(0.0, deadline - time.monotonic())):
            running.pop(ended, None)
    for process in running.values():
        _signal(process, signal.SIGKILL)
    # Each pool's own thread, taken before `shutdown`, which forgets it when not waiting.
    threads = [
        thread
        for executor in executors
        if (thread := getattr(executor, "_executor_manager_thread", None)) is not None
    ]
    for executor in executors:
        executor.shutdown(wait=False, cancel_futures=True)
    # Let each pool's thread finish tearing down its queues and wake-up pipe now (briefly: it
    # can wait on a dead worker). Left to run into interpreter exit, it raced Python 3.11's
    # exit hook, which wrote to that pipe as it closed and printed a traceback after the clear
    # message.
    deadline = time.monotonic() + KILL_AFTER
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))


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
