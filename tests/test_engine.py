"""The print's engine patches (writers/engine.py): the same pages with and without them, applied
only around a print, and left off on a library version they were not written for."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from .conftest import EPOCH, REPORT, ROOT, build_command

# Page images are compared at 50 dpi; the pages must match pixel for pixel (no tolerance):
# every patch leaves what is drawn untouched, so any differing pixel is a real change.
RESOLUTION = 50
TOLERANCE = 0  # the most any channel of any pixel may differ, out of 255


def _print_briefing(out: Path, stock: bool) -> subprocess.CompletedProcess:
    """The main briefing's PDF built by the real command in its own process (the patches are
    per process), with the engine's patches on or, with BRIEFING_STOCK_ENGINE=1, all off."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    env.pop("BRIEFING_STOCK_ENGINE", None)
    if stock:
        env["BRIEFING_STOCK_ENGINE"] = "1"
    done = subprocess.run(
        build_command(ROOT, out, "--format", "pdf", "--quiet"),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def both_prints(tmp_path_factory) -> tuple[Path, Path, str, str]:
    folder = tmp_path_factory.mktemp("engine")
    patched = _print_briefing(folder / "patched", stock=False)
    stock = _print_briefing(folder / "stock", stock=True)
    return (
        folder / "patched" / f"{REPORT}.pdf",
        folder / "stock" / f"{REPORT}.pdf",
        patched.stderr,
        stock.stderr,
    )


def test_the_briefing_prints_the_same_pages_with_and_without_the_patches(both_prints):
    patched, stock, patched_err, stock_err = both_prints
    # The switch took effect: the quicker last streams compress two streams differently.
    assert patched.read_bytes() != stock.read_bytes()
    # Neither print found a library version it did not expect.
    assert "engine patches" not in patched_err + stock_err
    a, b = PdfReader(patched), PdfReader(stock)
    assert len(a.pages) == len(b.pages) > 1
    for number, (x, y) in enumerate(zip(a.pages, b.pages, strict=True), start=1):
        assert x.extract_text() == y.extract_text(), f"page {number}"
        assert x.mediabox == y.mediabox, f"page {number}"


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) missing")
def test_the_pages_look_the_same_with_and_without_the_patches(both_prints, tmp_path):
    image = pytest.importorskip("PIL.Image")
    chops = pytest.importorskip("PIL.ImageChops")
    patched, stock, _, _ = both_prints
    pages = {}
    for name, pdf in (("patched", patched), ("stock", stock)):
        prefix = tmp_path / name
        subprocess.run(
            ["pdftoppm", "-r", str(RESOLUTION), "-png", str(pdf), str(prefix)],
            check=True,
            timeout=300,
        )
        pages[name] = sorted(tmp_path.glob(f"{name}-*.png"))
    assert len(pages["patched"]) == len(pages["stock"]) == len(PdfReader(stock).pages)
    for one, other in zip(pages["patched"], pages["stock"], strict=True):
        x, y = image.open(one).convert("RGB"), image.open(other).convert("RGB")
        assert x.size == y.size, one.name
        worst = max(high for _, high in chops.difference(x, y).getextrema())
        assert worst <= TOLERANCE, f"{one.name}: a pixel differs by {worst}"


# ---------------------------------------------------------------- the switch and the pins ---------


@pytest.fixture
def engine(monkeypatch):
    from briefing.writers.pdf import engine

    monkeypatch.delenv("BRIEFING_STOCK_ENGINE", raising=False)
    monkeypatch.setattr(engine, "_said", set())  # as in a fresh process
    return engine


def _shipped():
    """The library attributes the patches replace, as the libraries define them."""
    import pydyf
    from tinyhtml5 import inputstream
    from weasyprint.document import Page

    return (
        inputstream.characters_until_regex,
        pydyf.PDF.__dict__["page_references"],
        pydyf.Stream.__dict__["data"],
        Page.__dict__["paint"],
    )


def test_importing_the_writer_patches_nothing():
    code = (
        "import pydyf\n"
        "from tinyhtml5 import inputstream\n"
        "from weasyprint.document import Page\n"
        "before = (inputstream.characters_until_regex, pydyf.PDF.__dict__['page_references'],"
        " pydyf.Stream.__dict__['data'], Page.__dict__['paint'])\n"
        "import briefing.writers.pdf.writer\n"
        "after = (inputstream.characters_until_regex, pydyf.PDF.__dict__['page_references'],"
        " pydyf.Stream.__dict__['data'], Page.__dict__['paint'])\n"
        "assert all(a is b for a, b in zip(before, after)), after\n"
        "assert type(inputstream.characters_until_regex) is dict\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_the_patches_are_applied_for_one_print_and_undone(engine):
    shipped = _shipped()
    with engine.patched() as session:
        assert session.on == {patch.name for patch in engine.PATCHES}
        during = _shipped()
        assert all(a is not b for a, b in zip(shipped, during, strict=True))
    assert all(a is b for a, b in zip(shipped, _shipped(), strict=True))


def test_stock_engine_turns_every_patch_off(engine, monkeypatch):
    monkeypatch.setenv("BRIEFING_STOCK_ENGINE", "1")
    shipped = _shipped()
    with engine.patched() as session:
        assert session.on == frozenset()
        assert all(a is b for a, b in zip(shipped, _shipped(), strict=True))
        assert session.images_ahead([("briefing-chart:x.svg", ("1pt", "1pt"))], None, None) == {}
        assert not isinstance(session.document("<p>x</p>"), engine.LeanHTML)
    monkeypatch.setenv("BRIEFING_STOCK_ENGINE", "pack-ahead,page-references")
    assert {p.name for p in engine.active()} == {p.name for p in engine.PATCHES} - {
        "pack-ahead",
        "page-references",
    }


def test_on_another_version_the_patches_for_it_are_left_off_and_said_once(
    engine, monkeypatch, capsys, tmp_path
):
    from briefing.writers.pdf.writer import write_pdf

    pinned = engine.installed
    monkeypatch.setattr(
        engine, "installed", lambda library: "71.0" if library == "weasyprint" else pinned(library)
    )
    kept = {p.name for p in engine.PATCHES if "weasyprint" not in p.libraries}
    assert kept and kept != {p.name for p in engine.PATCHES}
    from weasyprint.document import Page

    paint = Page.__dict__["paint"]
    html = "<html lang='en'><body><ol><li>One</li><li>Two</li></ol></body></html>"
    for n in range(2):
        with engine.patched() as session:
            assert session.on == kept
            assert Page.__dict__["paint"] is paint  # WeasyPrint stock
            assert not isinstance(session.document(html), engine.LeanHTML)
        write_pdf(html, tmp_path / f"{n}.pdf", "layouts/test.html.j2")
        words = PdfReader(tmp_path / f"{n}.pdf").pages[0].extract_text().split()
        assert sorted(words) == ["1.", "2.", "One", "Two"]
    err = capsys.readouterr().err
    assert err.count("briefing: warning:") == 1, err
    assert "weasyprint 71.0" in err and "70.0" in err and "runs stock" in err
    assert "pack-ahead" in err and "lean-default-stylesheet" in err
