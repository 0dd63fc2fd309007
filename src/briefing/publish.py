"""Rendering is kept apart from publishing: files are written into a staging folder next to the
output, then moved into place with os.replace (atomic on one filesystem). A failed or killed
build leaves the previous briefing exactly as it was."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import InputError


@contextmanager
def staging(output: Path) -> Iterator[Path]:
    """A private folder beside the output; removed whatever happens."""
    try:
        output.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=".staging-", dir=output))
    except OSError as exc:
        raise InputError.one(
            output,
            None,
            f"cannot write to the output folder ({exc.strerror}); choose another with --output",
        ) from None
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def publish(staged: list[Path], output: Path) -> list[Path]:
    """Move every staged file into the output folder; only called once all rendered cleanly."""
    placed = []
    for path in staged:
        target = output / path.name
        os.chmod(path, 0o644)
        os.replace(path, target)
        placed.append(target)
    return placed
