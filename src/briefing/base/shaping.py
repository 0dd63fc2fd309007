"""What shapes the output besides a report's own inputs, declared once, and its digest.

Two decisions rest on it: the up-to-date check (publish/fingerprint.py), which must not call a report up
to date after an upgrade that would change its bytes, and the chart cache (charts/draw.py), which
must not hand back a drawing made by another engine. Each kept its own list, and both missed
libraries (pydyf, tinyhtml5, python-docx, uharfbuzz in one, everything but matplotlib and
uharfbuzz in the other); one list read by both cannot drift.

Each item says which outputs it shapes, so a digest covers only what can change those bytes: a
WeasyPrint upgrade leaves the chart cache and an HTML-only build alone, a python-docx upgrade
leaves the PDF alone. The outputs are the three formats, `charts` (the drawings, which every
format carries, so a document's digest always includes them) and `catalog` (the index and feed,
for catalog.py). A library in doubt is listed: a needless rebuild costs seconds, a stale
"up to date" costs a wrong document.

Everything here is read cheaply, without importing any rendering library: versions from the
installed packages' metadata, pandoc's identity from its wheel's RECORD (the checksum of the
binary the wheel installed, so pandoc never runs), LibreOffice's by its build id (base/office.py:
it lays the Word file out, or is turned off, which changes the file), the shipped faces and the package's code by
checksum, the system libraries WeasyPrint prints with by asking each for its version (a dlopen,
a few milliseconds, only when a PDF is wanted). The values are read once per process.

Not covered (they cannot be read cheaply, or are not ours to pin): the system's fallback fonts
that fontconfig picks for scripts the shipped faces lack (DejaVu), and a pandoc on PATH that
pypandoc might prefer is counted by its path, size and time, not its version.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from briefing import __version__
from briefing.base import office

PACKAGE = Path(__file__).resolve().parent.parent  # briefing/, this module being in briefing/base
FONTS = PACKAGE / "base" / "fonts"
ENGINE_PATCHES = (
    PACKAGE / "writers" / "pdf" / "engine.py"
)  # every patch to WeasyPrint, pydyf, tinyhtml5
STOCK_ENGINE = "BRIEFING_STOCK_ENGINE"  # "1": the patches are off, which changes the PDF's bytes

DOCUMENTS = frozenset({"html", "pdf", "docx"})
CHARTS = "charts"  # the drawings, inside every format
CATALOG = "catalog"  # the output folder's index and feed
EVERYTHING = DOCUMENTS | {CHARTS}

# The modules that draw a chart, whose code alone decides a drawing's bytes once its prepared
# values are given (the chart cache's key holds those values): patterns under the package, so a
# new chart kind's module (charts/kinds/) is covered without a line here.
DRAWING_CODE = (
    "charts/draw.py",
    "charts/style.py",
    "charts/kinds/*.py",
    "charts/fonts.py",
    "base/fontsubset.py",
    "base/fonts/__init__.py",
)


def drawing_code() -> list[Path]:
    """The files DRAWING_CODE names, in a fixed order."""
    return [p for pattern in DRAWING_CODE for p in sorted(PACKAGE.glob(pattern))]


@dataclass(frozen=True)
class Item:
    kind: str  # library, pandoc, office, system, fonts, code, patches, python
    name: str  # a distribution's name for a library; otherwise a label
    shapes: frozenset[str]
    why: str


def _library(name: str, shapes: Iterable[str], why: str) -> Item:
    return Item("library", name, frozenset(shapes), why)


PDF, HTML, DOCX = "pdf", "html", "docx"

ITEMS: tuple[Item, ...] = (
    Item("python", "python", EVERYTHING, "float and text formatting, zlib, json"),
    Item("code", "briefing", DOCUMENTS | {CATALOG}, "the package's own code and templates"),
    Item("code", "briefing-drawing", frozenset({CHARTS}), "the modules that draw a chart"),
    Item("fonts", "fonts", EVERYTHING | {CATALOG}, "the shipped faces, embedded in every file"),
    Item("patches", "engine-patches", frozenset({PDF}), "writers/pdf/engine.py and its switch"),
    # The documents' text and layout.
    _library("Jinja2", DOCUMENTS | {CATALOG}, "renders the prose templates and the layout"),
    _library("MarkupSafe", DOCUMENTS | {CATALOG}, "Jinja2's escaping"),
    _library("markdown-it-py", DOCUMENTS, "turns the prose into the document tree"),
    _library("mdurl", DOCUMENTS, "markdown-it-py's link normalising"),
    _library("PyYAML", DOCUMENTS, "reads the facts the text is made from"),
    # Charts.
    _library("matplotlib", {CHARTS}, "draws every chart (its FreeType and Agg come with it)"),
    _library("numpy", {CHARTS}, "matplotlib's arithmetic and number formatting"),
    _library("kiwisolver", {CHARTS}, "matplotlib's constrained layout"),
    _library("pillow", {CHARTS, PDF}, "writes the charts' PNG; WeasyPrint's images"),
    _library(
        "uharfbuzz", {CHARTS, DOCX, HTML, CATALOG}, "cuts the faces the SVGs, Word and HTML carry"
    ),
    # The PDF.
    _library("weasyprint", {PDF}, "lays out and prints the PDF"),
    _library("pydyf", {PDF}, "writes the PDF's objects and streams"),
    _library("tinyhtml5", {PDF}, "WeasyPrint's HTML parser"),
    _library("tinycss2", {PDF, HTML, CATALOG}, "WeasyPrint's CSS parser; which faces a page uses"),
    _library("cssselect2", {PDF, HTML, CATALOG}, "selector matching: the print's, a page's faces"),
    _library("fonttools", {PDF, HTML, CATALOG}, "WeasyPrint's fonts; packs the pages' WOFF2"),
    _library("brotli", {HTML, CATALOG}, "compresses the pages' WOFF2 faces"),
    _library("pyphen", {PDF}, "hyphenation of the printed text"),
    Item("system", "pango", frozenset({PDF}), "WeasyPrint's text layout"),
    Item("system", "harfbuzz", frozenset({PDF}), "WeasyPrint's shaping and font subsetting"),
    Item("system", "fontconfig", frozenset({PDF}), "which installed face WeasyPrint picks"),
    # The Word file.
    _library("pypandoc-binary", {DOCX}, "runs pandoc"),
    Item("pandoc", "pandoc", frozenset({DOCX}), "writes the Word file"),
    _library("python-docx", {DOCX}, "makes the reference document and finishes the file"),
    Item("office", "libreoffice", frozenset({DOCX}), "lays the file out: its contents' pages"),
    _library("lxml", {DOCX, CATALOG}, "python-docx's and feedgen's XML"),
    # The catalog.
    _library("feedgen", {CATALOG}, "writes the feed"),
)
# Imported but shaping no output: email-validator (addresses), watchfiles (watch), cffi (loads
# the system libraries, whose versions are listed).

# A system library's version function, by the file names the loader knows it by.
_SYSTEM = {
    "pango": (("libpango-1.0.so.0", "libpango-1.0.0.dylib", "libpango-1.0-0.dll"), "pango_version_string"),
    "harfbuzz": (("libharfbuzz.so.0", "libharfbuzz.0.dylib", "libharfbuzz-0.dll"), "hb_version_string"),
    "fontconfig": (("libfontconfig.so.1", "libfontconfig.1.dylib", "libfontconfig-1.dll"), "FcGetVersion"),
}  # fmt: skip


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def _pandoc() -> str:
    """The pandoc binary pypandoc-binary installed, by the checksum its wheel's RECORD holds
    (reading it costs nothing; running pandoc costs a tenth of a second), and any pandoc that
    pypandoc could prefer to it: the one PYPANDOC_PANDOC names, or one on PATH."""
    parts = []
    try:
        record = metadata.distribution("pypandoc-binary").read_text("RECORD") or ""
    except metadata.PackageNotFoundError:
        record = ""
    for line in record.splitlines():
        path, _, rest = line.partition(",")
        if path.startswith("pypandoc/files/pandoc"):
            parts.append(f"{path},{rest}")
    import shutil

    for other in (os.environ.get("PYPANDOC_PANDOC"), shutil.which("pandoc")):
        if other:
            try:
                st = os.stat(other)
            except OSError:
                parts.append(f"{other}:missing")
            else:
                parts.append(f"{other}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts) or "absent"


def _system(name: str) -> str:
    """A system library's own version, asked of the library (a dlopen, no WeasyPrint)."""
    import ctypes

    names, function = _SYSTEM[name]
    for soname in names:
        try:
            lib = ctypes.CDLL(soname)
        except OSError:
            continue
        call = getattr(lib, function)
        if function == "FcGetVersion":
            call.restype = ctypes.c_int
            return str(call())
        call.restype = ctypes.c_char_p
        return call().decode("ascii", "replace")
    return "absent"


