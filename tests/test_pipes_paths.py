"""Pipes, path arguments, links among editions, and who may delete or wait on what.

- A reader that goes away (`briefing build | head -1`) never aborts the work: the build is
  published, every reader is mailed, the listing ends quietly, and the status is the work's.
- Every path argument is checked for what it must be (a folder, a file) before anything is
  written: exit 2, a message naming it, no traceback, nothing created.
- Anything in an editions folder that is not a real edition folder (a symbolic link, a file) is
  named in a warning and ignored: never listed, followed, pruned or sent.
- A temporary file belongs to the process that made it: a build's clean-up never takes the
  temporary file of a process still writing it.
- `send` holds `<output>/.send.lock`; `prune` waits for it, so it never deletes an edition being
  sent; `send --no-wait` exits 3 while another send runs.

The send tests use the SMTP server and published output of test_send.py (aiosmtpd on
127.0.0.1, a copy of the session's build)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from briefing.base.errors import EXIT_BUSY, EXIT_INPUT
from briefing.base.files import owned, write_atomic
from briefing.cli.main import main
from briefing.publish.staging import sweep

from .conftest import EPOCH, ROOT
from .test_send import EXPECTED, READERS, desk, smtp  # noqa: F401 - shared fixtures

FOCUS = "iran-venezuela-in-focus"  # the two-page report: an HTML edition of it takes a second
TRACES = ("Traceback", "Exception ignored", "internal error")


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "briefing", *args]


def environment(**extra: str) -> dict[str, str]:
    return {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, **extra}


def assert_no_trace(err: str) -> None:
    for trace in TRACES:
        assert trace not in err, err


def read_one_line_and_close(proc: subprocess.Popen) -> tuple[str, str, int]:
    """What `| head -1` does: read a line, then go away while the process still writes."""
    line = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    return line, err, proc.wait(timeout=120)


# ---------------------------------------------------------------- pipes -------------------------


def test_build_into_a_pipe_closed_after_one_line_is_published(tmp_path):
    out = tmp_path / "out"
    # Paused at the switch, the build still has its last lines to print when the reader is gone.
    env = environment(BRIEFING_PAUSE_AT="switched", BRIEFING_PAUSE_SECONDS="0.5")
    proc = subprocess.Popen(
        cli("build", FOCUS, "-f", "html", "-C", str(ROOT), "-o", str(out)),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line, err, code = read_one_line_and_close(proc)
    assert line.startswith(f"{FOCUS}: ")
    assert code == 0, err
    assert_no_trace(err)
    current = out / FOCUS / "current"
    assert os.readlink(current) == "editions/2026-11-18"
    assert (out / f"{FOCUS}.html").resolve() == (current / f"{FOCUS}.html").resolve()
    assert "\tpublished\t2026-11-18\t" in (out / "build.log").read_text()


def test_send_into_a_pipe_closed_after_one_line_reaches_every_reader(desk, smtp):  # noqa: F811
    mailbox, port = smtp
    root, out, readers = desk
    env = environment(
        BRIEFING_SMTP_PORT=str(port), BRIEFING_PAUSE_AT="delivered", BRIEFING_PAUSE_SECONDS="0.2"
    )
    proc = subprocess.Popen(
        cli("send", "-C", str(root), "-o", str(out), "--readers", str(readers)),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line, err, code = read_one_line_and_close(proc)
    assert line.startswith("sent ")
    assert code == 0, err
    assert_no_trace(err)
    assert mailbox.per_reader() == Counter({key: 1 for key in EXPECTED})


def test_editions_into_a_closed_pipe_ends_quietly(desk):  # noqa: F811
    _, out, _ = desk
    reader, writer = os.pipe()
    os.close(reader)  # `head` has already gone: the first write meets a closed pipe
    try:
        done = subprocess.run(
            cli("editions", "-o", str(out)), stdout=writer, stderr=subprocess.PIPE, text=True
        )
    finally:
        os.close(writer)
    assert done.returncode == 0, done.stderr
    assert_no_trace(done.stderr)
    assert done.stderr == ""


# ---------------------------------------------------------------- path arguments ---------------


@pytest.fixture(scope="module")
def store(built, tmp_path_factory) -> Path:
    """A copy of the session's published output, for refusals that must leave it as it is."""
    out = tmp_path_factory.mktemp("store") / "output"
    shutil.copytree(built.folder, out, symlinks=True)
    return out


