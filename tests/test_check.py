"""`briefing check`: the build's validation, with nothing written. Exit codes, the summary, the
JSON object's shape, a seeded problem named by file and line as a build names it, and an
output folder left absent (or byte for byte as it was)."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from briefing.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
FOCUS = "iran-venezuela-in-focus"
SANCTIONS = f"templates/sections/{FOCUS}/sanctions.md.j2"


def _project(dest: Path) -> Path:
    for name in ("reports", "templates", "data"):
        shutil.copytree(ROOT / name, dest / name)
    return dest


def _tree(folder: Path) -> dict[str, str]:
    """Every file and link under `folder`, with a digest of its bytes (or its target)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        key = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[key] = "-> " + str(path.readlink())
        elif path.is_file():
            found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            found[key] = "folder"
    return found


def _check(project: Path, *args: str, capsys) -> tuple[int, str, str]:
    status = main(["check", "--project", str(project), *args])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return _project(tmp_path / "project")


def test_a_good_project_passes_with_a_summary_and_nothing_is_written(project, capsys):
    status, out, err = _check(project, capsys=capsys)
    assert status == 0, err
    assert err == ""
    assert out.strip() == "2 reports, 44 facts, 3 charts: no problems"
    assert not (project / "output").exists()
    assert sorted(p.name for p in project.iterdir()) == ["data", "reports", "templates"]


def test_json_on_a_good_project(project, capsys):
    status, out, err = _check(project, "--format", "json", FOCUS, capsys=capsys)
    assert status == 0, err
    assert json.loads(out) == {
        "version": 1,
        "ok": True,
        "reports": [FOCUS],
        "facts": 44,
        "charts": 1,
        "problems": [],
    }


def _seed_typed_figure(project: Path) -> int:
    """A figure typed into the prose, which the build refuses; the line it is on."""
    path = project / SANCTIONS
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if "formal workarounds" in line)
    lines[at] = lines[at].replace("lists the formal workarounds", "lists 3 formal workarounds")
    path.write_text("".join(lines), encoding="utf-8")
    return at + 1


def _seed_bad_domain(project: Path) -> int:
    """A fact naming a domain that does not exist; the line of that field's fact."""
    path = project / "data" / "facts" / "industry.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("  domain: "))
    lines[at] = "  domain: no-such-domain\n"
    path.write_text("".join(lines), encoding="utf-8")
    return at + 1


def test_a_seeded_prose_problem_is_named_by_file_and_line_with_exit_2(project, capsys):
    line = _seed_typed_figure(project)
    status, out, err = _check(project, capsys=capsys)
    assert status == 2
    assert out == ""
    problems = [e for e in err.splitlines() if not e.startswith("briefing: ")]
    assert len(problems) == 1, err
    assert problems[0].startswith(f"{SANCTIONS}:{line}: the number '3' is typed into the prose")
    assert "1 problem in" in err.splitlines()[-1]
    # The other report does not share the fault and is not blamed for it.
    assert "iran-venezuela/" not in err

    status, out, _ = _check(project, "--format", "json", capsys=capsys)
    assert status == 2
    found = json.loads(out)
    assert found["ok"] is False
    assert found["reports"] == [FOCUS, "iran-venezuela"]
    assert [(p["path"], p["line"]) for p in found["problems"]] == [(SANCTIONS, line)]
    assert "typed into the prose" in found["problems"][0]["message"]
    # Only the report asked about is checked.
    status, out, _ = _check(project, "--format", "json", "iran-venezuela", capsys=capsys)
    assert status == 0 and json.loads(out)["problems"] == []


def test_a_data_problem_shared_by_two_reports_is_named_once(project, capsys):
    line = _seed_bad_domain(project)
    status, out, _ = _check(project, "--format", "json", capsys=capsys)
    assert status == 2
    problems = json.loads(out)["problems"]
    where = ("data/facts/industry.yaml", line)
    assert [(p["path"], p["line"]) for p in problems].count(where) == 1
    assert "unknown domain 'no-such-domain'" in problems[0]["message"]


def test_check_finds_what_the_build_finds(project, tmp_path, capsys):
    """The same problems, in the same words: the build's own functions do the checking."""
    _seed_typed_figure(project)
    _, _, checked = _check(project, FOCUS, capsys=capsys)
    status = main(
        ["build", "--project", str(project), "-o", str(tmp_path / "out"), "-f", "html", FOCUS]
    )
    _, built = capsys.readouterr()
    assert status == 2
    lines = lambda text: [e for e in text.splitlines() if not e.startswith("briefing: ")]  # noqa: E731
    assert lines(checked) == lines(built)


