"""Hostile and broken input, one case per class: each is a clear `path:line` error (exit 2) or
inert text, never a traceback, and what was published stays byte-identical."""

from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from briefing.cli.main import main

from .conftest import build_command, edit
from .conftest import previous_output as previous

SUMMARY = "  summary: With US sanctions blocking Venezuela's fuel imports, Iran delivers gasoline and is paid in gold."
ENERGY = "data/facts/energy.yaml"


def command(project: Path, out: Path, *extra: str) -> list[str]:
    return build_command(project, out, "-q", *extra)


def untouched(out: Path, files: dict[str, bytes]) -> None:
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.name in files} == files
    assert not [p for p in out.iterdir() if p.name.startswith((".staging-", ".tmp-"))]
    assert not (out / "iran-venezuela").exists()  # no edition was published


def build(project: Path, out: Path, capsys, *extra: str) -> tuple[int, str]:
    code = main(["build", "iran-venezuela", "-C", str(project), "-o", str(out), "-q", *extra])
    return code, capsys.readouterr().err


# (file, text to replace, replacement, message expected after "path:line: ")
DATA_CASES = {
    "control character": (
        ENERGY,
        SUMMARY,
        '  summary: "Iran ships\\u0007 gasoline."',
        "contains the control character U+0007",
    ),
    "lone surrogate": (
        ENERGY,
        SUMMARY,
        '  summary: "Iran ships \\udc80 gasoline."',
        "contains a lone surrogate (U+DC80)",
    ),
    "unclosed override": (
        ENERGY,
        SUMMARY,
        '  summary: "Iran \\u202eships gasoline."',
        "opens a directional override or embedding (U+202E)",
    ),
    "yaml alias": (
        ENERGY,
        SUMMARY,
        "  summary: &s Iran ships gasoline.\n  claimant: *s",
        "anchors and aliases (&name, *name) are not allowed",
    ),
    "infinite value": (
        ENERGY,
        "{value: 2350000, unit: barrel}",
        "{value: .inf, unit: barrel}",
        "is inf; a quantity must be a finite number",
    ),
    "not a number": (
        ENERGY,
        "{value: 500000000, unit: USD}",
        "{value: .nan, unit: USD}",
        "is nan; a quantity must be a finite number",
    ),
    "negative money": (
        ENERGY,
        "{value: 500000000, unit: USD}",
        "{value: -500000000, unit: USD}",
        "is negative (-5e+08); add 'signed: true'",
    ),
    "share over 100": (
        "data/facts/arms.yaml",
        "{value: 11, unit: percent}",
        "{value: 250, unit: percent}",
        "is 250 percent; it must lie between 0 and 100",
    ),
    "enormous integer": (
        ENERGY,
        "{value: 2350000, unit: barrel}",
        "{value: 1" + "0" * 400 + ", unit: barrel}",
        "is 401 digits long",
    ),
    "future date": (
        ENERGY,
        "  date: 2020\n",
        "  date: 2099\n",
        "date 2099 is after the edition date (2026-11-18)",
    ),
    "scalar for a list": (
        "reports/iran-venezuela.yaml",
        "keywords: [Iran, Venezuela, OPEC, sanctions, arms transfers, Maduro, briefing]",
        "keywords: Iran",
        "'keywords' in the report must be a list, like [Iran]",
    ),
    "scalar select": (
        "reports/iran-venezuela.yaml",
        "select: {facts: [gasoline-for-gold-2020]}",
        "select: {facts: gasoline-for-gold-2020}",
        "'facts' in 'select' must be a list",
    ),
}


@pytest.mark.parametrize("case", sorted(DATA_CASES))
def test_bad_data_is_refused_with_its_line(project, tmp_path, capsys, monkeypatch, case):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795000000")
    rel, old, new, message = DATA_CASES[case]
    line = edit(project / rel, old, new)
    out, files = previous(tmp_path)
    code, err = build(project, out, capsys)
    assert code == 2, err
    assert "Traceback" not in err
    assert f"{rel}:" in err and message in err, err
    assert any(f"{rel}:{n}:" in err for n in range(line - 8, line + 3)), err
    untouched(out, files)


