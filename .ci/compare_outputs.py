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


def compare(old: Path, new: Path) -> list[str]:
    problems: list[str] = []
    names = sorted(p.name for p in old.glob("*.*") if p.suffix in {".pdf", ".docx", ".html"})
    if not names:
        return [f"{old}: no documents were built"]
    for name in names:
        a, b = old / name, new / name
        if not b.exists():
            problems.append(f"{name}: missing in the new output")
        elif a.suffix == ".pdf":
            pa, pb = pdf_pages(a), pdf_pages(b)
            if len(pa) != len(pb):
                problems.append(f"{name}: {len(pa)} pages before, {len(pb)} after")
            problems += [
                f"{name}: page {i} text differs"
                for i, (x, y) in enumerate(zip(pa, pb, strict=False), 1)
                if x != y
            ]
        elif a.suffix == ".docx":
            xa, xb = docx_parts(a), docx_parts(b)
            problems += [
                f"{name}: {part} differs"
                for part in sorted(xa.keys() | xb.keys())
                if xa.get(part) != xb.get(part)
            ]
        elif a.read_bytes() != b.read_bytes():
            problems.append(f"{name}: differs")
        if not problems or not problems[-1].startswith(name):
            print(f"same: {name}")
    return problems


if __name__ == "__main__":
    found = compare(Path(sys.argv[1]), Path(sys.argv[2]))
    for line in found:
        print(f"DIFFERENT: {line}")
    sys.exit(1 if found else 0)
