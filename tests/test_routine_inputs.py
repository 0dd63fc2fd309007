"""A report changes only when what it uses changes, and only `build` publishes (issue #20, items
3 and 6). Both reports are built from one evidence base: a change to a fact, a template or a
section that one report does not use must leave the other's edition where it is, and its
what-changed section lists only its own facts under its own sections. (`preview`, which never
publishes, is tested in test_preview.py.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from briefing.cli.main import main

from .conftest import EPOCH, copy_project, edit, html_text

LONG, FOCUS = "iran-venezuela", "iran-venezuela-in-focus"


def build(project: Path, out: Path, *reports: str, capsys=None) -> str:
    code = main(["build", *reports, "-C", str(project), "-o", str(out), "-f", "html", "-j", "1"])
    printed = capsys.readouterr().out if capsys is not None else ""
    assert code == 0, printed
    return printed


def editions(out: Path, report: str) -> list[str]:
    folder = out / report / "editions"
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def manifest(out: Path, report: str) -> dict:
    return json.loads((out / report / "current" / "manifest.json").read_text(encoding="utf-8"))


def section_titles(project: Path, report: str) -> list[str]:
    text = (project / "reports" / f"{report}.yaml").read_text(encoding="utf-8")
    return [t.strip().strip('"') for t in re.findall(r"title: ([^,}]+|\"[^\"]+\")", text)][1:]


def what_changed(out: Path, report: str) -> tuple[list[str], str]:
    """The group titles of the what-changed section as published, and its text."""
    html = (out / f"{report}.html").read_text(encoding="utf-8")
    start = html.index('id="what-changed"')
    end = html.index("</section>", start)
    part = html[start:end]
    groups = [html_text(g) for g in re.findall(r"<p><strong>(.*?)</strong></p>", part)]
    return groups, html_text(part)


@pytest.fixture
def first(tmp_path, monkeypatch) -> tuple[Path, Path]:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    project = copy_project(tmp_path / "project")
    out = tmp_path / "out"
    build(project, out)
    assert editions(out, LONG) == ["2026-11-18"] and editions(out, FOCUS) == ["2026-11-18"]
    return project, out


def test_a_fact_one_report_does_not_use_republishes_only_the_other(first, capsys):
    project, out = first
    capsys.readouterr()
    # hezbollah-foothold: the long briefing discusses it, the In Focus brief never does.
    edit(
        project / "data/facts/arms.yaml",
        "rare foothold for Iran",
        "rare and valued foothold for Iran",
    )
    printed = build(project, out, capsys=capsys)
    assert f"{FOCUS}: up to date (edition 2026-11-18)" in printed
    assert f"{LONG}: published edition 2026-11-18-2 (1 fact changed)" in printed
    assert editions(out, FOCUS) == ["2026-11-18"]
    assert manifest(out, LONG)["changes"]["changed"] == ["hezbollah-foothold"]

    # Now one fact each report uses and one only the long briefing uses.
    edit(project / "data/facts/finance.yaml", "Smuggled gold", "Smuggled gold bars")
    edit(project / "data/facts/arms.yaml", "rare and valued foothold", "rare foothold")
    printed = build(project, out, capsys=capsys)
    assert f"{FOCUS}: published edition 2026-11-18-2 (1 fact changed)" in printed
    focus = manifest(out, FOCUS)
    assert focus["changes"]["changed"] == ["illicit-flows"]
    assert focus["changes"]["added"] == [] and focus["changes"]["removed"] == []
    groups, text = what_changed(out, FOCUS)
    assert groups == ["Working around sanctions"], groups
    assert set(groups) <= set(section_titles(project, FOCUS))
    assert "Smuggled gold bars" in text and "foothold" not in text
    summary = json.loads((out / FOCUS / "current" / "summary.json").read_text(encoding="utf-8"))
    shown = json.dumps(summary["changes"], ensure_ascii=False)
    assert "Smuggled gold bars" in shown and "foothold" not in shown
    # The long briefing's group is its own section, not a domain's label.
    long_groups, _ = what_changed(out, LONG)
    assert set(long_groups) <= set(section_titles(project, LONG)), long_groups
    # What the fingerprint covered is in the manifest, readably.
    inputs = focus["inputs"]
    assert "illicit-flows" in inputs["facts"] and "hezbollah-foothold" not in inputs["facts"]
    assert "templates/sections/iran-venezuela-in-focus/fuel.md.j2" in inputs["files"]
    assert not any("sections/iran-venezuela/" in name for name in inputs["files"])
    assert "briefing/templates/layouts/_parts.html.j2" in inputs["files"]  # the package's
    assert "templates/styles/in-focus.css" in inputs["files"]
    # The edition's evidence is the facts this report uses.
    evidence = json.loads((out / FOCUS / "current" / "evidence.json").read_text(encoding="utf-8"))
    assert "illicit-flows" in evidence["facts"] and "hezbollah-foothold" not in evidence["facts"]


def test_a_fact_selected_by_a_chart_or_derived_figure_counts(first, capsys):
    project, out = first
    capsys.readouterr()
    # The gold quantity feeds the In Focus chart and its derived price per barrel.
    text = (project / "data/facts/energy.yaml").read_text(encoding="utf-8")
    assert "gasoline-for-gold-2020" in text
    edit(project / "data/facts/energy.yaml", "value: 2350000", "value: 2400000")
    printed = build(project, out, capsys=capsys)
    assert f"{FOCUS}: published edition 2026-11-18-2" in printed
    assert f"{LONG}: published edition 2026-11-18-2" in printed


def test_templates_of_one_report_leave_the_other_up_to_date(first, capsys):
    project, out = first
    capsys.readouterr()
    # A new section template of the long briefing, and an edit to one of its templates.
    (project / "templates/sections/iran-venezuela/annex.md.j2").write_text(
        "{{ method() }}This annex restates the method.\n", encoding="utf-8"
    )
    edit(
        project / "reports/iran-venezuela.yaml",
        "  - {id: sources,",
        "  - {id: annex, title: Annex, template: sections/iran-venezuela/annex.md.j2}\n"
        "  - {id: sources,",
    )
    edit(
        project / "templates/sections/iran-venezuela/outlook.md.j2",
        "{{ method() }}The judgments above",
        "{{ method() }}The assessments above",
    )
    printed = build(project, out, capsys=capsys)
    assert f"{FOCUS}: up to date (edition 2026-11-18)" in printed
    assert f"{LONG}: published edition 2026-11-18-2 (no facts changed)" in printed

    # And the other way round: an In Focus template, and a new file beside its templates.
    edit(
        project / "templates/sections/iran-venezuela-in-focus/sanctions.md.j2",
        "neither source puts a size on these flows.",
        "neither of the two puts a size on these flows.",
    )
    (project / "templates/sections/iran-venezuela-in-focus/spare.md.j2").write_text(
        "{{ method() }}Not used yet.\n", encoding="utf-8"
    )
    printed = build(project, out, capsys=capsys)
    assert f"{LONG}: up to date (edition 2026-11-18-2)" in printed
    assert f"{FOCUS}: published edition 2026-11-18-2 (no facts changed)" in printed

    # A stylesheet only the In Focus brief includes.
    edit(project / "templates/styles/in-focus.css", "}", "} ")
    printed = build(project, out, capsys=capsys)
    assert f"{LONG}: up to date" in printed
    assert f"{FOCUS}: published edition 2026-11-18-3" in printed


def test_an_unchanged_build_stays_up_to_date(first, capsys):
    project, out = first
    capsys.readouterr()
    printed = build(project, out, capsys=capsys)
    assert f"{FOCUS}: up to date" in printed and f"{LONG}: up to date" in printed