def _cases(store: Path, tmp: Path) -> dict[str, tuple[list[str], Path, str]]:
    """Each: the arguments, the path that must be left as it was, what the message says."""
    file, folder, typo = tmp / "a-file", tmp / "a-folder", tmp / "typo"
    readers = tmp / "readers.yaml"
    empty = tmp / "empty"
    send = ["send", "-C", str(ROOT), "--readers", str(readers)]
    eml = ["--dry-run", str(tmp / "eml")]
    return {
        "send --output FILE": ([*send, "-o", str(file), *eml], file, "not a folder"),
        "prune --output FILE": (["prune", "--keep", "1", "-o", str(file)], file, "not a folder"),
        "build --output FILE": (
            ["build", FOCUS, "-f", "html", "-C", str(ROOT), "-o", str(file)],
            file,
            "not a folder",
        ),
        "editions --output FILE": (["editions", "-o", str(file)], file, "not a folder"),
        "send --dry-run FILE": (
            [*send, "-o", str(store), "--dry-run", str(file)],
            file,
            "not a folder",
        ),
        "send --dry-run FILE/inside": (
            [*send, "-o", str(store), "--dry-run", str(file / "eml")],
            file,
            "not a folder",
        ),
        "send --readers FOLDER": (
            ["send", "-C", str(ROOT), "-o", str(store), "--readers", str(folder), *eml],
            folder,
            "not a file",
        ),
        "build --project FILE": (
            ["build", FOCUS, "-f", "html", "-C", str(file), "-o", str(typo)],
            file,
            "not a folder",
        ),
        "editions --project FILE": (["editions", "-C", str(file)], file, "not a folder"),
        "build --project missing": (
            ["build", FOCUS, "-C", str(typo), "-o", str(tmp / "out")],
            typo,
            "no such folder",
        ),
        "send --output typo": ([*send, "-o", str(typo), *eml], typo, "no such folder"),
        "editions --output typo": (["editions", "-o", str(typo)], typo, "no such folder"),
        "prune --output typo": (
            ["prune", "--keep", "1", "-C", str(ROOT), "-o", str(typo)],
            typo,
            "no such folder",
        ),
        "send --output empty": ([*send, "-o", str(empty), *eml], empty, "no editions"),
        "editions --output empty": (["editions", "-o", str(empty)], empty, "no editions"),
        "prune --output empty": (
            ["prune", "--keep", "1", "-C", str(ROOT), "-o", str(empty)],
            empty,
            "no editions",
        ),
    }


CASES = list(_cases(Path("/s"), Path("/t")))


def _state(path: Path):
    if not path.exists():
        return None
    if path.is_dir():
        return sorted(p.name for p in path.iterdir())
    return path.read_bytes()


