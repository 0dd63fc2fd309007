"""Compare two output folders as a reader would: PDF text by page and page count, DOCX XML
parts, HTML text. Prints each difference and exits 1 if there is any (see .ci/same-output)."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pypdf


def pdf_pages(path: Path) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(path).pages]


def docx_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {n: package.read(n) for n in package.namelist() if n.endswith(".xml")}


def differences(a: Path, b: Path) -> list[str]:
    """How the new file `b` differs from the old `a`, as a reader would see it."""
    if not b.exists():
        return ["missing in the new output"]
    if a.suffix == ".pdf":
        pa, pb = pdf_pages(a), pdf_pages(b)
        found = [f"{len(pa)} pages before, {len(pb)} after"] if len(pa) != len(pb) else []
        return found + [
            f"page {i} text differs"
            for i, (x, y) in enumerate(zip(pa, pb, strict=False), 1)
            if x != y
        ]
    if a.suffix == ".docx":
        xa, xb = docx_parts(a), docx_parts(b)
        return [f"{p} differs" for p in sorted(xa.keys() | xb.keys()) if xa.get(p) != xb.get(p)]
    return ["differs"] if a.read_bytes() != b.read_bytes() else []


def compare(old: Path, new: Path) -> list[str]:
    names = sorted(p.name for p in old.glob("*.*") if p.suffix in {".pdf", ".docx", ".html"})
    if not names:
        return [f"{old}: no documents were built"]
    problems: list[str] = []
    for name in names:
        found = differences(old / name, new / name)
        if not found:
            print(f"same: {name}")
        problems += [f"{name}: {line}" for line in found]
    return problems


if __name__ == "__main__":
    found = compare(Path(sys.argv[1]), Path(sys.argv[2]))
    for line in found:
        print(f"DIFFERENT: {line}")
    sys.exit(1 if found else 0)
