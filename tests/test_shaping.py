"""What shapes the output besides a report (shaping.py) decides both the up-to-date check and
the chart cache: a change to any item that shapes a format makes the next build of that format
publish again, a change to any item that shapes the charts draws them again, and an unchanged
environment stays up to date. Each change is simulated by changing what shaping.py reads (a
library's version, a file's bytes, an environment variable), in this process: the builds run
with one job, so nothing is read in another process."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace

import pytest

from briefing.base import shaping
from briefing.base.errors import Problems
from briefing.charts import draw as charts
from briefing.cli.main import main
from briefing.publish.fingerprint import fingerprint
from briefing.publish.pipeline import select_reports

from .conftest import EPOCH, copy_project

FOCUS = "iran-venezuela-in-focus"  # two pages, two charts: an HTML build takes about a second


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    """The package's code as it is when the tests start, so an edit made to the checkout while
    they run (which would rightly make every build publish again) cannot decide them."""
    return copied_package(tmp_path_factory.mktemp("code"))


def read_from(mp: pytest.MonkeyPatch, package: Path) -> None:
    mp.setattr(shaping, "PACKAGE", package)
    mp.setattr(shaping, "ENGINE_PATCHES", package / "writers" / "pdf" / "engine.py")
    shaping.forget()


@pytest.fixture(autouse=True)
def fresh_reads(package, monkeypatch):
    """shaping.py reads its values once per process; each test reads them afresh."""
    read_from(monkeypatch, package)
    yield
    shaping.forget()


@pytest.fixture(scope="module")
def first_build(tmp_path_factory, package) -> tuple[Path, Path]:
    """The report built once, as HTML, in the environment as it is."""
    folder = tmp_path_factory.mktemp("first")
    project = copy_project(folder / "project")
    out = folder / "out"
    with pytest.MonkeyPatch.context() as mp:
        read_from(mp, package)
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        assert build(project, out) == 0
    shaping.forget()
    return project, out


@pytest.fixture
def built(first_build, tmp_path, monkeypatch, capsys) -> tuple[Path, Path]:
    """A private copy of the first build's output, so a test may publish a new edition."""
    project, out = first_build
    mine = tmp_path / "out"
    shutil.copytree(out, mine, symlinks=True)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    capsys.readouterr()
    return project, mine


def build(project: Path, out: Path) -> int:
    args = ["build", FOCUS, "-C", str(project), "-o", str(out), "-f", "html", "-j", "1"]
    return main(args)


def rebuild(project: Path, out: Path, capsys) -> str:
    capsys.readouterr()
    code = build(project, out)
    printed = capsys.readouterr().out
    assert code == 0, printed
    return printed


def digest(project: Path, formats: tuple[str, ...]) -> str:
    spec = select_reports(project, [FOCUS], Problems())[0]
    return fingerprint(spec, project, formats).digest


# ---------------------------------------------------------------- the changes ---------------------


def library(name: str) -> Callable[[pytest.MonkeyPatch, Path], None]:
    """A new release of one library: its installed version reads one step higher."""

    def change(mp: pytest.MonkeyPatch, _tmp: Path) -> None:
        real = metadata.version

        def version(distribution: str) -> str:
            found = real(distribution)
            return f"{found}.post1" if distribution.lower() == name.lower() else found

        mp.setattr(shaping.metadata, "version", version)

    return change


