"""Bad input is refused with path:line, exit 2, and the previous output left untouched."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from briefing.cli.main import main

from .conftest import edit as _edit
from .conftest import previous_output as _previous_output
from .conftest import published


def _run(project: Path, out: Path, capsys, *extra: str) -> tuple[int, str]:
    code = main(["build", "--project", str(project), "--output", str(out), "-q", *extra])
    return code, capsys.readouterr().err


def _untouched(out: Path, files: dict[str, bytes]) -> None:
    """The documents are as they were, and nothing else but the lock and the run log exists."""
    assert published(out) == files
    assert {p.name for p in out.iterdir()} <= set(files) | {".lock", "build.log"}


CASES = {
    "unknown source id": (
        "data/facts/energy.yaml",
        "source: telesur-2025",
        "source: telesur-2052",
        "unknown source id 'telesur-2052'; did you mean 'telesur-2025'",
    ),
    "impossible date": (
        "data/facts/history.yaml",
        "date: 1975",
        "date: 1975-02-30",
        "is impossible",
    ),
    "month thirteen": ("data/facts/history.yaml", "date: 1977", "date: 1977-13", "is impossible"),
    "malformed date": ("data/facts/history.yaml", "date: 1991", "date: early 1991", "is not YYYY"),
    "duplicate id": (
        "data/facts/arms.yaml",
        "id: hezbollah-foothold",
        "id: mohajer-2006",
        "duplicate fact id 'mohajer-2006' (first on line 1); give one of them a new id",
    ),
    "unknown domain": (
        "data/facts/finance.yaml",
        "domain: finance",
        "domain: finances",
        "did you mean 'finance'",
    ),
    "missing summary": (
        "data/facts/industry.yaml",
        "  summary: Venezuela starts",
        "  sumary: Venezuela begins",
        "unknown field 'sumary'",
    ),
    "unknown unit": (
        "data/facts/energy.yaml",
        "unit: barrel}",
        "unit: barrels}",
        "unknown unit 'barrels'",
    ),
    "yaml syntax": (
        "data/facts/diplomacy.yaml",
        "  domain: diplomacy\n",
        "  domain: [diplomacy\n",
        "YAML syntax error",
    ),
    "reserved section id": (
        "reports/iran-venezuela.yaml",
        "id: outlook,",
        "id: what-changed,",
        "section id 'what-changed' is reserved",
    ),
    "duplicate key": (
        "data/facts/diplomacy.yaml",
        "  domain: diplomacy\n",
        "  domain: diplomacy\n  domain: history\n",
        "duplicate key 'domain'",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_data_is_rejected_with_file_and_line(project, tmp_path, capsys, case):
    rel, old, new, message = CASES[case]
    line = _edit(project / rel, old, new)
    out, files = _previous_output(tmp_path)
    code, err = _run(project, out, capsys)
    assert code == 2, err
    match = re.search(rf"^{re.escape(rel)}:(\d+): (.*)$", err, re.M)
    assert match, err
    assert message in err
    if case not in ("duplicate key",):
        assert abs(int(match.group(1)) - line) <= 1, err
    assert "nothing was written" in err
    _untouched(out, files)


# A fact reaches the documents only with a source and a place in it: the loader refuses one
# without, at the fact's lines (an unknown source id is a case above).
OIL_CITATION = (
    "  citations:\n"
    "    - source: telesur-2025\n"
    '      locator: \'"Energy and Oil: Defying U.S. Sanctions", para. 1 '
    "(\"two of the world''s largest oil reserves holders\")'\n"
)
OIL_LOCATOR = OIL_CITATION.split("\n")[2] + "\n"
UNCITED = {
    "no citations": (OIL_CITATION, "", "citations"),
    "an empty list of citations": (OIL_CITATION, "  citations: []\n", "citations"),
    "a citation without a locator": (OIL_LOCATOR, "", "locator"),
    "an empty locator": (OIL_LOCATOR, "      locator: ''\n", "locator"),
}


@pytest.mark.parametrize("case", sorted(UNCITED))
def test_a_fact_without_a_source_and_a_place_in_it_is_refused(project, tmp_path, capsys, case):
    old, new, field = UNCITED[case]
    rel = "data/facts/energy.yaml"
    _edit(project / rel, old, new)
    out, files = _previous_output(tmp_path)
    code, err = _run(project, out, capsys)
    assert code == 2, err
    lines = re.findall(rf"^{re.escape(rel)}:(\d+): (.*)$", err, re.M)
    # The fact 'oil-reserves' is the file's first, on lines 1 to 7.
    assert lines and all(1 <= int(n) <= 7 for n, _ in lines), err
    assert all("'oil-reserves'" in message and field in message for _, message in lines), err
    assert "nothing was written" in err
    _untouched(out, files)


def test_every_problem_is_reported_in_one_run(project, tmp_path, capsys):
    _edit(project / "data/facts/history.yaml", "date: 1975", "date: 1975-02-30")
    _edit(project / "data/facts/energy.yaml", "source: telesur-2025", "source: nowhere")
    out, files = _previous_output(tmp_path)
    code, err = _run(project, out, capsys)
    assert code == 2
    assert "data/facts/history.yaml:" in err and "data/facts/energy.yaml:" in err
    _untouched(out, files)


def test_template_naming_an_unknown_fact_is_rejected_with_its_line(project, tmp_path, capsys):
    rel = "templates/sections/iran-venezuela/energy.md.j2"
    line = _edit(project / rel, "cite('condensates-2021',", "cite('condensates-2012',")
    out, files = _previous_output(tmp_path)
    code, err = _run(project, out, capsys)
    assert code == 2
    assert f"{rel}:{line}: cite() names unknown fact 'condensates-2012'" in err
    _untouched(out, files)


def test_template_using_a_missing_field_is_rejected_with_its_line(project, tmp_path, capsys):
    rel = "templates/sections/iran-venezuela/arms.md.j2"
    line = _edit(project / rel, "arms.quantities.share | qty", "arms.quantities.shares | qty")
    out, files = _previous_output(tmp_path)
    code, err = _run(project, out, capsys)
    assert code == 2
    assert f"{rel}:{line}:" in err and "shares" in err
    _untouched(out, files)


def test_unattributed_advocate_claim_is_refused(project, tmp_path, capsys):
    rel = "templates/sections/iran-venezuela/industry.md.j2"
    line = _edit(
        project / rel,
        "TeleSUR offers these projects",
        "The outlet offers these projects",
    )
    out, files = _previous_output(tmp_path)
    code, err = _run(project, out, capsys)
    assert code == 2
    assert (
        f"{rel}:{line}: fact 'polio-vaccines-2025'" in err
        and "must name who claims it ('TeleSUR')" in err
    )
    _untouched(out, files)


def test_uncited_paragraph_is_refused(project, tmp_path, capsys):
    rel = "templates/sections/iran-venezuela/diplomacy.md.j2"
    _edit(project / rel, "{{ cite('hezbollah-foothold', 'sipri-2024-share') }}", "")
    _edit(project / rel, "{{ cite('gold-and-petro') }}", "")
    out, files = _previous_output(tmp_path)
    code, err = _run(project, out, capsys)
    assert code == 2
    assert rel in err and "cites no fact" in err
    _untouched(out, files)


def test_data_text_never_becomes_markup(project, tmp_path, capsys):
    _edit(
        project / "data/facts/finance.yaml",
        "summary: The two governments set up a binational bank",
        "summary: <script>alert(x)</script> **bold** [x](http://evil.example) The two governments set up a binational bank",
    )
    out = tmp_path / "out"
    code, err = _run(project, out, capsys, "--format", "html")
    assert code == 0, err
    html = (out / "iran-venezuela.html").read_text(encoding="utf-8")
    assert "<script>" not in html and 'http://evil.example"' not in html
    assert "&lt;script&gt;alert(x)&lt;/script&gt; **bold** [x](http://evil.example)" in html


def test_unknown_report_and_format_are_refused(project, tmp_path, capsys):
    out, files = _previous_output(tmp_path)
    code, err = _run(project, out, capsys, "no-such-report")
    assert code == 2 and "no report named 'no-such-report'; available: iran-venezuela" in err
    with pytest.raises(SystemExit) as exc:
        main(["build", "--format", "pdf,odt"])
    assert exc.value.code == 2
    _untouched(out, files)


def test_format_option_builds_only_what_is_asked(project, tmp_path, capsys):
    out = tmp_path / "out"
    code, err = _run(project, out, capsys, "--format", "html,docx")
    assert code == 0, err
    assert sorted(published(out)) == ["iran-venezuela.docx", "iran-venezuela.html"]


def test_failure_while_rendering_leaves_previous_output_and_no_staging(
    tmp_path, capsys, monkeypatch
):
    from briefing.writers.docx import writer as docx

    def broken(*_args, **_kwargs):
        raise RuntimeError("simulated pandoc crash")

    monkeypatch.setattr(docx, "write_docx", broken)
    out, files = _previous_output(tmp_path)
    root = str(Path(__file__).resolve().parents[1])
    # One job: the patched writer runs in this process (workers are spawned afresh, without it).
    code = main(["build", "--project", root, "--output", str(out), "-q", "--jobs", "1"])
    err = capsys.readouterr().err
    assert code == 1 and "simulated pandoc crash" in err and "internal error" in err
    _untouched(out, files)  # also proves the staging folder was removed


def test_unwritable_output_folder_is_a_clear_input_error(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, err = _run(Path(__file__).resolve().parents[1], blocker / "out", capsys)
    assert code == 2
    assert "cannot write to the output folder" in err and "--output" in err


# The mistakes people make in YAML, each named at the line that holds it, in plain words.
SYNTAX = {
    "no colon after a field": ("  domain diplomacy", "has no ':' after its field's name"),
    "indented one space more": ("   domain: diplomacy", "indented differently"),
    "a tab": ("\tdomain: diplomacy", "a tab; indent with spaces"),
}


@pytest.mark.parametrize("case", sorted(SYNTAX))
def test_a_yaml_mistake_is_named_at_its_own_line_in_plain_words(tmp_path, case):
    from briefing.base.errors import InputError
    from briefing.config.yamlfile import read_yaml

    bad, message = SYNTAX[case]
    lines = ["- id: one", "  date: 2020", "  domain: history", "  summary: One.", "- id: two"]
    lines[2] = bad
    path = tmp_path / "facts.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        read_yaml(path, "data/facts/facts.yaml")
    (problem,) = raised.value.problems
    assert str(problem).startswith("data/facts/facts.yaml:3: YAML syntax error: "), problem
    assert message in str(problem)
