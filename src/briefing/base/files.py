"""Files written so that a reader sees the old one or the new one, never half of either, and
temporary names that say who owns them.

A temporary name is `.tmp-<pid>-<host>-<random>` (or `.staging-…` for a build's staging
folder), where <host> is a short digest of the machine's name. A build's lock keeps other builds
out, not a `send` or a `prune` writing beside it, so a sweep removes only what a process that is
gone left (`abandoned`): a name whose process no longer runs on this machine. A name from another
machine (a shared store) or from an older version (no owner in it) is left until it is an hour
old; nothing writes one for that long.

This is the ground floor: charts, the state store and the publishing steps all write through it.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import os
import signal
import socket
import tempfile
import time
from pathlib import Path

from briefing.base.processes import alive

TEMP_PREFIXES = (".staging-", ".tmp-")
# A temporary name without a live owner on this machine is left this long before a sweep
# takes it (seconds): a name from another machine, or from a version that wrote no owner.
UNOWNED_AGE = 3600.0
# A name whose owner runs is left alone, unless it is older than this: then its pid has been
# given to another process since (nothing briefing writes stays temporary for a day).
REUSED_PID_AGE = 86400.0


@functools.cache
def _host() -> str:
    """This machine, as six hex digits: a pid means something only on the machine that gave it."""
    return hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:6]


def owned(prefix: str) -> str:
    """The start of a temporary name that this process owns: `<prefix><pid>-<host>-`."""
    return f"{prefix}{os.getpid()}-{_host()}-"


def abandoned(path: Path, now: float | None = None) -> bool:
    """Whether the temporary file or folder at `path` belongs to no running process: its owner
    on this machine has exited (or is over a day old, its pid since reused), or it names no
    owner here and is over an hour old."""
    rest = path.name.removeprefix(".staging-").removeprefix(".tmp-")
    pid, _, rest = rest.partition("-")
    host = rest.partition("-")[0]
    mine = pid.isdigit() and host == _host()
    if mine and not alive(int(pid)):
        return True
    try:
        age = (time.time() if now is None else now) - path.lstat().st_mtime
    except FileNotFoundError:
        return False  # gone already
    return age > (REUSED_PID_AGE if mine else UNOWNED_AGE)


def write_atomic(target: Path, data: bytes) -> None:
    """Readers see the old file or the new one, never half of either."""
    fd, tmp = tempfile.mkstemp(prefix=owned(".tmp-"), dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def create_all(files: dict[Path, bytes]) -> None:
    """Create every file of `files`, or none: each is written in full under a temporary name
    beside its place, then linked into place, which refuses a file that exists (FileExistsError
    names it), even one made a moment ago by another process. On any failure the files already
    placed and the folders made for them are removed again, so nothing is left half-written."""
    made: list[Path] = []  # folders created here, outermost first
    placed: list[Path] = []
    temps: list[Path] = []
    try:
        for target in files:
            missing = [p for p in [target.parent, *target.parent.parents] if not p.exists()]
            for folder in reversed(missing):
                folder.mkdir()
                made.append(folder)
        for target, data in files.items():
            fd, tmp = tempfile.mkstemp(prefix=owned(".tmp-"), dir=target.parent)
            temps.append(Path(tmp))
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)
        for (target, _), tmp in zip(files.items(), temps, strict=True):
            os.link(tmp, target)
            placed.append(target)
    except BaseException:
        for path in placed + temps:
            path.unlink(missing_ok=True)
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)


def link_atomic(target: str, link: Path) -> bool:
    """Point `link` at `target` (a relative path) in one step; False if it already did."""
    if link.is_symlink() and os.readlink(link) == target:
        return False
    tmp = link.parent / f"{owned('.tmp-')}link-{link.name}"
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    os.replace(tmp, link)
    return True


def fsync_folder(folder: Path) -> None:
    """Make a rename durable: the folder's entry survives a power cut, not only a kill."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def checkpoint(name: str, path: Path | None = None) -> None:
    """Test hooks at the named steps of a build, each set by an environment variable:

    - BRIEFING_CRASH_AT=<name>: the process kills itself here (SIGKILL, so no cleanup runs),
      to prove that a build killed at any step of publishing leaves one whole edition
      published and that the next build recovers;
    - BRIEFING_PAUSE_AT=<name>: it sleeps here (BRIEFING_PAUSE_SECONDS, 3 by default), so a
      test can send a signal at that very step;
    - BRIEFING_FAIL_AT=<name>[:<errno name>]: writing `path` fails here as the system would
      fail it (ENOSPC, a full disk, by default), for faults that cannot be made for real in
      one process only (a worker's)."""
    if os.environ.get("BRIEFING_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
    if os.environ.get("BRIEFING_PAUSE_AT") == name:
        time.sleep(float(os.environ.get("BRIEFING_PAUSE_SECONDS", "3")))
    at, _, code = os.environ.get("BRIEFING_FAIL_AT", "").partition(":")
    if at == name:
        number = getattr(errno, code or "ENOSPC")
        raise OSError(number, os.strerror(number), None if path is None else str(path))
