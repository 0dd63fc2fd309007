"""Rendering is kept apart from publishing. Files are written into a staging folder inside the
output folder and only moved into place (os.rename / os.replace, atomic on one filesystem) once
everything has rendered, so a failed or killed build leaves what was published exactly as it was.

Everything temporary is named with a leading `.staging-` or `.tmp-` and its owner (see
`briefing.base.files`), so that the next build (holding the lock) can sweep up what a killed one
left behind. That includes the temporary files of the libraries a build uses (WeasyPrint's font
files, matplotlib's, pandoc's reference document): while a build renders, `TMPDIR` points into
its staging folder, in the main process and in every worker, so none of them is left in /tmp
when a build is killed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from briefing.base.errors import InputError
from briefing.base.files import TEMP_PREFIXES, abandoned, owned


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
