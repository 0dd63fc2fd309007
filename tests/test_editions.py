"""Editions: an unchanged build does nothing, a changed one publishes a dated edition that says
what changed, in every format, with a manifest, an index page and an Atom feed."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest

from briefing.cli.main import main

from .conftest import (
    EPOCH,
    REPORT,
    copy_project,
    docx_text,
    edit,
    html_text,
    normalise,
    pdf_text,
)

ATOM = "{http://www.w3.org/2005/Atom}"
FIRST, SECOND = "2026-11-18", "2026-11-18-2"  # both built on the fixed SOURCE_DATE_EPOCH
OLD_BARRELS, NEW_BARRELS = "2350000", "2400000"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot_of(folder: Path) -> dict[str, tuple[int, str]]:
    """mtime and checksum of every file under the output, bookkeeping aside."""
    return {
        str(p.relative_to(folder)): (p.lstat().st_mtime_ns, sha256(p) if p.is_file() else "")
        for p in sorted(folder.rglob("*"))
        if p.name not in {"build.log", ".lock"} and not p.is_dir()
    }


def html_build(project: Path, out: Path) -> tuple[str, ...]:
    """The quick build these tests repeat: the briefing alone, HTML only, quietly, in this
    process (a worker would import matplotlib afresh for each)."""
    return (
        "build",
        REPORT,
        "--project",
        str(project),
        "-o",
        str(out),
        "-f",
        "html",
        "-q",
        "-j",
        "1",
    )


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@dataclass
class TwoEditions:
    project: Path
    out: Path
    before: dict[str, tuple[int, str]]  # the output after edition 1
    second_build: tuple[int, str, str]  # what the unchanged build returned and printed
    after_second: dict[str, tuple[int, str]]
    third_build: tuple[int, str, str]  # the build after one number changed
    texts: dict[str, str]


@pytest.fixture(scope="module")
def two_editions(built, tmp_path_factory) -> TwoEditions:
    """Edition 1 is the session's shared build, copied; then build unchanged, edit one number,
    build again. The copy lives elsewhere and builds from a copied project: the fingerprint is
    of contents, not of where the project sits."""
    base = tmp_path_factory.mktemp("editions")
    project = copy_project(base / "project")
    out = base / "out"
    shutil.copytree(built.folder, out, symlinks=True)
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
    capsys = _Capture()
    try:
        args = ("build", REPORT, "--project", str(project), "--output", str(out))
        before = snapshot_of(out)
        second = capsys.run(*args)
        after_second = snapshot_of(out)
        edit(project / "data/facts/energy.yaml", f"value: {OLD_BARRELS}", f"value: {NEW_BARRELS}")
        third = capsys.run(*args, "-q")
    finally:
        mp.undo()
    assert third[0] == 0, third
    html = (out / f"{REPORT}.html").read_text(encoding="utf-8")
    texts = {
        "html": html_text(html),
        "pdf": pdf_text(out / f"{REPORT}.pdf"),
        "docx": docx_text(out / f"{REPORT}.docx"),
    }
    return TwoEditions(project, out, before, second, after_second, third, texts)


class _Capture:
    """Runs the CLI in-process and captures what it prints, for module-scoped fixtures."""

    def run(self, *args: str) -> tuple[int, str, str]:
        import contextlib
        import io

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
        return code, out.getvalue(), err.getvalue()


# ---------------------------------------------------------------- nothing to do -------------------


def test_unchanged_build_says_up_to_date_and_touches_nothing(two_editions):
    code, out, err = two_editions.second_build
    assert code == 0, err
    assert out.strip() == f"{REPORT}: up to date (edition {FIRST})"
    assert two_editions.after_second == two_editions.before  # same mtimes, same bytes


def test_every_run_appends_one_line_to_the_build_log(two_editions):
    lines = (two_editions.out / "build.log").read_text().splitlines()
    outcomes = [line.split("\t") for line in lines if line.split("\t")[1] == REPORT]
    assert [(o[1], o[2], o[3]) for o in outcomes] == [
        (REPORT, "published", FIRST),
        (REPORT, "up-to-date", FIRST),
        (REPORT, "published", SECOND),
    ]
    for o in outcomes:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", o[0]) and float(o[4]) >= 0


def test_force_rebuilds_an_unchanged_report(project, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    out = str(tmp_path / "o")
    args = ("build", REPORT, "--project", str(project), "-o", out, "-f", "html", "-j", "1")
    assert run(capsys, *args)[0] == 0
    assert "up to date" in run(capsys, *args)[1]
    code, out, _ = run(capsys, *args, "--force")
    assert code == 0 and f"published edition {SECOND} (no facts changed)" in out


def test_the_no_change_path_imports_no_rendering_library(two_editions):
    """The decision comes before WeasyPrint, matplotlib or pandoc load (the benchmark times it)."""
    probe = (
        "import sys; from briefing.cli.main import main; "
        f"code = main(['build', {REPORT!r}, '-q', '--project', {str(two_editions.project)!r}, "
        f"'--output', {str(two_editions.out)!r}]); "
        "heavy = sorted(m for m in ('weasyprint', 'matplotlib', 'pypandoc', 'jinja2', 'markdown_it', 'feedgen') if m in sys.modules); "
        "print(code, heavy)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout.strip() == "0 []", done.stderr


# ---------------------------------------------------------------- what changed --------------------


@pytest.mark.parametrize("fmt", ["html", "pdf", "docx"])
def test_what_changed_names_the_fact_with_old_and_new_values(two_editions, fmt):
    text = two_editions.texts[fmt]
    heading = "What changed since the edition of 18 November 2026"
    assert heading in text, fmt
    section = text.split("Since the edition of 18 November 2026", 1)[1]
    section = section.split("Iran and Venezuela established formal diplomatic relations", 1)[0]
    assert "1 fact changed" in section
    assert "Energy" in section  # grouped under the section that discusses the fact
    assert "Changed." in section
    assert (
        normalise("With US sanctions blocking Venezuela's fuel imports, Iran delivers gasoline")
        in section
    )
    assert "Gasoline was 2.35 million barrels; now 2.4 million barrels." in section
    assert "Attributed to TeleSUR." in section


@pytest.mark.parametrize("fmt", ["html", "pdf", "docx"])
def test_what_changed_comes_right_after_the_key_judgments(two_editions, fmt):
    text = two_editions.texts[fmt]
    body = (
        text[text.index("Key judgments", text.index("Contents") + 10) :] if fmt != "docx" else text
    )
    kj = body.index("The partnership is likely to lose its anchor")
    wc = body.index("Since the edition of 18 November 2026")
    bg = body.index("An old tie with little content")
    assert kj < wc < bg, fmt


class _Notes(HTMLParser):
    """Note references of the what-changed section and the facts each note cites."""

    def __init__(self):
        super().__init__()
        self.section_refs: list[str] = []
        self.note_facts: dict[str, str] = {}
        self.order: list[str] = []
        self._in = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self._in = a.get("id") == "what-changed"
        if tag == "a" and (a.get("href") or "").startswith("#note-"):
            self.order.append(a["href"][6:])
            if self._in:
                self.section_refs.append(a["href"][6:])
        if tag == "li" and (a.get("id") or "").startswith("note-"):
            self.note_facts[a["id"][5:]] = a.get("data-facts", "")


def test_each_change_is_cited_and_notes_stay_in_reading_order(two_editions):
    parser = _Notes()
    parser.feed((two_editions.out / f"{REPORT}.html").read_text(encoding="utf-8"))
    assert [parser.note_facts[n] for n in parser.section_refs] == ["gasoline-for-gold-2020"]
    # Numbered as first met; a later reference (the timeline's) repeats an earlier number.
    first = list(dict.fromkeys(parser.order))
    assert first == [str(n) for n in range(1, len(first) + 1)]


def test_docx_what_changed_is_a_heading_with_a_native_footnote(two_editions):
    from docx import Document

    doc = Document(str(two_editions.out / f"{REPORT}.docx"))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading 1")]
    assert headings[:3] == [
        "Key judgments",
        "What changed since the edition of 18 November 2026",
        "How the partnership was built",
    ]
    body = next(p for p in doc.paragraphs if "Gasoline was 2.35 million" in p.text)
    assert "footnoteReference" in body._p.xml


def test_only_template_changes_say_that_no_facts_changed(project, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    args = html_build(project, tmp_path / "o")
    assert run(capsys, *args)[0] == 0
    edit(
        project / "templates/styles/briefing.css",
        "}",
        "}\n/* a house-style tweak */",
    )
    assert run(capsys, *args)[0] == 0
    text = html_text((tmp_path / "o" / f"{REPORT}.html").read_text(encoding="utf-8"))
    assert "What changed since the edition of 18 November 2026" in text
    assert (
        "No fact has been added, changed or removed since the edition of 18 November 2026" in text
    )
    manifest = json.loads((tmp_path / "o" / REPORT / "current" / "manifest.json").read_text())
    assert manifest["changes"] == {
        "added": [],
        "changed": [],
        "removed": [],
        "summary": "no facts changed",
    }


def _fact(fid: str, summary: str) -> str:
    return (
        f"\n- id: {fid}\n  date: 2026-02\n  domain: industry-health\n"
        f"  summary: {summary}\n  claimant: TeleSUR\n"
        "  citations:\n    - {source: telesur-2025, locator: 'para. 1'}\n"
    )


def test_added_and_removed_facts_are_listed(project, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    args = html_build(project, tmp_path / "o")
    facts = project / "data/facts/industry.yaml"
    original = facts.read_text(encoding="utf-8")
    facts.write_text(original + _fact("test-old-fact", "An older plant agreement."), "utf-8")
    assert run(capsys, *args)[0] == 0
    facts.write_text(original + _fact("test-new-fact", "A newer plant agreement."), "utf-8")
    code, _, err = run(capsys, *args)
    assert code == 0, err
    page = html_text((tmp_path / "o" / f"{REPORT}.html").read_text(encoding="utf-8"))
    section = page.split("Since the edition of", 1)[1].split("How the partnership was built", 1)[0]
    assert "1 fact added, 1 fact removed" in section
    added = section.index("Added. A newer plant agreement. Attributed to TeleSUR.")
    removed = section.index("Removed. An older plant agreement. Attributed to TeleSUR.")
    assert added < removed
    manifest = json.loads((tmp_path / "o" / REPORT / "current" / "manifest.json").read_text())
    assert manifest["changes"]["added"] == ["test-new-fact"]
    assert manifest["changes"]["removed"] == ["test-old-fact"]


# ---------------------------------------------------------------- editions and manifests ----------


def test_each_edition_holds_whole_files_that_match_its_manifest(two_editions):
    store = two_editions.out / REPORT / "editions"
    assert sorted(p.name for p in store.iterdir()) == [FIRST, SECOND]
    manifests = {}
    for edition in (FIRST, SECOND):
        folder = store / edition
        m = json.loads((folder / "manifest.json").read_text())
        manifests[edition] = m
        assert m["edition"] == edition and m["report"] == REPORT
        assert sorted(f["name"] for f in m["files"]) == sorted(
            f"{REPORT}.{x}" for x in ("pdf", "docx", "html")
        )
        for f in m["files"] + [m["evidence"]]:
            path = folder / f["name"]
            assert path.stat().st_size == f["bytes"] and sha256(path) == f["sha256"]
        assert m["fingerprint"].startswith("sha256:") and m["tool"]["version"]
        assert m["generated"] == "2026-11-18" and m["current_to_text"] == "18 January 2026"
        assert "gasoline-for-gold-2020" in m["inputs"]["facts"] and m["options"]["formats"]
    assert manifests[FIRST]["previous"] is None and manifests[FIRST]["changes"] is None
    assert manifests[SECOND]["previous"] == FIRST
    assert manifests[SECOND]["changes"]["changed"] == ["gasoline-for-gold-2020"]
    assert manifests[FIRST]["fingerprint"] != manifests[SECOND]["fingerprint"]


def test_evidence_snapshot_records_the_facts_as_data(two_editions):
    store = two_editions.out / REPORT / "editions"
    old = json.loads((store / FIRST / "evidence.json").read_text())
    new = json.loads((store / SECOND / "evidence.json").read_text())
    fact = "gasoline-for-gold-2020"
    assert old["facts"][fact]["quantities"]["gasoline"] == {"value": 2350000, "unit": "barrel"}
    assert new["facts"][fact]["quantities"]["gasoline"] == {"value": 2400000, "unit": "barrel"}
    assert new["facts"][fact]["section"] == "Energy: what moves, and at what price"
    assert "telesur-2025" in new["sources"]


def test_top_level_names_hold_the_newest_edition(two_editions):
    out = two_editions.out
    current = out / REPORT / "current"
    assert os.readlink(current) == f"editions/{SECOND}"
    m = json.loads((current / "manifest.json").read_text())
    for f in m["files"]:
        assert sha256(out / f["name"]) == f["sha256"]


def test_editions_command_lists_both_editions(two_editions, capsys):
    code, out, _ = run(capsys, "editions", REPORT, "--output", str(two_editions.out))
    assert code == 0
    rows = [line.split() for line in out.splitlines()]
    assert ["EDITION", "DATE", "CURRENT", "TO", "ADDED", "CHANGED", "REMOVED"] in rows
    assert [
        SECOND,
        "18",
        "November",
        "2026",
        "18",
        "January",
        "2026",
        "0",
        "1",
        "0",
        "published",
    ] in rows
    assert [FIRST, "18", "November", "2026", "18", "January", "2026", "-", "-", "-"] in rows


# ---------------------------------------------------------------- index and feed ------------------


def test_feed_is_atom_with_one_entry_per_edition(two_editions):
    raw = (two_editions.out / "feed.xml").read_bytes()
    root = ET.fromstring(raw)
    assert root.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{tag}") is not None
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 3  # two editions of the briefing, one of the In Focus report
    for entry in entries:
        for tag in ("id", "title", "updated", "author"):
            assert entry.find(f"{ATOM}{tag}") is not None
    parsed = feedparser.parse(raw)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10" and len(parsed.entries) == 3

    def edition_of(entry) -> str:
        return entry.links[0].href.split("/")[2] if f"{REPORT}/" in entry.links[0].href else ""

    mine = {edition_of(e): e for e in parsed.entries if edition_of(e)}
    assert sorted(mine) == [FIRST, SECOND]
    assert len({e.id for e in parsed.entries}) == 3
    newest = mine[SECOND]
    assert "1 fact changed" in newest.content[0].value
    assert "first edition" in mine[FIRST].content[0].value
    links = {link.type: link for link in newest.links}
    assert links["text/html"].rel == "alternate" and links["application/pdf"].rel == "enclosure"
    for link in newest.links:
        target = two_editions.out / link.href
        assert target.is_file() and SECOND in link.href
        assert int(link.length) == target.stat().st_size


def test_index_lists_every_edition_with_links_and_checksums(two_editions):
    out = two_editions.out
    page = (out / "index.html").read_text(encoding="utf-8")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    hrefs = re.findall(r'href="([^"]+)"', page)
    for edition in (FIRST, SECOND):
        m = json.loads((out / REPORT / "editions" / edition / "manifest.json").read_text())
        for f in m["files"]:
            href = f"{REPORT}/editions/{edition}/{f['name']}"
            assert href in hrefs and (out / href).is_file()
            assert f["sha256"] in page
    text = html_text(page)
    assert "What changed: 1 fact changed." in text and "What changed: first edition." in text
    assert "Information current to 18 January 2026" in text
    newest_first = [h for h in hrefs if h.endswith(f"/{REPORT}.pdf")]
    assert newest_first == [f"{REPORT}/editions/{e}/{REPORT}.pdf" for e in (SECOND, FIRST)]
