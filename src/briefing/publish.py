"""Rendering is kept apart from publishing. Files are written into a staging folder inside the
output folder and only moved into place (os.rename / os.replace, atomic on one filesystem) once
everything has rendered, so a failed or killed build leaves what was published exactly as it was.

Everything temporary is named with a leading `.staging-` or `.tmp-`, so that the next build
(holding the lock) can sweep up what a killed one left behind. That includes the temporary files
of the libraries a build uses (WeasyPrint's font files, matplotlib's, pandoc's reference
document): while a build renders, `TMPDIR` points into its staging folder, in the main process
and in every worker, so none of them is left in /tmp when a build is killed.

A temporary name also says who owns it: `.tmp-<pid>-<host>-<random>`, where <host> is a short
digest of the machine's name. A build's lock keeps other builds out, not a `send` or a `prune`
writing beside it, so `sweep` removes only what a process that is gone left: a name whose
process no longer runs on this machine. A name from another machine (a shared store) or from
an older version (no owner in it) is left until it is an hour old; nothing writes one for that
long.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import os
import shutil
import signal
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import InputError
from .processes import alive

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


def ensure_folder(output: Path) -> None:
    try:
        output.mkdir(parents=True, exist_ok=True)
        if not os.access(output, os.W_OK | os.X_OK):
            raise PermissionError(13, "Permission denied")
    except OSError as exc:
        raise InputError.one(
            output,
            None,
            f"cannot write to the output folder ({exc.strerror}); choose another with --output",
        ) from None


TEMPORARY = ".tmp"  # inside a staging folder: TMPDIR while the build renders


@contextmanager
def staging(output: Path) -> Iterator[Path]:
    """A private folder beside the output; removed whatever happens (short of SIGKILL, which
    `sweep` handles on the next run). Temporary files go into it too (see above): a user's
    TMPDIR is set aside on purpose for the build's length, since a folder elsewhere would
    outlive a killed build."""
    ensure_folder(output)
    folder = Path(tempfile.mkdtemp(prefix=owned(".staging-"), dir=output))
    temporary = folder / TEMPORARY
    temporary.mkdir()
    saved = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"] = tempfile.tempdir = str(temporary)
    try:
        yield folder
    finally:
        if saved[0] is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved[0]
        tempfile.tempdir = saved[1]
        for _ in range(3):  # a stopped worker's last write may land while the folder goes
            shutil.rmtree(folder, ignore_errors=True)
            if not folder.exists():
                break
            time.sleep(0.1)


def sweep(output: Path) -> None:
    """Remove what killed processes left: temporaries in the output folder, in each report's
    folder and in its editions folder. Called by a build holding the output folder's lock, which
    keeps other builds out but not a send or a prune: only what a process that is gone left is
    removed (see `abandoned`), never a file another process is still writing."""
    now = time.time()

    def clear(folder: Path) -> None:
        for p in folder.iterdir():
            if not p.name.startswith(TEMP_PREFIXES) or not abandoned(p, now):
                continue
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)

    clear(output)
    for report in (p for p in output.iterdir() if p.is_dir() and not p.is_symlink()):
        clear(report)
        if (report / "editions").is_dir():
            clear(report / "editions")


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
