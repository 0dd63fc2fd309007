"""The documentation cannot drift from the tool: every example in README.md and docs/*.md is
run here.

- A YAML, Jinja or TOML example says what it is in a comment on the line before its fence,
  `<!-- check: KIND [REPORT] -->`, and is put into a private copy of the project where that
  kind lives (a fact into the facts, replacing the fact of the same id; a chart into the
  report's charts; a section template as a new section of the report...). Then `briefing check`
  must pass. The examples of one page go into one copy in order, so a page can build on its
  own earlier examples, as a reader following it would.
- A console example (```console, a command per `$ ` line) is run, in order, in one copy of the
  project per page, as a user would type it; the lines shown under a command must appear in
  what it printed, in order (`…` stands for any text, and any run of digits for any other, so a
  date or a timing may differ). `<!-- run: exit N -->` before a fence expects that status from
  its commands; `<!-- run: until-ready -->` starts a command that serves until stopped, waits for
  its address, then stops it.
- A command written anywhere else (a crontab line, a systemd unit, a CI workflow) is parsed by
  the real argument parser, so an option that no longer exists fails here.
- Every link to a file in the repository leads to one, and every `#anchor` to a heading there.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from briefing.cli.main import parser

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FRONT_DOOR_LINES = 300

# Programs a console example may show that the test does not run, and why.
NOT_RUN = {
    "make": "the two README commands are what CI itself runs on a clean clone (.ci/run)",
    "pipx": "installing from the package index needs the network",
    "pip": "installing from the package index needs the network",
    "git": "cloning needs a repository to clone; the examples run in a copy of this one",
    "source": "a shell built-in that changes the reader's own shell",
    "cd": "the examples already run in the project folder",
    "sudo": "installs system packages",
    "apt-get": "installs system packages",
    "dnf": "installs system packages",
    "apk": "installs system packages",
    "brew": "installs system packages",
    "crontab": "changes the machine's schedule",
    "systemctl": "changes the machine's services",
    "eval": "changes the reader's own shell",
}
CHECKED_LANGUAGES = {"yaml", "jinja", "toml"}


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # of the opening fence, 1-based
    language: str
    text: str
    marker: dict[str, str]  # "check" / "run" -> its argument

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    lines = page.read_text(encoding="utf-8").split("\n")
    found: list[Block] = []
    i = 0
    while i < len(lines):
        fence = re.match(r"^(\s*)(```+)\s*([\w-]*)", lines[i])
        if not fence:
            i += 1
            continue
        indent, ticks, language = fence.groups()
        start = i
        i += 1
        body = []
        while i < len(lines) and not lines[i].strip().startswith(ticks):
            body.append(lines[i][len(indent) :] if lines[i].startswith(indent) else lines[i])
            i += 1
        marker = {}
        j = start - 1
        while j >= 0 and (m := re.match(r"^\s*<!--\s*(check|run):\s*(.*?)\s*-->\s*$", lines[j])):
            marker[m.group(1)] = m.group(2)
            j -= 1
        found.append(Block(page, start + 1, language, "\n".join(body) + "\n", marker))
        i += 1
    return found


ALL_BLOCKS = [b for page in PAGES for b in blocks(page)]


def page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


# ------------------------------------------------------------------ the front door -----------


def test_the_readme_is_a_front_door_and_links_every_page_of_the_manual():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) < FRONT_DOOR_LINES
    for page in sorted((ROOT / "docs").glob("*.md")):
        assert f"(docs/{page.name}" in readme, f"README.md does not lead to docs/{page.name}"
    for heading in ("## The two commands", "## The daily routine", "## The manual"):
        assert heading in readme


def _slug(heading: str) -> str:
    """The anchor GitHub (and most Markdown tools) give a heading."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return {_slug(m.group(1)) for m in re.finditer(r"^#+\s+(.*)$", text, flags=re.M)}


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_link_leads_to_a_file_of_the_repository_and_an_anchor_in_it(page):
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    broken = []
    for m in re.finditer(r"\]\(([^)\s]+)\)", text):
        target = m.group(1)
        if re.match(r"^[a-z]+:", target):
            broken.append(f"{target}: a link out of the repository (a clone reads offline)")
            continue
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
            broken.append(f"{target}: no heading with that anchor")
    assert not broken, f"{page_id(page)}: " + "; ".join(broken)


def test_every_yaml_jinja_and_toml_example_says_what_it_is():
    unmarked = [
        b.where for b in ALL_BLOCKS if b.language in CHECKED_LANGUAGES and "check" not in b.marker
    ]
    assert not unmarked, "examples with no <!-- check: KIND --> line before them: " + ", ".join(
        unmarked
    )


# ------------------------------------------------------------------ inputs --------------------


def _copy(dest: Path) -> Path:
    for name in ("reports", "templates", "data"):
        shutil.copytree(ROOT / name, dest / name)
    return dest


def _load_list(path: Path) -> list:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or []


def _merge_by_id(existing: list, entries: list) -> list:
    ids = {e["id"]: i for i, e in enumerate(existing)}
    merged = list(existing)
    for entry in entries:
        if entry["id"] in ids:
            merged[ids[entry["id"]]] = entry
        else:
            merged.append(entry)
    return merged


