"""Whether a process on this machine still runs: how a claim or a temporary file left by a
process that is gone is told from one that is still at work."""

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