def test_a_data_file_and_an_evidence_base_over_their_size_limits(project, tmp_path, capsys):
    big = project / "data/facts/zz-big.yaml"
    big.write_text("# padding\n" * 60_000)
    out, files = previous(tmp_path)
    code, err = build(project, out, capsys)
    assert (
        code == 2 and "data/facts/zz-big.yaml: is 585 KB; a data file may be at most 512 KB" in err
    )
    big.unlink()
    for n in range(5):
        (project / f"data/facts/zz-pad-{n}.yaml").write_text("# padding\n" * 45_000)
    code, err = build(project, out, capsys)
    assert code == 2 and re.search(
        r"its evidence base is 2,\d{3} KB; the limit for one report is 2,048 KB", err
    )
    untouched(out, files)


def test_an_evidence_base_over_the_fact_limit(project, tmp_path, capsys):
    facts = [
        {
            "id": f"filler-{n:04d}",
            "date": 2000,
            "domain": "energy",
            "summary": f"Filler record {'abcdefghij'[n % 10]}.",
            "citations": [{"source": "telesur-2025", "locator": f"filler {n}"}],
        }
        for n in range(2500)
    ]
    for part in range(5):
        chunk = facts[part * 500 : (part + 1) * 500]
        (project / f"data/facts/zz-filler-{part}.yaml").write_text(yaml.safe_dump(chunk))
    out, files = previous(tmp_path)
    code, err = build(project, out, capsys)
    assert code == 2 and "data/facts: the evidence base has 2,544 facts; one report" in err, err
    assert "at most 2,500" in err and "split it into several reports" in err
    untouched(out, files)


@pytest.mark.parametrize("what", ["no facts", "none dated"])
def test_an_empty_or_undated_evidence_base(project, tmp_path, capsys, what):
    for path in (project / "data/facts").glob("*.yaml"):
        if what == "no facts":
            path.write_text("[]\n")
        else:
            text = path.read_text()
            path.write_text(
                re.sub(r"\n  date: [^\n]+", "\n  date: undated", text)
                .replace("  until: 2013\n", "")
                .replace("{date}", "time")
            )
    out, files = previous(tmp_path)
    code, err = build(project, out, capsys)
    assert code == 2 and "Traceback" not in err, err
    assert ("has no facts" if what == "no facts" else "no fact is dated") in err
    untouched(out, files)


# ---------------------------------------------------------------- templates and layouts -----------

TEMPLATE = "templates/sections/iran-venezuela/outlook.md.j2"


@pytest.mark.parametrize(
    ("rel", "addition", "message"),
    [
        (TEMPLATE, "\n{{ 1 // 0 }}\n", "template error: division by zero"),
        (
            TEMPLATE,
            "\n{% include 'sections/nowhere.md.j2' %}\n",
            "template 'sections/nowhere.md.j2' not found",
        ),
        (TEMPLATE, "\n{{ facts.__class__ }}\n", "template error: SecurityError"),
        ("templates/layouts/briefing.html.j2", "\n{{ no_such_name.attribute }}\n", "layout error"),
    ],
)
def test_template_faults_are_input_errors(project, tmp_path, capsys, rel, addition, message):
    path = project / rel
    path.write_text(path.read_text() + addition)
    out, files = previous(tmp_path)
    code, err = build(project, out, capsys, "-f", "html")
    assert code == 2 and "Traceback" not in err, err
    assert rel in err and message in err, err
    untouched(out, files)


def test_a_template_that_is_not_utf8(project, tmp_path, capsys):
    (project / TEMPLATE).write_bytes("Caf\xe9 {{ method() }}\n".encode("latin-1"))
    out, files = previous(tmp_path)
    code, err = build(project, out, capsys)
    assert code == 2 and f"{TEMPLATE}: not valid UTF-8" in err
    untouched(out, files)


def test_a_template_cannot_reach_outside_templates(project, tmp_path, capsys):
    secret = tmp_path / "secret.txt"
    secret.write_text("do not publish")
    (project / "templates/sections/leak.md.j2").symlink_to(secret)
    path = project / TEMPLATE
    path.write_text(path.read_text() + "\n{% include 'sections/leak.md.j2' %}\n")
    out, files = previous(tmp_path)
    code, err = build(project, out, capsys, "-f", "html")
    assert code == 2 and "leads outside the templates folder" in err
    untouched(out, files)