def _dump(path: Path, data) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _fact_file(project: Path, fact_id: str) -> Path:
    for path in sorted((project / "data" / "facts").glob("*.yaml")):
        if any(e.get("id") == fact_id for e in _load_list(path)):
            return path
    return project / "data" / "facts" / "examples.yaml"


def _apply(project: Path, block: Block, kind: str, report: str) -> None:
    """Put one example where its kind lives in the project."""
    report_file = project / "reports" / f"{report}.yaml"
    if kind in ("fact", "judgment", "source", "domain"):
        entries = yaml.safe_load(block.text)
        assert isinstance(entries, list), f"{block.where}: a {kind} example is a YAML list"
        if kind == "fact":
            for entry in entries:
                target = _fact_file(project, entry["id"])
                existing = _load_list(target) if target.exists() else []
                _dump(target, _merge_by_id(existing, [entry]))
            return
        target = project / "data" / {"judgment": "judgments.yaml"}.get(kind, f"{kind}s.yaml")
        _dump(target, _merge_by_id(_load_list(target), entries))
    elif kind == "chart":
        spec = yaml.safe_load(report_file.read_text(encoding="utf-8"))
        spec["charts"] = _merge_by_id(spec.get("charts") or [], yaml.safe_load(block.text))
        _dump(report_file, spec)
    elif kind == "section":
        name = f"example-{block.line}"
        template = project / "templates" / "sections" / report / f"{name}.md.j2"
        template.write_text(block.text, encoding="utf-8")
        spec = yaml.safe_load(report_file.read_text(encoding="utf-8"))
        spec["sections"].insert(
            -1,
            {"id": name, "title": "An example", "template": f"sections/{report}/{name}.md.j2"},
        )
        _dump(report_file, spec)
    elif kind == "report":
        spec = yaml.safe_load(block.text)
        (project / "reports" / f"{spec['id']}.yaml").write_text(block.text, encoding="utf-8")
    elif kind == "settings":
        (project / "briefing.toml").write_text(block.text, encoding="utf-8")
    elif kind == "workflow":  # a CI workflow: it must be YAML; its commands are parsed below
        assert isinstance(yaml.safe_load(block.text), dict), block.where
    elif kind == "readers":
        (project / "readers.yaml").write_text(block.text, encoding="utf-8")
    else:
        raise AssertionError(f"{block.where}: unknown kind of example {kind!r}")


def _check(project: Path, block: Block, kind: str, capfd) -> None:
    from briefing.cli.main import main

    if kind == "workflow":
        return
    args = ["check", "--project", str(project)]
    status = main(args)
    out, err = capfd.readouterr()
    assert status == 0, f"{block.where}: the {kind} example fails the check:\n{out}{err}"
    if kind == "readers":
        dry = project / "outbox"
        status = main(
            ["send", "--project", str(project), "--readers", str(project / "readers.yaml"),
             "--dry-run", str(dry)]
        )  # fmt: skip
        out, err = capfd.readouterr()
        assert status in (0, 2), f"{block.where}: {out}{err}"
        assert "readers.yaml:" not in err, f"{block.where}: the readers example is refused:\n{err}"


CHECKED_PAGES = sorted({b.page for b in ALL_BLOCKS if "check" in b.marker})


@pytest.mark.parametrize("page", CHECKED_PAGES, ids=page_id)
def test_every_example_input_passes_the_validator(page, tmp_path, capfd):
    project = _copy(tmp_path / "project")
    for block in blocks(page):
        if "check" not in block.marker:
            continue
        kind, _, report = block.marker["check"].partition(" ")
        _apply(project, block, kind, report.strip() or "iran-venezuela")
        _check(project, block, kind, capfd)


# ------------------------------------------------------------------ commands ------------------


def _commands(block: Block) -> list[tuple[str, list[str]]]:
    """Each `$ command` of a console block, with the lines shown as its output."""
    found: list[tuple[str, list[str]]] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            found.append((line[2:].strip(), []))
        elif found and line.strip():
            found[-1][1].append(line.strip())
    return found


def _pattern(shown: str) -> re.Pattern[str]:
    parts = re.split(r"(…|\d+)", shown)
    regex = "".join(
        ".*" if p == "…" else r"\d+" if p.isdigit() else re.escape(p) for p in parts if p
    )
    return re.compile(regex)


def _assert_shown(where: str, command: str, shown: list[str], printed: str) -> None:
    lines = printed.splitlines()
    at = 0
    for expected in shown:
        pattern = _pattern(expected)
        while at < len(lines) and not pattern.search(lines[at]):
            at += 1
        assert at < len(lines), (
            f"{where}: `{command}` did not print {expected!r} (in this order); it printed:\n"
            + printed
        )
        at += 1


def _argv(command: str) -> tuple[dict[str, str], list[str]]:
    words = shlex.split(command)
    env = {}
    while words and re.match(r"^[A-Z_][A-Z0-9_]*=", words[0]):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    return env, words


