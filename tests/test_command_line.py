"""The command line people expect: --verbose says why, editions --json, prune --dry-run,
completion scripts for bash and zsh, --version, and the PDF's libraries checked at the start of
every verb that prints one (and of no other)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from briefing import DISTRIBUTION
from briefing.base import sharedlibs
from briefing.cli.main import VERBS, main, parser
from briefing.publish.reasons import NO_RECORD

from .conftest import EPOCH, REPORT, copy_project, edit

FACTS = "data/facts/industry.yaml"
FACT = "polio-vaccines-2025"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> tuple[Path, Path]:
    """A private project and an output folder holding two HTML editions of the report."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
    root = tmp_path_factory.mktemp("cli")
    project, out = copy_project(root / "project"), root / "out"
    common = ["--project", str(project), "--output", str(out), "-q", "-j", "1", "-f", "html"]
    try:
        assert main(["build", REPORT, *common]) == 0
        assert main(["build", REPORT, *common, "--force"]) == 0
    finally:
        mp.undo()
    return project, out


def folders(store: tuple[Path, Path]) -> list[str]:
    project, out = store
    return ["--project", str(project), "--output", str(out)]


# ---------------------------------------------------------------- --verbose ---------------------


def test_verbose_names_the_data_file_and_fact_that_moved_and_why_unchanged_is_up_to_date(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    project, out = copy_project(tmp_path / "project"), tmp_path / "out"
    args = [REPORT, "--project", str(project), "--output", str(out), "-j", "1", "-f", "html"]
    status, first, _ = run(capsys, "build", *args, "-v")
    assert status == 0
    assert f"{REPORT}: no edition yet" in first
    assert f"{REPORT}: rendering html into a new edition under {out / REPORT / 'editions'}" in (
        first
    )

    status, unchanged, _ = run(capsys, "build", *args, "--verbose")
    assert status == 0
    assert f"{REPORT}: up to date" in unchanged
    assert "are as edition" in unchanged and "recorded them" in unchanged
    assert "changed since" not in unchanged and "rendering" not in unchanged

    edit(project / FACTS, "value: 1900000", "value: 1800000")
    status, moved, _ = run(capsys, "build", *args, "-v")
    assert status == 0
    reasons = [line for line in moved.splitlines() if "changed since edition" in line]
    assert reasons == [
        f"{REPORT}: changed since edition {reasons[0].split('edition ')[1].split(':')[0]}: "
        f"data file {FACTS}: fact {FACT} changed"
    ], moved
    assert f"{REPORT}: rendering html" in moved

    # Without --verbose, none of it.
    edit(project / FACTS, "value: 1800000", "value: 1700000")
    status, quiet, _ = run(capsys, "build", *args)
    assert status == 0 and "changed since" not in quiet and "rendering" not in quiet


def test_verbose_names_a_template_and_an_option(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    project, out = copy_project(tmp_path / "project"), tmp_path / "out"
    args = [REPORT, "--project", str(project), "--output", str(out), "-j", "1", "-q"]
    assert main(["build", *args, "-f", "html"]) == 0
    template = next((project / "templates" / "sections" / REPORT).glob("outlook*"))
    template.write_text(template.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    args[-1] = "-v"
    status, out_text, _ = run(capsys, "build", *args, "-f", "html,docx")
    assert status == 0
    shown = template.relative_to(project).as_posix()
    assert f"template {shown} changed" in out_text
    assert "formats: html -> docx,html" in out_text


def test_an_edition_without_recorded_parts_is_said_so(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    project, out = copy_project(tmp_path / "project"), tmp_path / "out"
    args = [REPORT, "--project", str(project), "--output", str(out), "-j", "1", "-f", "html"]
    assert main(["build", *args, "-q"]) == 0
    manifest = out / REPORT / "current" / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    del data["inputs"]  # as editions made before the manifest kept the fingerprint's parts
    data["fingerprint"] = "sha256:" + "0" * 64
    manifest.write_text(json.dumps(data), encoding="utf-8")
    status, text, _ = run(capsys, "build", *args, "-v")
    assert status == 0
    assert f"{REPORT}: changed since edition " in text and NO_RECORD in text


def test_verbose_and_quiet_exclude_each_other(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["build", "-q", "-v"])
    assert exc.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


# ---------------------------------------------------------------- editions --json ---------------


def test_editions_json_lists_every_edition_with_stable_keys(store, capsys):
    project, out = store
    status, text, err = run(capsys, "editions", "--json", *folders(store))
    assert status == 0, err
    listed = json.loads(text)
    ours = [e for e in listed if e["report"] == REPORT]
    on_disk = sorted(p.name for p in (out / REPORT / "editions").iterdir())
    assert sorted(e["id"] for e in ours) == on_disk and len(ours) == 2
    keys = {
        "report", "id", "sequence", "date", "current_to", "current_to_text", "added",
        "changed", "removed", "summary", "current", "path", "files",
    }  # fmt: skip
    assert all(set(e) == keys for e in listed)
    newest, first = ours  # newest first
    assert newest["current"] is True and first["current"] is False
    assert newest["sequence"] > first["sequence"]
    assert first["added"] is None  # a first edition has nothing to compare with
    assert (newest["added"], newest["changed"], newest["removed"]) == (0, 0, 0)
    assert newest["date"] == "2026-11-18"
    for f in newest["files"]:
        data = Path(f["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == f["sha256"]
    assert [f["format"] for f in newest["files"]] == ["html"]


# ---------------------------------------------------------------- prune --dry-run ---------------


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every entry under `folder`: a file's bytes, a link's target, a folder's name."""
    seen: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        key = path.relative_to(folder).as_posix()
        if path.is_symlink():
            seen[key] = f"-> {path.readlink()}"
        elif path.is_file():
            seen[key] = path.read_bytes()
        else:
            seen[key] = "folder"
    return seen


def test_prune_dry_run_says_what_would_go_and_changes_nothing(store, capsys):
    project, out = store
    before = snapshot(out)
    assert (out / "state.sqlite").is_file() and "state.sqlite" in before
    oldest = sorted(p.name for p in (out / REPORT / "editions").iterdir())[0]
    status, text, err = run(capsys, "prune", REPORT, "--keep", "1", "--dry-run", *folders(store))
    assert status == 0, err
    assert f"{REPORT}: would remove edition {oldest}" in text
    assert f"{REPORT}: would keep 1 edition" in text
    assert "nothing was deleted" in text
    assert snapshot(out) == before  # files, links and the state store, byte for byte


# ---------------------------------------------------------------- completion --------------------


def verb_names() -> list[str]:
    return [verb.__name__.rpartition(".")[2] for verb in VERBS]


def test_every_verb_is_registered_under_its_module_name():
    registered = parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert set(verb_names()) <= set(registered)
    assert set(registered) == set(verb_names())  # every verb, from VERBS alone


def test_bash_completion_names_every_verb_and_option_and_parses(capsys):
    status, script, _ = run(capsys, "completion", "bash")
    assert status == 0
    for name in verb_names():
        assert name in script
    for option in ("--format", "--keep", "--dry-run", "--json", "--verbose", "--readers"):
        assert option in script
    assert "_shtab_compgen_dirs" in script  # --project and --output complete folders
    checked = subprocess.run(["bash", "-n"], input=script, text=True, capture_output=True)
    assert checked.returncode == 0, checked.stderr
    # Loaded into bash, it completes the verbs.
    probe = subprocess.run(
        [
            "bash",
            "-c",
            f"{script}\nCOMP_WORDS=(briefing b); COMP_CWORD=1; COMP_LINE='briefing b'; "
            "COMP_POINT=${#COMP_LINE}; _shtab_briefing; printf '%s\\n' \"${COMPREPLY[@]}\"",
        ],
        text=True,
        capture_output=True,
    )
    assert probe.returncode == 0, probe.stderr
    assert "build" in probe.stdout.split(), probe.stdout


def test_a_verb_added_later_completes_without_a_line_elsewhere(capsys, monkeypatch):
    import types

    main_module = sys.modules["briefing.cli.main"]  # the module (briefing.cli.main is its main)

    def add(verbs) -> None:
        v = verbs.add_parser("frobnicate", help="a verb added later")
        v.add_argument("--sprocket")

    later = types.ModuleType("briefing.cli.frobnicate")
    later.add = add  # type: ignore[attr-defined]
    monkeypatch.setattr(main_module, "VERBS", (*VERBS, later))
    status, script, _ = run(capsys, "completion", "bash")
    assert status == 0 and "frobnicate" in script and "--sprocket" in script


def test_zsh_completion_parses(capsys):
    if shutil.which("zsh") is None:
        if os.environ.get("BRIEFING_REQUIRE_ZSH"):  # set by .ci/run, which installs it
            pytest.fail("zsh is not installed, and BRIEFING_REQUIRE_ZSH says it must be")
        pytest.skip("zsh is not installed")
    status, script, _ = run(capsys, "completion", "zsh")
    assert status == 0
    for name in verb_names():
        assert name in script
    checked = subprocess.run(["zsh", "-n"], input=script, text=True, capture_output=True)
    assert checked.returncode == 0, checked.stderr


def test_zsh_completion_names_every_verb(capsys):
    status, script, _ = run(capsys, "completion", "zsh")
    assert status == 0 and script.startswith("#compdef briefing")
    for name in [*verb_names(), "--format"]:
        assert name in script


# ---------------------------------------------------------------- --version ---------------------


def test_version_is_the_distributions_name_and_version():
    from importlib import metadata

    done = subprocess.run(
        [sys.executable, "-m", "briefing", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{DISTRIBUTION} {metadata.version(DISTRIBUTION)}\n"
    assert DISTRIBUTION == "briefing-desk"


# ---------------------------------------------------------------- system libraries -------------


def test_a_missing_library_stops_each_printing_verb_at_start_and_no_other(tmp_path, store):
    project, out = store
    env = {**__import__("os").environ, sharedlibs.HIDE: "pango,harfbuzz"}
    where = sharedlibs.platform()
    expected = sharedlibs.PLATFORMS[where].install if where else sharedlibs.OTHERWISE

    def briefing(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "briefing", *argv],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    fresh = tmp_path / "fresh"
    for verb in ("build",):  # (`preview` serves its page without them; its PDF link says so)
        done = briefing(verb, "--project", str(project), "--output", str(fresh))
        assert done.returncode == 2, (verb, done.stderr)
        assert done.stderr.splitlines() == [
            "briefing: " + sharedlibs.advice(["Pango", "HarfBuzz"], where)
        ]
        assert expected in done.stderr and "Traceback" not in done.stderr
        assert not fresh.exists()  # checked before any work
    # Verbs that print no PDF need none of the libraries.
    for argv in (
        ["editions", *folders(store)],
        ["prune", "--keep", "5", "--dry-run", *folders(store)],
        ["--version"],
        ["--help"],
        ["completion", "bash"],
        ["build", "--help"],
    ):
        done = briefing(*argv)
        assert done.returncode == 0, (argv, done.stderr)
    send = briefing("send", "--readers", str(tmp_path / "none.yaml"), *folders(store))
    assert "Pango" not in send.stderr and "Traceback" not in send.stderr


@pytest.mark.parametrize(
    ("system", "release", "key"),
    [
        ("linux", 'ID=debian\nVERSION_ID="13"\n', "debian"),
        ("linux", "ID=ubuntu\nID_LIKE=debian\n", "debian"),
        ("linux", 'ID=linuxmint\nID_LIKE="ubuntu debian"\n', "debian"),
        ("linux", 'ID="fedora"\n', "fedora"),
        ("linux", 'ID="rocky"\nID_LIKE="rhel centos fedora"\n', "fedora"),
        ("linux", "ID=alpine\n", "alpine"),
        ("linux", "ID=arch\n", None),
        ("darwin", "", "macos"),
        ("win32", "", None),
    ],
)
def test_the_platform_decides_the_package_named(tmp_path, system, release, key):
    os_release = tmp_path / "os-release"
    os_release.write_text(release, encoding="utf-8")
    assert sharedlibs.platform(system, os_release) == key
    line = sharedlibs.advice(["Pango"], key)
    if key is None:
        assert line.startswith("the PDF needs Pango, which this system lacks: install Pango")
        assert "http" not in line and "`" not in line.split("--format")[0]
    else:
        assert f"`{sharedlibs.PLATFORMS[key].install}`" in line
        others = [p.install for k, p in sharedlibs.PLATFORMS.items() if k != key]
        assert not any(other in line for other in others)
    assert line.endswith("or leave the PDF out with --format docx,html")
