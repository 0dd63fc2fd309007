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
from collections.abc import Iterator
from contextlib import contextmanager

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
DEBIAN = (
    "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1 libglib2.0-0"
)
MACOS = "brew install pango"  # brings GLib, HarfBuzz and Fontconfig with it
# Test hook: libraries (by the keys above, comma-separated) to treat as not installed.
HIDE = "BRIEFING_HIDE_LIBRARIES"


class MissingLibrary(Exception):
    """A system library the PDF needs is not installed (exit 2, one line)."""


def _loadable(names: tuple[str, ...]) -> bool:
    """As cffi's `dlopen` does for WeasyPrint: each name as it is, then as the loader's
    cache knows it."""
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


def check_pdf_libraries() -> None:
    """Raise MissingLibrary naming every library the PDF engine would fail to load."""
    hidden = {name.strip() for name in os.environ.get(HIDE, "").split(",")}
    missing = [
        what for key, (what, names) in LIBRARIES.items() if key in hidden or not _loadable(names)
    ]
    if missing:
        raise MissingLibrary(
            f"the PDF needs {', '.join(missing)}, which this system lacks: install "
            f"{'it' if len(missing) == 1 else 'them'} with `{DEBIAN}` (Debian, Ubuntu) or "
            f"`{MACOS}` (macOS), or leave the PDF out with --format docx,html"
        )


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
