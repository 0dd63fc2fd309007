"""LibreOffice, when the machine has it: the Word writer lays its file out with it to learn the
page each section starts on (writers/docx/layout.py), and the fingerprint counts which
LibreOffice that was (base/shaping.py), since those numbers are in the file's bytes.

`BRIEFING_OFFICE` chooses: unset, `soffice` or `libreoffice` found on PATH; `off` (or `0`),
none at all, so the contents' page numbers are left to Word; anything else, that program (a
name found on PATH, or a path, such as the `soffice` inside LibreOffice.app on a Mac).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

OFFICE = "BRIEFING_OFFICE"
OFF = ("off", "0", "no", "false")


def program() -> str | None:
    """The LibreOffice program to run, or None when there is none or it is turned off."""
    chosen = os.environ.get(OFFICE, "").strip()
    if chosen.lower() in OFF:
        return None
    if chosen:
        return shutil.which(chosen)
    return shutil.which("soffice") or shutil.which("libreoffice")


def identity() -> str:
    """Which LibreOffice a layout would use, read without running it (a start costs seconds):
    the program's real path and its installation's `versionrc` (the build id), or the
    program's size and time where there is none."""
    found = program()
    if found is None:
        return "off" if os.environ.get(OFFICE, "").strip().lower() in OFF else "absent"
    real = Path(found).resolve()
    version = real.parent / "versionrc"
    try:
        if version.is_file():
            return f"{real}:{hashlib.sha256(version.read_bytes()).hexdigest()}"
        st = real.stat()
    except OSError:
        return f"{real}:unreadable"
    return f"{real}:{st.st_size}:{st.st_mtime_ns}"