def _environment(extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("BRIEFING_OFFICE", "off")  # the Word layout is not what these examples show
    env.pop("BRIEFING_SMTP_HOST", None)
    env.update(extra)
    return env


def _serve_until_ready(where: str, argv: list[str], cwd: Path, env: dict[str, str]) -> str:
    process = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    printed = []
    try:
        for line in process.stdout:
            printed.append(line)
            if re.search(r"http://127\.0\.0\.1:\d+/", line):
                break
        else:
            raise AssertionError(f"{where}: `{shlex.join(argv)}` never served:\n{''.join(printed)}")
    finally:
        process.send_signal(signal.SIGINT)
        try:
            rest, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            rest, _ = process.communicate()
    printed.append(rest or "")
    assert process.returncode == 0, f"{where}: exit {process.returncode}:\n{''.join(printed)}"
    return "".join(printed)


COMMAND_PAGES = sorted({b.page for b in ALL_BLOCKS if b.language == "console"})


@pytest.mark.parametrize("page", COMMAND_PAGES, ids=page_id)
def test_every_command_example_runs_as_shown(page, tmp_path):
    project = _copy(tmp_path / "project")
    (project / "docs").mkdir()
    for sample in ("readers.yaml", "briefing.toml"):
        shutil.copy(ROOT / "docs" / sample, project / "docs" / sample)
    ran = 0
    for block in blocks(page):
        if block.language != "console":
            continue
        mode = block.marker.get("run", "exit 0")
        for command, shown in _commands(block):
            extra, argv = _argv(command)
            program = argv[0]
            if program in NOT_RUN:
                continue
            assert program == "briefing", (
                f"{block.where}: `{program}` is neither run by this test nor listed in NOT_RUN "
                "with the reason it is not"
            )
            argv = [sys.executable, "-m", "briefing", *argv[1:]]
            env = _environment(extra)
            if mode == "until-ready":
                printed = _serve_until_ready(block.where, argv, project, env)
            else:
                done = subprocess.run(
                    argv, cwd=project, env=env, capture_output=True, text=True, timeout=600
                )
                printed = done.stdout + done.stderr
                expected = int(mode.removeprefix("exit "))
                assert done.returncode == expected, (
                    f"{block.where}: `{command}` exited {done.returncode}, not {expected}:\n"
                    + printed
                )
            _assert_shown(block.where, command, shown, printed)
            ran += 1
    assert ran or page.name in {"install.md"}, f"{page_id(page)}: no command was run"


# A `briefing` command inside any other block: a crontab line, a unit file, a workflow step.
INLINE = re.compile(r"(?:^|[\s/'\"(])briefing\s+([a-z][a-z-]*(?:[^\n;&|)'\"]*))")


def _inline_commands() -> list[tuple[str, str]]:
    found = []
    verbs = set(parser()._subparsers._group_actions[0].choices)  # noqa: SLF001
    for block in ALL_BLOCKS:
        if block.language in ("console", "yaml", "jinja", "toml") and "check" in block.marker:
            continue
        if block.language == "console":
            continue
        for m in INLINE.finditer(block.text):
            words = shlex.split(m.group(1).replace("\\\n", " "))
            if words and words[0] in verbs:
                found.append((block.where, shlex.join(words)))
    return found


INLINE_COMMANDS = _inline_commands()


@pytest.mark.parametrize("where,command", INLINE_COMMANDS, ids=[w for w, _ in INLINE_COMMANDS])
def test_every_command_written_in_a_schedule_or_workflow_parses(where, command):
    try:
        parser().parse_args(shlex.split(command))
    except (SystemExit, Exception) as exc:  # argparse raises either, by its exit_on_error
        pytest.fail(f"{where}: `briefing {command}` is refused by the command line ({exc.code})")


def test_the_schedules_commands_are_found_at_all():
    """The inline search above must see the crontab line of the README and the scheduling
    page, or it would pass on nothing."""
    places = {w.split(":")[0] for w, _ in INLINE_COMMANDS}
    assert {"README.md", "docs/scheduling.md"} <= places


def test_the_report_field_reference_names_every_field_the_loader_takes():
    """docs/reports.md's table is the schema's: every field of a report file (and of its
    `data` and each section) is there, with `(required)` exactly where the loader requires it,
    and nothing the loader does not take."""
    from briefing.config.load import DATA, REPORT, SECTION

    page = (ROOT / "docs" / "reports.md").read_text(encoding="utf-8")
    table = page.partition("## Every field of a report file")[2]
    rows = dict(re.findall(r"^\| `([a-z_]+)`( \(required\))? \|", table, re.M))
    fields = {f.name: f for f in REPORT.fields}
    assert set(rows) == set(fields)
    for name, field in fields.items():
        assert bool(rows[name]) == bool(field.required), name
    data_row = re.search(r"^\| `data`.*$", table, re.M).group(0)
    for field in DATA.fields:
        assert f"`{field.name}`" in data_row, field.name
    sections_row = re.search(r"^\| `sections`.*$", table, re.M).group(0)
    assert "{" + ", ".join(f.name for f in SECTION.fields) + "}" in sections_row