def test_an_existing_output_folder_is_left_byte_for_byte(project, capsys):
    output = project / "output"
    output.mkdir()
    (output / "iran-venezuela.html").write_text("an earlier edition", encoding="utf-8")
    (output / "state.sqlite").write_bytes(b"not touched")
    before = _tree(output)
    status, _, err = _check(project, capsys=capsys)
    assert status == 0, err
    _seed_typed_figure(project)
    status, _, _ = _check(project, "--format", "json", capsys=capsys)
    assert status == 2
    assert _tree(output) == before


def test_no_report_unknown_report_and_readers(project, tmp_path, capsys):
    status, _, err = _check(project, "no-such-report", capsys=capsys)
    assert status == 2
    assert "reports/: no report named 'no-such-report'" in err
    readers = tmp_path / "readers.yaml"
    readers.write_text(
        "- {name: Ana, email: ana@example.org, reports: [nope], formats: [pdf]}\n",
        encoding="utf-8",
    )
    status, out, _ = _check(project, "--format", "json", "--readers", str(readers), capsys=capsys)
    assert status == 2
    problems = json.loads(out)["problems"]
    assert problems and all(p["path"] == str(readers) for p in problems)
    assert any("nope" in p["message"] for p in problems)
    empty = tmp_path / "empty"
    empty.mkdir()
    status, _, err = _check(empty, capsys=capsys)
    assert status == 2 and "no report definitions" in err


def test_the_command_imports_neither_weasyprint_nor_matplotlib(project):
    """A check draws and prints nothing, so it does not pay for the libraries that do."""
    code = (
        "import sys; from briefing.cli.main import main; "
        f"status = main(['check', '-q', '--project', {str(project)!r}]); "
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('weasyprint', 'matplotlib')]; "
        "print(status, heavy)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "0 []"


def test_a_report_id_the_output_folder_uses_is_refused(project, capsys):
    """A report 'index' would publish output/index.html, which the front page overwrites."""
    text = (project / "reports" / f"{FOCUS}.yaml").read_text(encoding="utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.startswith("id: "))
    (project / "reports" / "index.yaml").write_text(
        text.replace(f"id: {FOCUS}\n", "id: index\n"), encoding="utf-8"
    )
    status, _, err = _check(project, "index", capsys=capsys)
    assert status == 2
    assert err.startswith(f"reports/index.yaml:{line}: report id 'index' is reserved")


def test_the_settings_file_is_checked(project, capsys):
    (project / "briefing.toml").write_text('[publish]\nbase_url = "ftp://x"\n', encoding="utf-8")
    status, out, _ = _check(project, "--format", "json", capsys=capsys)
    assert status == 2
    [problem] = json.loads(out)["problems"]
    assert (problem["path"], problem["line"]) == ("briefing.toml", 2)
    assert "base_url" in problem["message"]


@pytest.mark.parametrize(
    "lookup,named",
    [
        ("f['gasoline-for-gold-202']", "no fact 'gasoline-for-gold-202'; did you mean 'gasoline-for-gold-2020'?"),
        ("derived['price-per-barel-2020']", "no derived figure 'price-per-barel-2020'; did you mean 'price-per-barrel-2020'?"),
    ],
)  # fmt: skip
def test_an_unknown_id_in_a_template_is_named_at_its_line_with_the_nearest(
    project, capsys, lookup, named
):
    """A template that looks up an id the data does not have fails at the line that asks for
    it (not where the value is used later), naming the nearest id."""
    path = project / "templates" / "sections" / "iran-venezuela" / "energy.md.j2"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\n{% set wrong = " + lookup + " %}\n\n{{ wrong }}\n", encoding="utf-8")
    line = len(text.splitlines()) + 2
    assert main(["check", "--project", str(project)]) == 2
    err = capsys.readouterr().err
    assert f"templates/sections/iran-venezuela/energy.md.j2:{line}: {named}" in err, err


@pytest.mark.parametrize(
    "old,new,named",
    [
        ("values: [gold, payment]", "values: [gold, paymnet]", "fact 'gasoline-for-gold-2020' has no quantity 'paymnet'; did you mean 'payment'? (it has: gasoline, gold, payment)"),
        ("    select: {facts: [gasoline-for-gold-2020]}\n", "", "a bare quantity name ('gasoline') is read on the fact the chart selects, and this chart selects none by id"),
    ],
)  # fmt: skip
def test_a_chart_value_that_names_nothing_says_what_it_may_have_meant(
    project, capsys, old, new, named
):
    path = project / "reports" / "iran-venezuela-in-focus.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    assert main(["check", "--project", str(project)]) == 2
    err = capsys.readouterr().err
    assert "reports/iran-venezuela-in-focus.yaml:" in err and named in err, err
