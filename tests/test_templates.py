"""The templates the engine needs ship inside the package; a project's `templates/` overrides any
of them by a file of the same name, and removing that file brings the packaged one back. Every
reader of templates finds them the same way (templating.locate): the render, the check at the
door, the up-to-date decision, the mail and the index."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from briefing.base import templating
from briefing.base.templating import PACKAGED, Outside, locate
from briefing.cli.main import main
from briefing.deliver.email.message import HTML_TEMPLATE, TEXT_TEMPLATE, MailTemplates
from briefing.publish import catalog

from .conftest import EPOCH, ROOT

FOCUS = "iran-venezuela-in-focus"
PARTS = "layouts/_parts.html.j2"
ENGINE = (
    PARTS,
    "layouts/index.html.j2",
    "sections/what-changed.md.j2",
    TEXT_TEMPLATE,
    HTML_TEMPLATE,
)


@pytest.fixture
def project(tmp_path) -> Path:
    """The In Focus report alone: enough for a one-second HTML build."""
    from .conftest import copy_project

    return copy_project(tmp_path / "project")


def build(project: Path, out: Path, capsys, *extra: str) -> tuple[int, str, str]:
    capsys.readouterr()
    args = ["build", FOCUS, "-C", str(project), "-o", str(out), "-f", "html", "-j", "1", *extra]
    code = main(args)
    printed = capsys.readouterr()
    return code, printed.out, printed.err


def test_the_engine_templates_are_the_packages_not_the_projects():
    for name in ENGINE:
        assert (PACKAGED / name).is_file(), name
        assert not (ROOT / "templates" / name).exists(), name  # the project keeps its content
        found = locate(ROOT / "templates", name)
        assert found is not None and found.packaged and found.key == f"briefing/templates/{name}"


def test_a_project_file_overrides_the_packaged_one_and_removing_it_falls_back(
    project, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    out = tmp_path / "out"
    page = out / f"{FOCUS}.html"
    assert build(project, out, capsys)[0] == 0
    assert "Overridden colophon" not in page.read_text(encoding="utf-8")

    override = project / "templates" / PARTS
    text = (PACKAGED / PARTS).read_text(encoding="utf-8")
    assert '<footer class="colophon">' in text
    override.write_text(
        text.replace('<footer class="colophon">', '<footer class="colophon">Overridden colophon'),
        encoding="utf-8",
    )
    code, printed, err = build(project, out, capsys)
    assert code == 0, err
    assert "up to date" not in printed  # the override is an input like any template
    assert "Overridden colophon" in page.read_text(encoding="utf-8")

    override.unlink()
    code, printed, err = build(project, out, capsys)
    assert code == 0, err
    assert "up to date" not in printed
    assert "Overridden colophon" not in page.read_text(encoding="utf-8")


def test_an_error_in_a_packaged_template_names_the_packaged_file(
    project, tmp_path, capsys, monkeypatch
):
    """The line a message gives is in the file it names, wherever that file is."""
    package = tmp_path / "package"
    shutil.copytree(PACKAGED, package)
    parts = package / PARTS
    text = parts.read_text(encoding="utf-8")
    old = '<footer class="colophon">'
    line = text[: text.index(old)].count("\n") + 1
    parts.write_text(text.replace(old, old + "{{ no_such_name.attribute }}"), encoding="utf-8")
    monkeypatch.setattr(templating, "PACKAGED", package)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    code, _, err = build(project, tmp_path / "out", capsys)
    assert code == 2
    assert f"{parts}:{line}: layout error" in err, err

    parts.write_text(text + "\n{% endfor %}\n", encoding="utf-8")
    code, _, err = build(project, tmp_path / "out", capsys)
    assert code == 2
    assert re.search(rf"{re.escape(str(parts))}:\d+: template syntax error", err), err


def test_a_name_or_link_leading_out_of_either_folder_is_refused(project, tmp_path):
    with pytest.raises(Outside):
        locate(project / "templates", "../reports/iran-venezuela.yaml")
    secret = tmp_path / "secret.txt"
    secret.write_text("secret", encoding="utf-8")
    link = project / "templates" / TEXT_TEMPLATE
    link.parent.mkdir(parents=True)
    link.symlink_to(secret)
    with pytest.raises(Outside):  # a project file that leads out is refused, not skipped
        locate(project / "templates", TEXT_TEMPLATE)


SUMMARY = {
    "title": "A title",
    "subtitle": "",
    "generated_text": "18 November 2026",
    "current_to_text": "17 November 2026",
    "opening": {"title": "Bottom line", "items": [{"kind": "paragraph", "lead": "", "text": "X."}]},
    "changes": None,
    "sources": ["One", "Two"],
}


def mail(templates: Path) -> tuple[str, str]:
    loaded = MailTemplates(templates)
    context = dict(summary=SUMMARY, web="", note="", first=True, links=[], attached=["PDF"])
    return loaded.text.render(context), loaded.html.render(context)


def test_the_mail_is_written_from_the_packaged_templates_unless_the_project_has_its_own(
    project,
):
    templates = project / "templates"
    text, html = mail(templates)
    assert "Information current to 17 November 2026" in text and "Sources: One; Two." in text
    assert "Information current to 17 November 2026" in html
    own = templates / TEXT_TEMPLATE
    own.parent.mkdir(parents=True)
    own.write_text("Our own words for {{ summary.title }}.\n", encoding="utf-8")
    text, html = mail(templates)
    assert text == "Our own words for A title.\n"
    assert "Information current to" in html  # the HTML part is still the package's
    own.unlink()
    assert "Sources: One; Two." in mail(templates)[0]


def test_an_index_template_of_the_project_remakes_the_index(project, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    out = tmp_path / "out"
    assert build(project, out, capsys)[0] == 0
    templates = project / "templates"
    assert not catalog.refresh(out, templates)  # written by the build, and still fresh
    own = templates / catalog.LAYOUT
    own.write_text("<!DOCTYPE html><title>Our index</title>{{ reports | length }}\n", "utf-8")
    assert catalog.refresh(out, templates)
    assert "Our index" in (out / catalog.INDEX).read_text(encoding="utf-8")
    own.unlink()
    assert catalog.refresh(out, templates)
    assert "Our index" not in (out / catalog.INDEX).read_text(encoding="utf-8")


def shout(monkeypatch) -> None:
    """Every entry of the wording table in capitals (its `{placeholders}` kept)."""
    from briefing.base import wording

    for key, text in list(wording.LABELS.items()):
        loud = re.sub(r"(\{[^}]*\})|([^{]+)", lambda m: m.group(1) or m.group(2).upper(), text)
        monkeypatch.setitem(wording.LABELS, key, loud)


def test_the_mail_and_the_index_take_their_words_from_the_wording_table(project, monkeypatch):
    shout(monkeypatch)
    text, html = mail(project / "templates")
    for body in (text, html):
        assert "EDITION OF 18 November 2026" in body
        assert "INFORMATION CURRENT TO 17 November 2026" in body
        assert "SOURCES: One; Two." in body and "THIS IS THE FIRST EDITION." in body
        assert "Information current to" not in body and "Sources:" not in body
    index = catalog.render_index({}, project / "templates")
    assert "<title>BRIEFINGS: EVERY EDITION</title>" in index
    assert "NO EDITION HAS BEEN PUBLISHED YET." in index and "SUBSCRIBE TO THE FEED" in index
    assert "Every edition" not in index and "Subscribe" not in index


def test_the_subject_and_the_summary_take_their_words_from_the_wording_table(monkeypatch):
    """The mail's subject and a key judgment's tail in the summary are wording entries too."""
    from types import SimpleNamespace

    from briefing.base.model import Brief, Text
    from briefing.deliver.email.message import subject
    from briefing.publish.summary import _item

    shout(monkeypatch)
    summary = {"title": "Brief", "generated_text": "18 November 2026"}
    second = SimpleNamespace(id="2026-11-18-2")
    assert subject(summary, second) == "Brief: SECOND EDITION OF 18 November 2026"
    tail = ("brief_judgment", {"likelihood": "likely", "level": "moderate"})
    item = _item(Brief([Text("Iran stays.")], "One.", tail), "bullet")
    assert item == {
        "kind": "bullet",
        "lead": "One.",
        "text": "Iran stays. (likely, moderate CONFIDENCE)",
    }


def _masthead(out: Path) -> str:
    return re.search(
        r'<header class="masthead".*?</header>',
        (out / f"{FOCUS}.html").read_text(encoding="utf-8"),
        re.S,
    ).group(0)


def test_the_masthead_label_comes_from_the_report_and_is_shown_once(project, tmp_path, capsys):
    """The label over the title is the report's (`kicker`), not the layout's or the wording's;
    a title that already says it does not get it twice."""
    report = project / "reports" / f"{FOCUS}.yaml"
    text = report.read_text(encoding="utf-8")
    assert re.search(r"^kicker: .+$", text, re.M)
    report.write_text(re.sub(r"^kicker: .+$", "kicker: Spotlight", text, flags=re.M))
    out = tmp_path / "out"
    assert build(project, out, capsys)[0] == 0
    masthead = _masthead(out)
    assert re.findall(r'<p class="kicker">(.*?)</p>', masthead) == ["Spotlight"]
    # The mail shows the same label over the title, from the edition's summary.
    summary = json.loads((out / FOCUS / "current" / "summary.json").read_text(encoding="utf-8"))
    assert summary["kicker"] == "Spotlight"
    from briefing.deliver.email.message import MailTemplates

    mail = MailTemplates(project / "templates").html.render(
        summary=summary, web="", note="", first=True, links=[], formats=[]
    )
    assert ">Spotlight</p>" in mail and ">Briefing</p>" not in mail

    report.write_text(
        re.sub(
            r"^title: .+$",
            "title: 'Spotlight: Iran and Venezuela'",
            report.read_text(encoding="utf-8"),
            flags=re.M,
        )
    )
    out = tmp_path / "again"
    assert build(project, out, capsys)[0] == 0
    masthead = _masthead(out)
    assert "kicker" not in masthead and masthead.count("Spotlight") == 1
