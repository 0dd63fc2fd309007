"""How a build stops: SIGINT (Ctrl-C), SIGTERM and SIGHUP (a scheduler, a closed terminal).

Each raises an exception in the main process (KeyboardInterrupt, or `Terminated` carrying the
signal), so the build unwinds as it does for Ctrl-C: its workers are stopped (publish/workers.py), its
staging folder removed, and the command exits 130 or 128 + the signal's number.

Two rules make that hold at any moment:

- Publishing, once begun, is finished. Placing an edition and switching the top-level names to
  it takes milliseconds; a stop that arrives meanwhile is held (`hold`) and takes effect when
  the build has published and catalogued its editions (`release`, called by the command), so
  the editions, the index and the feed never disagree.
- A stop ends the process within seconds whatever is stuck. When a stop begins, a watchdog
  thread starts; should the clean-up not be over in `GRACE` seconds, the process exits at once
  with the same status (anything left in the output folder is swept by the next build, and the
  workers die with the build: see publish/workers.py). Further signals during the clean-up are ignored.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

GRACE = 5.0  # seconds a stop's clean-up may take before the process exits regardless
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP: unwound like Ctrl-C, so staging folders are removed on the way out."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def status(signum: int) -> int:
    """The exit status of a build stopped by `signum`: 130 for Ctrl-C, else 128 + signum."""
    return 130 if signum == signal.SIGINT else 128 + signum


class _State:
    watchdog = False  # exit regardless if a stop's clean-up hangs (the command line only)
    holding = False
    held: int | None = None
    stopping = False


_state = _State()


def install(watchdog: bool) -> None:
    """Take over the three signals (main thread only). `watchdog`: a stop that does not end
    the process within GRACE seconds ends it at once."""
    global _state
    _state = _State()
    _state.watchdog = watchdog
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in SIGNALS:
        signal.signal(signum, _on_signal)


def _on_signal(signum: int, _frame: object) -> None:
    if _state.stopping:
        return  # already stopping: let the clean-up finish (the watchdog bounds it)
    if _state.holding:
        if _state.held is None:
            _state.held = signum
        return
    _state.stopping = True
    if _state.watchdog:
        timer = threading.Timer(GRACE, _exit_now, (signum,))
        timer.daemon = True
        timer.start()
    raise KeyboardInterrupt() if signum == signal.SIGINT else Terminated(signum)


def _exit_now(signum: int) -> None:
    try:
        print(
            "briefing: interrupted; stopped before the clean-up was over "
            "(the next build finishes it)",
            file=sys.stderr,
            flush=True,
        )
    finally:
        os._exit(status(signum))


@contextmanager
def deferred() -> Iterator[None]:
    """A stop that arrives inside the block waits for its end, then takes effect: for a step
    that must not be cut in two. Starting a worker process is one: a stop between the start and
    the hand-over of its start-up data left the worker reading half of it, and it died printing
    a traceback after the build's clear message (seen under load). Within `hold`, stops already
    wait for `release`."""
    if _state.holding:
        yield
        return
    _state.holding = True
    try:
        yield
    finally:
        held, _state.held, _state.holding = _state.held, None, False
        if held is not None:
            _on_signal(held, None)  # the stop, now


def hold() -> None:
    """From here on a stop waits for `release` (publishing has begun)."""
    _state.holding = True


def pending() -> bool:
    """Whether a stop arrived while held: work that can end early (a retry) should not begin."""
    return _state.held is not None


def release() -> int | None:
    """Stops take effect again; returns the signal that arrived while they were held."""
    held, _state.held, _state.holding = _state.held, None, False
    if held is not None:
        _state.stopping = True  # the command is on its way out with the signal's status
    return held