@pytest.mark.parametrize("formats", ["html,docx", "html"])
def test_the_html_may_not_fetch_anything_whatever_the_formats(project, tmp_path, capsys, formats):
    path = project / "templates/layouts/briefing.html.j2"
    path.write_text(
        path.read_text().replace(
            "</body>", '<img src="https://example.org/pixel.png" alt=""></body>'
        )
    )
    out, files = previous(tmp_path)
    code, err = build(project, out, capsys, "-f", formats)
    assert code == 2 and "would load 'https://example.org/pixel.png'" in err
    untouched(out, files)


# ---------------------------------------------------------------- environment ---------------------


def test_a_malformed_source_date_epoch(project, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    out, files = previous(tmp_path)
    code, err = build(project, out, capsys)
    assert code == 2 and "SOURCE_DATE_EPOCH: 'yesterday' is not a time" in err
    untouched(out, files)


def test_a_file_too_large_to_write_names_the_folder(project, tmp_path):
    """A real write failure: the build may write no file over 100 KB (the HTML is ~500 KB)."""
    out, files = previous(tmp_path)

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))

    done = subprocess.run(
        command(project, out, "-f", "html"),
        preexec_fn=limit,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2, done.stderr
    assert (
        "File too large" in done.stderr
        and str(out) in done.stderr
        and "Traceback" not in done.stderr
    )
    untouched(out, files)


def test_sigterm_cleans_up_like_ctrl_c(project, tmp_path):
    out, files = previous(tmp_path)
    run = subprocess.Popen(
        command(project, out),
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not list(out.glob(".staging-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    run.send_signal(signal.SIGTERM)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 128 + signal.SIGTERM, err
    assert "interrupted" in err
    untouched(out, files)


# ---------------------------------------------------------------- inert text ----------------------


@pytest.fixture(scope="module")
def awkward(tmp_path_factory):
    """A build whose data holds a 5,000-character word and a right-to-left name."""
    from .conftest import copy_project, docx_parts

    project = copy_project(tmp_path_factory.mktemp("awkward"))
    long_word = "x" * 5000
    edit(project / ENERGY, SUMMARY, f"  summary: Iran ships gasoline {long_word} to Venezuela.")
    edit(
        project / "data/facts/developments-2026.yaml",
        "summary: Iran denounces",
        "summary: محمود احمدی‌نژاد in Iran denounces",
    )
    out = project / "output"
    os.environ["SOURCE_DATE_EPOCH"] = "1795000000"
    try:
        assert main(["build", "iran-venezuela", "-C", str(project), "-o", str(out), "-q"]) == 0
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]
    return out, long_word, docx_parts(out / "iran-venezuela.docx")


def test_a_long_word_wraps_on_the_pdf_page(awkward):
    from pypdf import PdfReader

    out, long_word, _ = awkward
    runs = [
        len(run)
        for page in PdfReader(out / "iran-venezuela.pdf").pages
        for line in (page.extract_text() or "").splitlines()
        for run in re.findall("x{20,}", line)
    ]
    # The word (in the timeline table's narrowest column) is broken over many lines instead
    # of one line running off the page.
    # (the piece sharing a line with the words before it may be shorter than the 20 counted)
    assert sum(runs) >= len(long_word) - 60 and max(runs) < 200, max(runs)
    html = (out / "iran-venezuela.html").read_text()
    assert "overflow-wrap: break-word" in html
    # Only the cells holding the word may break inside words (the others need not pay for it):
    # its fact's row in the timeline and in the chronology's list of events (the fact's summary
    # is its label there).
    marked = re.findall(r'<td data-label="[^"]*" class="long-word">([^<]*)', html)
    assert len(marked) == 2 and all(long_word in cell for cell in marked), marked


def test_right_to_left_text_is_isolated_in_every_format(awkward):
    out, _, parts = awkward
    # The whole field is one isolate: the name cannot reorder the text around it.
    isolated = re.compile("\u2068محمود احمدی\u200cنژاد in Iran denounces[^\u2068\u2069]*\u2069")
    assert isolated.search((out / "iran-venezuela.html").read_text(encoding="utf-8"))
    assert isolated.search(parts["word/document.xml"])
    from xml.dom import minidom

    for xml in parts.values():
        minidom.parseString(xml.encode("utf-8"))  # every part is well-formed


def test_docx_properties_carry_the_edition_date(awkward):
    out, _, parts = awkward
    core = parts["docProps/core.xml"]
    assert ">2026-11-18T00:00:00Z</dcterms:created>" in core
    assert ">2026-11-18T00:00:00Z</dcterms:modified>" in core