def _files(folder: Path, suffixes: tuple[str, ...]) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix in suffixes
        and not any(part.startswith(".") or part == "__pycache__" for part in p.parts)
    )


def code_checksums() -> dict[str, str]:
    """Every module of the package and every template it ships (templating.py), by checksum
    (fingerprint.py also names its own)."""
    return {
        f"briefing/{p.relative_to(PACKAGE).as_posix()}": file_sha256(p)
        for p in _files(PACKAGE, (".py", ".j2"))
    }


def _checksum(entries: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(entries, sort_keys=True).encode()).hexdigest()


def _patches() -> str:
    """The patches' source and the switch: either changes what the print makes."""
    source = file_sha256(ENGINE_PATCHES) if ENGINE_PATCHES.is_file() else "none"
    return f"{source}|{STOCK_ENGINE}={os.environ.get(STOCK_ENGINE, '')}"


def value(item: Item) -> str:
    """What `item` is in this environment, as a short string."""
    if item.kind == "library":
        return _version(item.name)
    if item.kind == "python":
        return f"{sys.implementation.name} {sys.version}"
    if item.kind == "pandoc":
        return _pandoc()
    if item.kind == "office":
        return office.identity()
    if item.kind == "system":
        return _system(item.name)
    if item.kind == "fonts":
        return _checksum(
            {p.relative_to(FONTS).as_posix(): file_sha256(p) for p in _files(FONTS, (".ttf",))}
        )
    if item.kind == "patches":
        return _patches()
    if item.kind == "code":
        if item.name == "briefing-drawing":
            drawing = {p.relative_to(PACKAGE).as_posix(): file_sha256(p) for p in drawing_code()}
            return f"{__version__}|{_checksum(drawing)}"
        return f"{__version__}|{_checksum(code_checksums())}"
    raise ValueError(f"unknown kind of item: {item.kind}")


@functools.cache
def _value(item: Item) -> str:
    return value(item)


def forget() -> None:
    """Read everything afresh next time (tests change the environment within one process)."""
    _value.cache_clear()


def items(outputs: Iterable[str]) -> list[Item]:
    """The items that shape any of `outputs`; a document format brings in the charts it
    carries."""
    wanted = set(outputs)
    if wanted & DOCUMENTS:
        wanted.add(CHARTS)
    return [item for item in ITEMS if item.shapes & wanted]


def values(outputs: Iterable[str]) -> dict[str, str]:
    """Item -> value for what shapes `outputs`: readable, for a manifest."""
    return {f"{item.kind}:{item.name}": _value(item) for item in items(outputs)}


def digest(outputs: Iterable[str]) -> str:
    """One checksum of everything that shapes `outputs`."""
    return _checksum(values(outputs))