@pytest.mark.parametrize("case", CASES)
def test_a_path_argument_of_the_wrong_kind_is_exit_2_and_creates_nothing(
    case, store, tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("not a folder\n")
    (tmp_path / "a-folder").mkdir()
    (tmp_path / "empty").mkdir()
    (tmp_path / "readers.yaml").write_text(READERS)
    args, kept, says = _cases(store, tmp_path)[case]
    before = _state(kept)
    code = main(args)
    err = capsys.readouterr().err
    assert code == EXIT_INPUT, err
    assert_no_trace(err)
    assert str(kept) in err and says in err, err
    assert _state(kept) == before
    assert not (tmp_path / "eml").exists() and not (tmp_path / "out").exists()


# ---------------------------------------------------------------- links among editions ---------


def test_a_link_among_the_editions_is_named_ignored_and_never_followed(
    desk,  # noqa: F811
    tmp_path,
    capsys,
    monkeypatch,
):
    root, out, readers = desk
    folder = out / FOCUS / "editions"
    real = folder / "2026-11-18"
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(real, elsewhere)  # an edition-shaped folder outside the store
    (folder / "2000-01-01").symlink_to(real)  # an older-looking name: prune's first pick
    (folder / "2000-01-02").symlink_to(elsewhere)
    (folder / "notes.txt").write_text("not an edition\n")
    kept = sorted(p.name for p in elsewhere.iterdir())

    assert main(["editions", FOCUS, "-o", str(out)]) == 0
    said = capsys.readouterr()
    assert "2000-01-0" not in said.out
    for name in ("2000-01-01", "2000-01-02", "notes.txt"):
        assert f"{folder / name}: not an edition folder" in said.err

    assert main(["prune", FOCUS, "--keep", "1", "-C", str(root), "-o", str(out)]) == 0
    said = capsys.readouterr()
    assert_no_trace(said.err)
    assert f"{folder / '2000-01-01'}: not an edition folder" in said.err
    assert (folder / "2000-01-01").is_symlink() and (folder / "2000-01-02").is_symlink()
    assert real.is_dir() and sorted(p.name for p in elsewhere.iterdir()) == kept

    for name in ("BRIEFING_SMTP_HOST", "BRIEFING_SMTP_SECURITY"):
        monkeypatch.delenv(name)
    eml = tmp_path / "eml"
    args = ["send", FOCUS, "-C", str(root), "-o", str(out), "--readers", str(readers)]
    assert main([*args, "--dry-run", str(eml)]) == 0
    said = capsys.readouterr()
    assert f"{folder / '2000-01-02'}: not an edition folder" in said.err
    assert all("-2026-11-18-" in p.name for p in eml.iterdir())


# ---------------------------------------------------------------- one owner per file -----------

WRITER = """
import sys
from pathlib import Path
from briefing.base.files import write_atomic
out = Path(sys.argv[1])
targets = [out / "state.json", out / "report" / "log.json", out / "report" / "editions" / "x"]
for i in range(int(sys.argv[2])):
    for target in targets:
        write_atomic(target, str(i).encode())
        assert target.read_bytes() == str(i).encode(), (target, i)
print("done", i)
"""


def test_a_sweep_never_takes_a_live_writers_temporary_file(tmp_path):
    out = tmp_path / "out"
    (out / "report" / "editions").mkdir(parents=True)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(out), "500"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    sweeps = 0
    while writer.poll() is None:
        sweep(out)
        sweeps += 1
    stdout, stderr = writer.communicate()
    assert writer.returncode == 0, stderr
    assert stdout.strip() == "done 499" and sweeps > 100
    assert (out / "state.json").read_bytes() == b"499"
    leftovers = [p for p in out.rglob(".*") if p.name.startswith((".tmp-", ".staging-"))]
    assert not leftovers, leftovers


def test_a_sweep_takes_only_what_a_gone_process_left(tmp_path):
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True
    )
    dead = int(gone.stdout)
    live = os.getppid()  # the test runner's parent: alive, and not this process
    here = owned(".tmp-").split("-")[2]  # this machine, as write_atomic names it
    names = {
        f".tmp-{dead}-{here}-abc": False,  # its owner is gone
        f".staging-{dead}-{here}-abc": False,
        f".tmp-{live}-{here}-abc": True,  # its owner still runs
        f".staging-{live}-{here}-abc": True,
        f".tmp-{dead}-0ther0-abc": True,  # another machine's: its pid means nothing here
        ".tmp-young": True,  # no owner named (an older version's), and recent
        ".tmp-old": False,  # no owner named, and older than an hour
        f".tmp-{live}-{here}-reused": False,  # over a day old: its pid was given again since
    }
    for name in names:
        if name.startswith(".staging-"):
            (tmp_path / name).mkdir()
            (tmp_path / name / "inside").write_text("x")
        else:
            (tmp_path / name).write_text("x")
    hours_ago = time.time() - 2 * 3600
    os.utime(tmp_path / ".tmp-old", (hours_ago, hours_ago))
    days_ago = time.time() - 2 * 86400
    os.utime(tmp_path / f".tmp-{live}-{here}-reused", (days_ago, days_ago))
    sweep(tmp_path)
    assert {name: (tmp_path / name).exists() for name in names} == names


