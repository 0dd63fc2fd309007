"""Safe to schedule: concurrent builds, builds killed at any moment, a lock that a dead process
never holds and pruning on purpose. These run the real command in subprocesses
(HTML only, to keep them quick; publishing is the same for every format)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import feedparser
import pytest

from briefing.cli.main import main
from briefing.publish.lock import output_lock

from .conftest import (
    EPOCH,
    REPORT,
    assert_one_whole_edition_published,
    build_command,
    copy_project,
    edit,
    editions,
)

CHECKPOINTS = ("rendered", "placed", "switched", "published", "index")


def command(project: Path, out: Path, *extra: str) -> list[str]:
    return build_command(project, out, "--format", "html", *extra)


def environment(**extra: str) -> dict[str, str]:
    return {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, **extra}


def build(project: Path, out: Path, *extra: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        command(project, out, *extra), env=environment(**env), capture_output=True, text=True
    )


def assert_clean_and_catalogued(out: Path) -> None:
    leftovers = [p for p in out.rglob(".*") if p.name.startswith((".staging-", ".tmp-"))]
    assert not leftovers, leftovers
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert len(feed.entries) == len(editions(out))
    page = (out / "index.html").read_text()
    for e in editions(out):
        assert f"{REPORT}/editions/{e}/{REPORT}.html" in page


@pytest.fixture
def first_edition(tmp_path) -> tuple[Path, Path]:
    project = copy_project(tmp_path / "project")
    out = tmp_path / "out"
    done = build(project, out, "-q")
    assert done.returncode == 0, done.stderr
    return project, out


def test_two_builds_at_once_make_one_edition(tmp_path):
    project = copy_project(tmp_path / "project")
    out = tmp_path / "out"
    runs = [
        subprocess.Popen(
            command(project, out),
            env=environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(p.wait(timeout=300), *p.communicate()) for p in runs]
    assert [code for code, _, _ in results] == [0, 0], results
    outputs = sorted(stdout for _, stdout, _ in results)
    assert sum("published edition" in o for o in outputs) == 1
    assert sum(f"{REPORT}: up to date (edition 2026-11-18)" in o for o in outputs) == 1
    assert editions(out) == ["2026-11-18"]
    assert_one_whole_edition_published(out)
    assert_clean_and_catalogued(out)


def test_no_wait_exits_3_while_another_build_holds_the_folder(first_edition, capsys):
    project, out = first_edition
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != "build.log"}
    edit(project / "data/facts/energy.yaml", "value: 2350000", "value: 2400000")
    with output_lock(out, wait=False, say=print):
        code = main(
            ["build", REPORT, "-C", str(project), "-o", str(out), "-f", "html", "--no-wait"]
        )
    err = capsys.readouterr().err
    assert code == 3
    assert "another build is running in" in err and f"(pid {os.getpid()})" in err
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != "build.log"}
    assert after.keys() == before.keys()
    assert all(after[p] == before[p] for p in before if p.name != ".lock")
    assert (out / "build.log").read_text().splitlines()[-1].split("\t")[2] == "busy"


def test_a_lock_left_by_a_killed_process_does_not_block(first_edition):
    project, out = first_edition
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from briefing.publish.lock import output_lock\n"
            f"with output_lock(Path({str(out)!r}), wait=False, say=print):\n"
            "    print('held', flush=True); time.sleep(600)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    assert build(project, out, "--no-wait").returncode == 3
    holder.kill()
    holder.wait()
    done = build(project, out, "--no-wait")
    assert done.returncode == 0, done.stderr
    assert "up to date" in done.stdout


@pytest.mark.parametrize("moment", CHECKPOINTS)
def test_a_build_killed_while_publishing_leaves_one_whole_edition(first_edition, moment):
    project, out = first_edition
    edit(project / "data/facts/energy.yaml", "value: 2350000", "value: 2400000")
    killed = build(project, out, "-q", BRIEFING_CRASH_AT=moment)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    shown = assert_one_whole_edition_published(out)
    assert shown in {"2026-11-18", "2026-11-18-2"}

    recovered = build(project, out)
    assert recovered.returncode == 0, recovered.stderr
    assert editions(out) == ["2026-11-18", "2026-11-18-2"]  # never a third, never a lost one
    assert assert_one_whole_edition_published(out) == "2026-11-18-2"
    assert_clean_and_catalogued(out)
    again = build(project, out)
    assert again.stdout.strip() == f"{REPORT}: up to date (edition 2026-11-18-2)"


@pytest.mark.parametrize("after", [0.4, 1.0, 1.6])
def test_a_build_killed_at_any_moment_is_recovered_by_the_next(first_edition, after):
    project, out = first_edition
    edit(project / "data/facts/energy.yaml", "value: 2350000", "value: 2400000")
    run = subprocess.Popen(command(project, out, "-q"), env=environment())
    time.sleep(after)
    run.send_signal(signal.SIGKILL)
    run.wait()
    assert_one_whole_edition_published(out)
    recovered = build(project, out)
    assert recovered.returncode == 0, recovered.stderr
    assert assert_one_whole_edition_published(out) == "2026-11-18-2"
    assert_clean_and_catalogued(out)


def test_prune_keeps_exactly_n(first_edition, capsys):
    project, out = first_edition
    for _ in range(3):
        assert build(project, out, "--force", "-q").returncode == 0
    assert editions(out) == ["2026-11-18", "2026-11-18-2", "2026-11-18-3", "2026-11-18-4"]
    code = main(["prune", "--keep", "2", "--project", str(project), "--output", str(out)])
    said = capsys.readouterr().out
    assert code == 0 and "removed edition 2026-11-18-2" in said
    assert editions(out) == ["2026-11-18-3", "2026-11-18-4"]
    assert assert_one_whole_edition_published(out) == "2026-11-18-4"
    assert_clean_and_catalogued(out)
    assert main(["prune", "--keep", "1", "-C", str(project), "-o", str(out), "-q"]) == 0
    assert editions(out) == ["2026-11-18-4"]
    with pytest.raises(SystemExit):
        main(["prune", "--keep", "0", "-o", str(out)])
    assert "at least 1" in capsys.readouterr().err


def test_bad_input_after_an_edition_changes_nothing_published(first_edition, capsys):
    project, out = first_edition
    before = {
        p: (p.lstat().st_mtime_ns, p.read_bytes() if p.is_file() else b"")
        for p in out.rglob("*")
        if p.name not in {"build.log", ".lock"}
    }
    line = edit(project / "data/facts/history.yaml", "date: 1975", "date: 1975-02-30")
    code = main(["build", REPORT, "-C", str(project), "-o", str(out), "-f", "html"])
    err = capsys.readouterr().err
    assert code == 2 and f"data/facts/history.yaml:{line}: date '1975-02-30' is impossible" in err
    after = {
        p: (p.lstat().st_mtime_ns, p.read_bytes() if p.is_file() else b"")
        for p in out.rglob("*")
        if p.name not in {"build.log", ".lock"}
    }
    assert after == before
    assert (out / "build.log").read_text().splitlines()[-1].split("\t")[2] == "bad-input"


def test_the_fingerprint_covers_every_input_that_shapes_the_output(project):
    from briefing.base.errors import Problems
    from briefing.publish.fingerprint import fingerprint
    from briefing.publish.pipeline import select_reports

    def digest(formats=("pdf", "docx", "html")) -> str:
        spec = select_reports(project, [REPORT], Problems())[0]
        return fingerprint(spec, project, formats).digest

    seen = {digest()}
    (project / "NOTES.txt").write_text("not an input")
    assert digest() in seen  # a file outside the inputs changes nothing
    for path, old, new in [
        ("reports/iran-venezuela.yaml", "author: Briefing desk", "author: Another desk"),
        ("data/sources.yaml", "  advocate: true", "  advocate: false"),  # not the comment
        ("data/facts/arms.yaml", "domain: arms-security", "domain: finance"),
        ("templates/sections/iran-venezuela/outlook.md.j2", "{", "{{ '' }}{"),
        ("templates/layouts/briefing.html.j2", "<body>", "<body >"),
        ("templates/styles/briefing.css", "}", "} "),
    ]:
        edit(project / path, old, new)
        assert digest() not in seen, path
        seen.add(digest())
    # A file no template of this report includes is not one of its inputs (issue #20, item 3).
    (project / "templates/assets-note.txt").write_text("a new asset")
    assert digest() in seen
    assert digest(("html",)) != digest()


def test_a_formats_own_option_counts_where_that_format_is_built_and_only_there(project):
    """The PDF's variant, an option the PDF writer declares: choosing the archival one changes a
    PDF build's fingerprint and makes the edition keep every fact (the archival PDF carries them
    all, not only those the report uses), and leaves a build without the PDF as it was."""
    from briefing.base.errors import Problems
    from briefing.publish.fingerprint import fingerprint
    from briefing.publish.pipeline import select_reports
    from briefing.writers import PDF_VARIANT

    spec = select_reports(project, ["iran-venezuela-in-focus"], Problems())[0]
    archival = {PDF_VARIANT.name: PDF_VARIANT.carrying_evidence[0]}
    plain = fingerprint(spec, project, ("pdf", "html"))
    chosen = fingerprint(spec, project, ("pdf", "html"), {PDF_VARIANT.name: PDF_VARIANT.default})
    carried = fingerprint(spec, project, ("pdf", "html"), archival)
    assert chosen.digest == plain.digest  # the default, given or not, is the same build
    assert carried.digest != plain.digest
    assert set(plain.facts) < set(carried.facts)
    assert carried.options == {"formats": ["html", "pdf"], "pdf_variant": "pdfa"}
    html = fingerprint(spec, project, ("html",))
    assert fingerprint(spec, project, ("html",), archival).digest == html.digest
    assert html.options == {"formats": ["html"]}


def test_the_pdf_variant_is_named_only_by_the_writers():
    """The variant is the PDF writer's own option: the command line, the pipeline and the
    fingerprint take it from the format registry, so none of them names it."""
    package = Path(__file__).resolve().parents[1] / "src" / "briefing"
    naming = [
        f"{path.relative_to(package)}:{n}"
        for path in sorted(package.rglob("*.py"))
        if path.relative_to(package).parts[0] != "writers"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if any(word in line.lower() for word in ("pdfa", "pdfua", "pdf_variant", "pdf-variant"))
    ]
    assert naming == []
    assert any("pdfa" in p.read_text() for p in (package / "writers").rglob("*.py"))


def test_an_option_of_a_format_not_built_leaves_the_build_up_to_date(first_edition):
    project, out = first_edition
    done = build(project, out, "--pdf-variant", "pdfa")  # HTML only (see `command`)
    assert done.returncode == 0, done.stderr
    assert "up to date" in done.stdout and len(editions(out)) == 1
