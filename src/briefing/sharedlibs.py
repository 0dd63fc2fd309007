"""Loading WeasyPrint's C libraries without probing for a compiler.

WeasyPrint names each library several ways (for Linux, macOS and Windows) and cffi hands every
name that does not load as it is to `ctypes.util.find_library`, which on Linux asks `ldconfig`,
then runs gcc and ld to look for it: about twenty processes and 0.15 s for every build, all
before the print can start. The libraries are always in the loader's cache on the systems we
run on, so while WeasyPrint is imported only that cache is consulted; a name it does not list
fails as it would have, and WeasyPrint goes on to its next name. Where Python offers no
ldconfig lookup (not Linux), nothing is changed.
"""

from __future__ import annotations

import ctypes.util
from collections.abc import Iterator
from contextlib import contextmanager


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
