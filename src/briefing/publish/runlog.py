"""`<output>/build.log`: one line per report per run, so a scheduler's history can be read back
without its own logs. Tab-separated: UTC time, report, outcome, edition, seconds.

Each line goes out in a single append, which POSIX keeps whole even when runs overlap.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

LOG_NAME = "build.log"


def log_run(
    output: Path, report: str, outcome: str, edition: str = "-", seconds: float = 0.0
) -> None:
    stamp = datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    line = f"{stamp}\t{report}\t{outcome}\t{edition or '-'}\t{seconds:.2f}\n"
    try:
        fd = os.open(output / LOG_NAME, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError:
        return  # an unwritable output folder is reported elsewhere; the log is not the place
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)
