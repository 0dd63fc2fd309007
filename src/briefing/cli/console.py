"""Printing that a reader who goes away cannot turn into a failure.

`briefing build | head -1`: once `head` has its line it exits, and the next write to the pipe
fails with EPIPE (Python ignores SIGPIPE, so it is a BrokenPipeError wherever a print happens
to be: in a build, between two deliveries, in a listing). The work must not stop for that: the
build publishes, the send mails every reader, and the exit status is the work's. Like `git` and
`ls`, the printing simply stops.

So stdout and stderr are guarded once, for every print path (ours, the libraries', the
interpreter's traceback printer): the first write that meets a closed pipe points that stream's
file descriptor at /dev/null and the run goes on. The descriptor itself is redirected, not only
the Python object, so that the interpreter's final flush (which would otherwise print
"Exception ignored ... BrokenPipeError" and exit 120) and any process started later write into
/dev/null too.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys
from collections.abc import Iterator
from typing import Any, TextIO


def _gone(exc: OSError) -> bool:
    """A reader that went away, or a place the printing cannot go on to (a full disk behind a
    redirection, /dev/full, an I/O error): either way the work must not stop for it."""
    return isinstance(exc, BrokenPipeError) or exc.errno in (
        errno.EPIPE,
        errno.ECONNRESET,
        errno.ENOSPC,
        errno.EDQUOT,
        errno.EFBIG,
        errno.EIO,
    )


class Guarded:
    """A text stream that stops writing, silently and for good, once its reader has gone."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.gone = False

    def _silence(self) -> None:
        """Point the stream's descriptor at /dev/null; what is still buffered goes there."""
        self.gone = True
        with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
            fd = self._stream.fileno()
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, fd)
            finally:
                os.close(null)

    def write(self, text: str) -> int:
        if self.gone:
            return len(text)
        try:
            return self._stream.write(text)
        except OSError as exc:
            if not _gone(exc):
                raise
            self._silence()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            if not _gone(exc):
                raise
            self._silence()
            with contextlib.suppress(OSError):
                self._stream.flush()  # the buffer, now into /dev/null

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """Guard stdout and stderr for the length of one command; flush both at its end, while the
    guards still hold, so no broken pipe is left for the interpreter's exit."""
    saved = sys.stdout, sys.stderr
    # None when the descriptor was closed before start (`briefing build >&-`): print() then
    # writes nothing, which is already quiet.
    sys.stdout, sys.stderr = (None if s is None else Guarded(s) for s in saved)
    try:
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError, AttributeError):
                stream.flush()
        sys.stdout, sys.stderr = saved
