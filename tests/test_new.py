"""`briefing new`: a new report's files pass `briefing check` and build with no edit, plain,
shaped like another report, and with a layout of its own; a bad, taken or unknown name is
refused with nothing written; the files are created together or not at all.

One copy of the project serves the whole file, and each report is built once (one with every
format, one as HTML), to keep the file's time modest."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
import yaml

from briefing.base import files as basefiles
from briefing.cli.main import main
from briefing.config.scaffold import plan, write
from tests.conftest import html_text, pdf_text

ROOT = Path(__file__).resolve().parents[1]
FOCUS = "iran-venezuela-in-focus"


def _tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        if p.is_file()
        else "folder"
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("new") / "project"
    for name in ("reports", "templates", "data"):
        shutil.copytree(ROOT / name, root / name)
    return root


def _run(project: Path, *args: str, capsys) -> tuple[int, str, str]:
    status = main([*args[:1], "--project", str(project), *args[1:]])
    out, err = capsys.readouterr()
    return status, out, err


def test_a_plain_report_passes_the_check_and_builds_in_every_format(project, capsys, monkeypatch):
    status, out, err = _run(project, "new", "my-brief", capsys=capsys)
    assert status == 0, err
    assert out.splitlines()[:3] == [
        "wrote reports/my-brief.yaml",
        "wrote templates/sections/my-brief/bottom-line.md.j2",
        "wrote templates/sections/my-brief/sources.md.j2",
    ]
    for verb in ("preview", "check", "build"):
        assert f"briefing {verb} -C {project} my-brief" in out
    report = (project / "reports" / "my-brief.yaml").read_text(encoding="utf-8")
    assert report.count("\n# ") > 20  # every field explained
    spec = yaml.safe_load(report)
    assert spec["id"] == "my-brief" and spec["title"] == "My brief"
    assert spec["layout"] == "layouts/briefing.html.j2"
    assert "{#-" in (project / "templates/sections/my-brief/bottom-line.md.j2").read_text()

    status, out, err = _run(project, "check", "my-brief", capsys=capsys)
    assert (status, err) == (0, "")
    assert out.strip() == "1 report, 44 facts, 0 charts: no problems"

    monkeypatch.setenv("BRIEFING_OFFICE", "off")
    output = project.parent / "out-plain"
    status, out, err = _run(project, "build", "-o", str(output), "my-brief", capsys=capsys)
    assert status == 0, err
    assert sorted(p.name for p in output.glob("my-brief.*")) == [
        "my-brief.docx",
        "my-brief.html",
        "my-brief.pdf",
    ]
    assert not (output / "iran-venezuela.html").exists()  # only the report asked for
    page = html_text((output / "my-brief.html").read_text(encoding="utf-8"))
    # The newest fact of the evidence, its claimant named, and the key judgments stated.
    assert "My brief" in page and "Bottom line" in page and "Sources" in page
    assert "The January 2026 news report says: Iran denounces the operation" in page
    assert "On information current to" in page
    assert "Iran denounces the operation" in pdf_text(output / "my-brief.pdf")


def test_like_and_layout_start_from_an_existing_report(project, capsys):
    status, out, err = _run(
        project, "new", "trade-brief", "--like", FOCUS, "--layout", capsys=capsys
    )
    assert status == 0, err
    spec = yaml.safe_load((project / "reports" / "trade-brief.yaml").read_text(encoding="utf-8"))
    model = yaml.safe_load((project / "reports" / f"{FOCUS}.yaml").read_text(encoding="utf-8"))
    assert spec["title"] == "Trade brief"
    assert spec["kicker"] == model["kicker"] == "In Focus"
    assert spec["layout"] == "layouts/trade-brief.html.j2"
    assert spec["stylesheets"] == model["stylesheets"]
    assert spec["charts"] == model["charts"]
    assert [(s["id"], s["title"]) for s in spec["sections"]] == [
        (s["id"], s["title"]) for s in model["sections"]
    ]
    for section in spec["sections"]:
        assert section["template"].startswith("sections/trade-brief/")
        assert (project / "templates" / section["template"]).is_file()
    layout = (project / "templates/layouts/trade-brief.html.j2").read_text(encoding="utf-8")
    original = (project / "templates/layouts/in-focus.html.j2").read_text(encoding="utf-8")
    assert layout.startswith("{#-") and layout.endswith(original)
    assert "wrote templates/layouts/trade-brief.html.j2" in out

    status, out, err = _run(project, "check", "trade-brief", capsys=capsys)
    assert (status, err) == (0, ""), err
    output = project.parent / "out-like"
    status, _, err = _run(
        project, "build", "-o", str(output), "-f", "html", "trade-brief", capsys=capsys
    )
    assert status == 0, err
    page = html_text((output / "trade-brief.html").read_text(encoding="utf-8"))
    # The kicker comes from the report file, through the copied layout.
    assert "In Focus Trade brief" in page
    assert "Figure 1." in page and "Fuel for gold" in page


def test_a_layout_of_its_own_for_a_plain_report(project, capsys):
    status, _, err = _run(project, "new", "own-layout", "--layout", capsys=capsys)
    assert status == 0, err
    spec = yaml.safe_load((project / "reports" / "own-layout.yaml").read_text(encoding="utf-8"))
    assert spec["layout"] == "layouts/own-layout.html.j2"
    assert (
        (project / "templates/layouts/own-layout.html.j2")
        .read_text()
        .endswith((project / "templates/layouts/briefing.html.j2").read_text())
    )
    status, _, err = _run(project, "check", capsys=capsys)  # every report, the new ones too
    assert status == 0, err


@pytest.mark.parametrize(
    "args,expected",
    [
        (["iran-venezuela"], "reports/iran-venezuela.yaml: a report named 'iran-venezuela' exists"),
        (["Bad_Id"], "Bad_Id: not a report id"),
        (["bad/id"], "bad/id: not a report id"),
        (["index"], "index: report id 'index' is reserved: output/index.html is the output"),
        (["-x"], None),  # argparse refuses it as an option
        (["fine", "--like", "nope"], "reports/: no report named 'nope' to start from; available: "),
    ],
)
def test_refusals_write_nothing(project, capsys, args, expected):
    before = _tree(project)
    try:
        status, _, err = _run(project, "new", *args, capsys=capsys)
    except SystemExit as exc:
        status, err = exc.code, capsys.readouterr().err
    assert status == 2
    if expected is not None:
        assert err.splitlines()[0].startswith(expected), err
        assert "nothing was written" in err
    if "--like" in args:
        assert "iran-venezuela, iran-venezuela-in-focus" in err
    assert _tree(project) == before


def test_a_sections_folder_in_the_way_is_refused(project, capsys):
    (project / "templates/sections/taken").mkdir()
    before = _tree(project)
    status, _, err = _run(project, "new", "taken", capsys=capsys)
    assert status == 2
    assert err.startswith("templates/sections/taken/: exists already")
    assert _tree(project) == before


def test_the_files_are_written_together_or_not_at_all(project, monkeypatch):
    """A failure while placing the third file leaves none of them, nor their folders."""
    scaffold = plan(project, "half-done", like=FOCUS, layout=True)
    before = _tree(project)
    placed = []
    real_link = os.link

    def failing_link(src, dst):
        if len(placed) == 2:
            raise OSError(28, "No space left on device")
        placed.append(dst)
        real_link(src, dst)

    monkeypatch.setattr(basefiles.os, "link", failing_link)
    with pytest.raises(OSError):
        write(project, scaffold)
    assert len(placed) == 2
    assert _tree(project) == before
    assert not any(p.name.startswith(".tmp-") for p in project.rglob("*"))
