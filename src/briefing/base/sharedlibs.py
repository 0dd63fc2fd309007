"""Loading WeasyPrint's C libraries without probing for a compiler.

WeasyPrint names each library several ways (for Linux, macOS and Windows) and cffi hands every
name that does not load as it is to `ctypes.util.find_library`, which on Linux asks `ldconfig`,
then runs gcc and ld to look for it: about twenty processes and 0.15 s for every build, all
before the print can start. The libraries are always in the loader's cache on the systems we
run on, so while WeasyPrint is imported only that cache is consulted; a name it does not list
fails as it would have, and WeasyPrint goes on to its next name. Where Python offers no
ldconfig lookup (not Linux), nothing is changed.

A system without one of those libraries would otherwise fail deep inside the print, with
WeasyPrint's banner and a traceback. `check_pdf_libraries` looks for each the way WeasyPrint
will (the same names, the same loader), before a build does any work, and says in one line
which packages to install.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# The libraries WeasyPrint loads through cffi, by the names it tries (weasyprint/text/ffi.py),
# and what a user knows them as. HarfBuzz's subsetting library is optional to WeasyPrint.
LIBRARIES = {
    "gobject": (
        "GLib (GObject)",
        ("libgobject-2.0-0", "gobject-2.0-0", "gobject-2.0", "libgobject-2.0.so.0",
         "libgobject-2.0.0.dylib", "libgobject-2.0-0.dll"),
    ),
    "pango": (
        "Pango",
        ("libpango-1.0-0", "pango-1.0-0", "pango-1.0", "libpango-1.0.so.0",
         "libpango-1.0.dylib", "libpango-1.0-0.dll"),
    ),
    "harfbuzz": (
        "HarfBuzz",
        ("libharfbuzz-0", "harfbuzz", "harfbuzz-0.0", "libharfbuzz.so.0",
         "libharfbuzz.0.dylib", "libharfbuzz-0.dll"),
    ),
    "fontconfig": (
        "Fontconfig",
        ("libfontconfig-1", "fontconfig-1", "fontconfig", "libfontconfig.so.1",
         "libfontconfig.1.dylib", "libfontconfig-1.dll"),
    ),
    "pangoft2": (
        "PangoFT2",
        ("libpangoft2-1.0-0", "pangoft2-1.0-0", "pangoft2-1.0", "libpangoft2-1.0.so.0",
         "libpangoft2-1.0.dylib", "libpangoft2-1.0-0.dll"),
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Platform:
    """Where the libraries come from on one platform: the command that installs them. The one
    list the message below and docs/install.md both follow (tests/test_install.py compares)."""

    name: str  # as a user knows it
    command: str  # the installer, then the packages
    packages: tuple[str, ...]

    @property
    def install(self) -> str:
        return f"{self.command} {' '.join(self.packages)}"


PLATFORMS = {
    "debian": Platform(
        "Debian, Ubuntu",
        "sudo apt-get install",
        ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "libfontconfig1", "libglib2.0-0"),
    ),
    # Fedora's pango brings GLib, HarfBuzz and Fontconfig with it.
    "fedora": Platform("Fedora", "sudo dnf install", ("pango",)),
    # Alpine names each library by the file it provides, as WeasyPrint's own guide does.
    "alpine": Platform(
        "Alpine",
        "apk add",
        ("so:libgobject-2.0.so.0", "so:libpango-1.0.so.0", "so:libharfbuzz.so.0",
         "so:libfontconfig.so.1", "so:libpangoft2-1.0.so.0"),
    ),
    "macos": Platform("macOS", "brew install", ("pango",)),  # brings GLib, HarfBuzz, Fontconfig
}  # fmt: skip
# Linux distributions by the ids /etc/os-release gives (ID, then each of ID_LIKE).
DISTRIBUTIONS = {
    "debian": "debian",
    "ubuntu": "debian",
    "fedora": "fedora",
    "rhel": "fedora",
    "centos": "fedora",
    "alpine": "alpine",
}
OTHERWISE = (
    "install Pango (with GLib, HarfBuzz, Fontconfig and PangoFT2) with this system's package "
    "manager; docs/install.md names the packages for each platform"
)
# Test hook: libraries (by the keys above, comma-separated) to treat as not installed.
HIDE = "BRIEFING_HIDE_LIBRARIES"


class MissingLibrary(Exception):
    """A system library the PDF needs is not installed (exit 2, one line)."""


def _loadable(names: tuple[str, ...]) -> bool:
    """As cffi's `dlopen` does for WeasyPrint: each name as it is, then as the loader's
    cache knows it. On Windows, from the folders WEASYPRINT_DLL_DIRECTORIES names too, as
    WeasyPrint adds them (MSYS2's, for one; docs/install.md)."""
    if hasattr(os, "add_dll_directory"):
        for folder in os.environ.get("WEASYPRINT_DLL_DIRECTORIES", "").split(";"):
            if folder and os.path.isdir(folder):
                os.add_dll_directory(folder)
    with found_by_ldconfig_only():
        # A full file name needs no lookup in the cache: tried first, it is the quickest way
        # to an answer on Linux; the other names follow in WeasyPrint's order.
        for name in sorted(names, key=lambda n: ".so." not in n):
            for lookup in (lambda n: n, ctypes.util.find_library):
                candidate = lookup(name)
                if not candidate:
                    continue
                try:
                    ctypes.CDLL(candidate, mode=os.RTLD_NOW)
                except OSError:
                    continue
                return True
    return False


def platform(system: str = sys.platform, os_release: Path = Path("/etc/os-release")) -> str | None:
    """The key of PLATFORMS this system installs libraries like, or None if none fits."""
    if system == "darwin":
        return "macos"
    if not system.startswith("linux"):
        return None
    try:
        text = os_release.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    fields = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            fields[key.strip()] = value.strip().strip("\"'")
    for name in [fields.get("ID", ""), *fields.get("ID_LIKE", "").split()]:
        if name.lower() in DISTRIBUTIONS:
            return DISTRIBUTIONS[name.lower()]
    return None


def advice(missing: list[str], where: str | None) -> str:
    """The one line that names what is missing and how to install it here."""
    them = "it" if len(missing) == 1 else "them"
    named = ", ".join(missing[:-1]) + " and " + missing[-1] if len(missing) > 1 else missing[0]
    if where in PLATFORMS:
        found = PLATFORMS[where]
        how = f"install {them} with `{found.install}` ({found.name})"
    else:
        how = OTHERWISE
    return (
        f"the PDF needs {named}, which this system lacks: {how}; "
        "or leave the PDF out with --format docx,html"
    )


def check_pdf_libraries() -> None:
    """Raise MissingLibrary naming every library the PDF engine would fail to load."""
    hidden = {name.strip() for name in os.environ.get(HIDE, "").split(",")}
    missing = [
        what for key, (what, names) in LIBRARIES.items() if key in hidden or not _loadable(names)
    ]
    if missing:
        raise MissingLibrary(advice(missing, platform()))


@contextmanager
def found_by_ldconfig_only() -> Iterator[None]:
    lookup = getattr(ctypes.util, "_findSoname_ldconfig", None)
    if lookup is None:
        yield
        return
    original = ctypes.util.find_library
    ctypes.util.find_library = lookup
    try:
        yield
    finally:
        ctypes.util.find_library = original
