"""The lines every verb prints around its work: progress (silenced by --quiet), warnings, and
a filesystem error the user's environment caused, told as such with what to do about it."""

from __future__ import annotations

import errno
import sys
from collections.abc import Callable
from pathlib import Path


def say(quiet: bool) -> Callable[[str], None]:
    return (lambda _m: None) if quiet else (lambda m: print(m, flush=True))


def warn(message: str) -> None:
    print(f"briefing: warning: {message}", file=sys.stderr, flush=True)


# Errors from the filesystem that the user's environment causes, not a bug in briefing.
USER_OS_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG}


def os_problem(exc: OSError, output: Path) -> str:
    where = Path(exc.filename).parent if exc.filename else output
    advice = {
        errno.ENOSPC: "free some space or choose another folder with --output",
        errno.EDQUOT: "the disk quota is used up; free some space or choose another folder with --output",
        errno.EFBIG: "the file is larger than this process may write (ulimit -f); raise the limit",
        errno.EROFS: "the folder is read-only; choose another with --output",
    }.get(exc.errno, "check the folder's permissions or choose another with --output")
    return f"{where}: {exc.strerror}; {advice}"
