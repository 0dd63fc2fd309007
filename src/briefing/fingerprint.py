"""One hash of everything that can change a report's output, so that an unchanged build can stop
before it imports a rendering library.

It covers the report definition, the data files it reads, every file under the asset folders
(templates, styles, layouts, fonts), the package's own code and version, the versions of the
libraries that draw the output, and the output options. It is deliberately conservative: a
template shared by another report still counts, because Jinja2 includes can reach any of them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from . import __version__
from .load import ReportSpec, fact_files

ASSET_FOLDERS = ("templates", "assets", "fonts")
RENDERERS = ("weasyprint", "matplotlib", "pypandoc-binary", "Jinja2", "markdown-it-py", "PyYAML")
PACKAGE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Fingerprint:
    digest: str  # "sha256:<hex>"
    inputs: dict[str, str]  # shown path -> sha256 of its bytes
    options: dict[str, object]


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _files_under(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _library_versions() -> dict[str, str]:
    versions = {}
    for name in RENDERERS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def fingerprint(
    spec: ReportSpec, root: Path, formats: tuple[str, ...], pdf_variant: str = "pdfua"
) -> Fingerprint:
    paths = [spec.path, spec.sources_file, spec.domains_file, *fact_files(spec.facts_paths)]
    if spec.judgments_file is not None:
        paths.append(spec.judgments_file)
    for folder in ASSET_FOLDERS:
        paths += _files_under(root / folder)
    inputs = {_shown(p, root): file_sha256(p) for p in paths if p.is_file()}
    code = {
        f"briefing/{p.relative_to(PACKAGE).as_posix()}": file_sha256(p)
        for p in _files_under(PACKAGE)
        if p.suffix in (".py", ".ttf")  # the shipped typefaces are part of the engine
    }
    options = {"formats": sorted(formats), "pdf_variant": pdf_variant}
    whole = {
        "inputs": inputs,
        "code": code,
        "tool": __version__,
        "libraries": _library_versions(),
        "options": options,
    }
    digest = hashlib.sha256(json.dumps(whole, sort_keys=True).encode()).hexdigest()
    return Fingerprint(f"sha256:{digest}", inputs, options)