def copied_package(tmp: Path) -> Path:
    package = tmp / "briefing"
    shutil.copytree(shaping.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return package


def module(name: str) -> Callable[[pytest.MonkeyPatch, Path], None]:
    """One of the package's files edited (a module, or a template it ships)."""

    def change(mp: pytest.MonkeyPatch, tmp: Path) -> None:
        package = copied_package(tmp)  # a copy of the copy the tests read
        with (package / name).open("a", encoding="utf-8") as f:
            f.write("\n# edited\n")
        mp.setattr(shaping, "PACKAGE", package)

    return change


def fonts(mp: pytest.MonkeyPatch, tmp: Path) -> None:
    """A new release of the shipped faces: one file's bytes differ."""
    folder = tmp / "fonts"
    shutil.copytree(shaping.FONTS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    face = sorted(folder.glob("*.ttf"))[0]
    face.write_bytes(face.read_bytes() + b"\0")
    mp.setattr(shaping, "FONTS", folder)


def python(mp: pytest.MonkeyPatch, _tmp: Path) -> None:
    """Another Python: its version string differs."""
    mp.setattr(
        shaping,
        "sys",
        SimpleNamespace(version=sys.version + "+1", implementation=sys.implementation),
    )


def pandoc(mp: pytest.MonkeyPatch, tmp: Path) -> None:
    """A pandoc that pypandoc may prefer to the wheel's (PYPANDOC_PANDOC names one)."""
    other = tmp / "pandoc"
    other.write_bytes(b"#!/bin/sh\n")
    mp.setenv("PYPANDOC_PANDOC", str(other))


def pandoc_wheel(mp: pytest.MonkeyPatch, _tmp: Path) -> None:
    """Another pandoc binary in the same pypandoc-binary release: its RECORD line differs."""
    real = metadata.distribution

    def distribution(name: str):
        found = real(name)
        if name != "pypandoc-binary":
            return found
        line = "pypandoc/files/pandoc,sha256="
        text = (found.read_text("RECORD") or "").replace(line, line + "X")
        return SimpleNamespace(version=found.version, read_text=lambda _file: text)

    mp.setattr(shaping.metadata, "distribution", distribution)


def pango(mp: pytest.MonkeyPatch, _tmp: Path) -> None:
    """Another Pango (here: none the loader can find, which reads as "absent")."""
    _names, function = shaping._SYSTEM["pango"]
    mp.setitem(shaping._SYSTEM, "pango", (("libpango-none.so.0",), function))


def patches(mp: pytest.MonkeyPatch, tmp: Path) -> None:
    """The engine patches edited."""
    source = tmp / "engine.py"
    source.write_text("# patches, edited\n", encoding="utf-8")
    mp.setattr(shaping, "ENGINE_PATCHES", source)


def stock_engine(mp: pytest.MonkeyPatch, _tmp: Path) -> None:
    """The patches switched off."""
    mp.setenv(shaping.STOCK_ENGINE, "1")


def office_off(mp: pytest.MonkeyPatch, _tmp: Path) -> None:
    """LibreOffice turned off: the Word file's contents lose their page numbers (on a machine
    without it, "off" still differs from "absent", and costs one rebuild)."""
    mp.setenv("BRIEFING_OFFICE", "off")


# id -> (the change, the outputs it shapes)
CHANGES: dict[str, tuple[Callable[[pytest.MonkeyPatch, Path], None], set[str]]] = {
    "Jinja2": (library("Jinja2"), {"html", "pdf", "docx"}),
    "markdown-it-py": (library("markdown-it-py"), {"html", "pdf", "docx"}),
    "PyYAML": (library("PyYAML"), {"html", "pdf", "docx"}),
    "matplotlib": (library("matplotlib"), {"charts"}),
    "numpy": (library("numpy"), {"charts"}),
    "uharfbuzz": (library("uharfbuzz"), {"charts", "docx", "html"}),
    "pillow": (library("pillow"), {"charts", "pdf"}),
    "weasyprint": (library("weasyprint"), {"pdf"}),
    "pydyf": (library("pydyf"), {"pdf"}),
    "tinyhtml5": (library("tinyhtml5"), {"pdf"}),
    "fonttools": (library("fonttools"), {"pdf", "html"}),
    "brotli": (library("brotli"), {"html"}),
    "pyphen": (library("pyphen"), {"pdf"}),
    "python-docx": (library("python-docx"), {"docx"}),
    "pypandoc-binary": (library("pypandoc-binary"), {"docx"}),
    "pandoc on PATH": (pandoc, {"docx"}),
    "pandoc in the wheel": (pandoc_wheel, {"docx"}),
    "pango": (pango, {"pdf"}),
    "engine patches": (patches, {"pdf"}),
    "BRIEFING_STOCK_ENGINE": (stock_engine, {"pdf"}),
    "BRIEFING_OFFICE": (office_off, {"docx"}),
    "fonts": (fonts, {"html", "pdf", "docx", "charts"}),
    "python": (python, {"html", "pdf", "docx", "charts"}),
    "drawing code": (module("charts/draw.py"), {"html", "pdf", "docx", "charts"}),
    "other code": (module("compose/document.py"), {"html", "pdf", "docx"}),
    # A template the package ships (base/templating.py) is code too.
    "packaged template": (module("templates/layouts/_parts.html.j2"), {"html", "pdf", "docx"}),
}


# ---------------------------------------------------------------- the tests -----------------------


def test_an_unchanged_environment_stays_up_to_date(built, capsys):
    project, out = built
    printed = rebuild(project, out, capsys)
    assert f"{FOCUS}: up to date" in printed
    shaping.forget()  # read again: the same values
    assert f"{FOCUS}: up to date" in rebuild(project, out, capsys)


@pytest.mark.parametrize("name", list(CHANGES))
def test_a_change_rebuilds_what_it_shapes_and_only_that(name, built, monkeypatch, tmp_path, capsys):
    """An HTML build publishes again exactly when the item shapes HTML or the charts it
    carries, and draws its charts again exactly when the item shapes the charts; a digest of
    each format the item shapes changes, and of the others does not."""
    project, out = built
    before = {fmt: digest(project, (fmt,)) for fmt in ("html", "pdf", "docx")}
    engine = charts._engine()
    change, shapes = CHANGES[name]
    change(monkeypatch, tmp_path)
    shaping.forget()

    for fmt, old in before.items():
        shaped = fmt in shapes or "charts" in shapes
        assert (digest(project, (fmt,)) != old) == shaped, (name, fmt)
    assert (charts._engine() != engine) == ("charts" in shapes), name

    printed = rebuild(project, out, capsys)
    if "html" in shapes or "charts" in shapes:
        assert "published edition" in printed, printed
    else:
        assert f"{FOCUS}: up to date" in printed, printed
    redrawn = "drawing chart" in printed
    assert redrawn == ("charts" in shapes), printed


def test_every_declared_library_is_covered_and_read():
    """Each library in the list is installed here (a misspelt name would read "absent" for
    ever, and its upgrades would go unseen), and every library the writers and charts import
    is in the list."""
    libraries = {i.name for i in shaping.ITEMS if i.kind == "library"}
    for name in libraries:
        assert shaping.value(next(i for i in shaping.ITEMS if i.name == name)) != "absent", name
    imported = {"weasyprint", "pydyf", "tinyhtml5", "matplotlib", "uharfbuzz", "pypandoc-binary"}
    imported |= {"python-docx", "lxml", "Jinja2", "MarkupSafe", "markdown-it-py", "PyYAML"}
    imported |= {"feedgen", "tinycss2"}
    assert imported <= libraries
