"""One build at a time per output folder, and one send.

An advisory `flock` on `<output>/.lock`: the kernel releases it when the holder exits, however it
exits, so a lock left by a killed build never blocks the next one. It works across processes on
one machine; a shared store on several machines needs a filesystem whose locks span them (NFSv4
does). The holder writes its pid into the file so a waiting build can say whom it waits for.

`send` holds its own, `<output>/.send.lock`, so mail never waits on a build (a build adds
editions and deletes none). `prune` deletes editions, so it takes both: the build lock first,
then the send lock. Taken always in that order, and a send never taking the build lock, no two
commands can wait on each other.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = ".lock"
SEND_LOCK = ".send.lock"


class Busy(Exception):
    """Another build (or send) holds the lock and the caller asked not to wait."""


def _holder(handle) -> str:
    handle.seek(0)
    pid = handle.read().strip()
    return f" (pid {pid})" if pid.isdigit() else ""


@contextmanager
def output_lock(
    output: Path,
    wait: bool,
    say: Callable[[str], None],
    name: str = LOCK_NAME,
    what: str = "build",
) -> Iterator[None]:
    """Hold the lock `name` in `output` (builds `.lock`, sends `.send.lock`) for the block;
    `what` names its holder in messages. Without `wait`, a held lock raises Busy at once."""
    output.mkdir(parents=True, exist_ok=True)
    with open(output / name, "a+", encoding="ascii") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            who = _holder(handle)
            if not wait:
                raise Busy(
                    f"another {what} is running in {output}{who}; try again later, "
                    "or leave out --no-wait to wait for it"
                ) from None
            say(f"waiting for the {what} already running in {output}{who}")
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)