def test_write_atomic_names_its_temporary_file_after_its_process(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append(Path(src).name)
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    write_atomic(tmp_path / "f", b"x")
    assert seen and seen[0].startswith(f".tmp-{os.getpid()}-")


# ---------------------------------------------------------------- the send lock ----------------


def _focus_send(desk, port: int, *extra: str, **env: str) -> subprocess.Popen:  # noqa: F811
    root, out, readers = desk
    args = ["send", FOCUS, "-C", str(root), "-o", str(out), "--readers", str(readers), *extra]
    return subprocess.Popen(
        cli(*args),
        env=environment(BRIEFING_SMTP_PORT=str(port), **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_messages(mailbox, count: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while len(mailbox.messages) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(mailbox.messages) >= count


def test_prune_waits_for_a_send_and_every_reader_gets_the_edition(desk, smtp):  # noqa: F811
    mailbox, port = smtp
    root, out, readers = desk
    # The second reader takes a file the first did not, read after the first is sent.
    readers.write_text(
        "- name: Ana Analyst\n  email: ana@example.org\n  formats: [pdf]\n"
        "- name: Ben Briefed\n  email: ben@example.org\n  formats: [docx]\n"
        f"  reports: [{FOCUS}]\n"
    )
    # A second edition of the short report, so that pruning to one removes the first.
    forced = subprocess.run(
        cli("build", FOCUS, "-f", "html", "--force", "-q", "-C", str(root), "-o", str(out)),
        env=environment(),
        capture_output=True,
        text=True,
    )
    assert forced.returncode == 0, forced.stderr
    first = out / FOCUS / "editions" / "2026-11-18"
    sending = _focus_send(
        desk,
        port,
        "--edition",
        "2026-11-18",
        BRIEFING_PAUSE_AT="delivered",
        BRIEFING_PAUSE_SECONDS="1.5",
    )
    _wait_for_messages(mailbox, 1)  # one reader has it; the send pauses before the next
    pruning = subprocess.run(
        cli("prune", FOCUS, "--keep", "1", "-C", str(root), "-o", str(out)),
        env=environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    sent_out, sent_err = sending.communicate(timeout=60)
    assert sending.returncode == 0, sent_err
    assert "sent 2, not sent 0, failed 0" in sent_out
    got = {
        (rcpt[0], msg["X-Briefing-Edition"], *(p.get_filename() for p in msg.iter_attachments()))
        for rcpt, msg in mailbox.parsed()
    }
    assert got == {
        ("ana@example.org", "2026-11-18", f"{FOCUS}.pdf"),
        ("ben@example.org", "2026-11-18", f"{FOCUS}.docx"),
    }
    assert pruning.returncode == 0, pruning.stderr
    assert "waiting for the send already running" in pruning.stdout
    assert "removed edition 2026-11-18" in pruning.stdout
    assert not first.exists()


def test_send_no_wait_exits_3_naming_the_send_that_runs(
    desk,  # noqa: F811
    smtp,  # noqa: F811
    capsys,
    monkeypatch,
):
    mailbox, port = smtp
    root, out, readers = desk
    sending = _focus_send(desk, port, BRIEFING_PAUSE_AT="delivered", BRIEFING_PAUSE_SECONDS="2")
    try:
        _wait_for_messages(mailbox, 1)
        monkeypatch.setenv("BRIEFING_SMTP_PORT", str(port))
        args = ["send", FOCUS, "-C", str(root), "-o", str(out), "--readers", str(readers)]
        code = main([*args, "--no-wait"])
        err = capsys.readouterr().err
        assert code == EXIT_BUSY, err
        assert f"another send is running in {out} (pid {sending.pid})" in err
    finally:
        sent_out, sent_err = sending.communicate(timeout=60)
    assert sending.returncode == 0, sent_err
    assert len(mailbox.messages) == 2  # the busy send sent nothing
