"""Under a scheduler: a quiet build says nothing, whatever HOME is; a build leaves no temporary
folder behind, killed or not; a missing system library is one line; a stop (SIGTERM, SIGINT,
SIGHUP) at any moment ends the build and every process it started, with nothing published; and
a fault met inside a worker reads as it would in the main process.

These run the real command in subprocesses, with every format (the workers, matplotlib,
WeasyPrint and pandoc all take part). Each build carries a marker in its environment, so the
processes it started, however they were started, can be found in /proc.

BRIEFING_STOP_REPEAT=20 repeats each signal test twenty times (default once), for a run on a
loaded machine (for instance beside `python -c 'while True: pass' &` twice).
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from briefing.base import sharedlibs

from .conftest import (
    EPOCH,
    REPORT,
    assert_one_whole_edition_published,
    build_command,
    copy_project,
    edit,
    editions,
    previous_output,
)

REPEAT = int(os.environ.get("BRIEFING_STOP_REPEAT", "1"))
MARK = "BRIEFING_TEST_RUN"
TEMPORARY = (".staging-", ".tmp-")
# What a user may have set that would hide the problem these tests look for.
UNSET = ("MPLCONFIGDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "BRIEFING_CRASH_AT")


def environment(tmp: Path, **extra: str) -> tuple[dict[str, str], str]:
    """A build's environment with a private TMPDIR and a marker of its own."""
    tmp.mkdir(exist_ok=True)
    mark = uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items() if k not in UNSET}
    env.update(SOURCE_DATE_EPOCH=EPOCH, TMPDIR=str(tmp), **{MARK: mark}, **extra)
    return env, mark


def processes(mark: str) -> list[str]:
    """The processes whose environment carries `mark`, as 'pid command'."""
    found = []
    needle = f"{MARK}={mark}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
                found.append(f"{entry.name} {command.decode(errors='replace')[:120]}")
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


def wait_until_gone(mark: str, deadline: float) -> list[str]:
    while (left := processes(mark)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def leftovers(out: Path, tmp: Path) -> list[Path]:
    """Temporary files and folders of a build: in the output folder (at any depth) and in
    the TMPDIR it was given."""
    inside = [p for p in out.rglob(".*") if p.name.startswith(TEMPORARY)] if out.exists() else []
    return inside + list(tmp.iterdir())


def unwritable_home(tmp_path: Path) -> Path:
    """A HOME nobody can create folders in, not even root (the tests may run as root): a file."""
    home = tmp_path / "home"
    home.write_text("not a folder")
    return home


# ---------------------------------------------------------------- quiet and tidy -----------------


@pytest.mark.parametrize("home", ["unwritable", "unset"])
def test_quiet_prints_nothing_whatever_home_is(tmp_path, home):
    project = copy_project(tmp_path / "project")
    out = tmp_path / "out"  # a fresh folder: no drawings cached, matplotlib draws every chart
    env, mark = environment(tmp_path / "tmp")
    if home == "unset":
        env.pop("HOME", None)
    else:
        env["HOME"] = str(unwritable_home(tmp_path))
    done = subprocess.run(build_command(project, out, "-q"), env=env, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    assert (done.stdout, done.stderr) == (b"", b"")
    assert any((out / ".charts").iterdir())  # the charts were drawn
    assert not leftovers(out, tmp_path / "tmp")
    assert not processes(mark)


def test_no_temporary_folder_is_left_after_a_kill_and_the_next_build(tmp_path):
    project = copy_project(tmp_path / "project")
    out, tmp = tmp_path / "out", tmp_path / "tmp"
    env, mark = environment(tmp, HOME=str(unwritable_home(tmp_path)))
    run = subprocess.Popen(build_command(project, out, "-q"), env=env, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not list(out.glob(".staging-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # the workers are drawing, printing and running pandoc
    run.kill()
    run.communicate()
    assert not wait_until_gone(mark, time.monotonic() + 10), "a worker outlived the build"

    env, mark = environment(tmp, HOME=env["HOME"])
    done = subprocess.run(build_command(project, out, "-q"), env=env, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    assert not leftovers(out, tmp), leftovers(out, tmp)
    assert_one_whole_edition_published(out)


# ---------------------------------------------------------------- system libraries ---------------


def test_a_missing_pango_is_one_line_naming_the_package(tmp_path):
    project = copy_project(tmp_path / "project")
    out = tmp_path / "out"
    env, _ = environment(tmp_path / "tmp", BRIEFING_HIDE_LIBRARIES="pango")
    done = subprocess.run(build_command(project, out), env=env, capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert "Pango" in lines[0]
    # The package for the platform the test runs on (sharedlibs.PLATFORMS), else the sentence
    # that names the libraries without a command.
    where = sharedlibs.platform()
    expected = sharedlibs.PLATFORMS[where].install if where else sharedlibs.OTHERWISE
    assert expected in lines[0]
    assert done.stdout == ""
    assert not out.exists()  # checked before any work

    # Without a PDF to print, Pango is not needed.
    done = subprocess.run(
        build_command(project, out, "-q", "-f", "html"), env=env, capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr


# ---------------------------------------------------------------- stops --------------------------

STOPS = {
    signal.SIGTERM: 128 + signal.SIGTERM,
    signal.SIGINT: 130,
    signal.SIGHUP: 128 + signal.SIGHUP,
}


@pytest.fixture(scope="module")
def published_once(tmp_path_factory) -> tuple[Path, Path]:
    """A project with one edition of every format published."""
    base = tmp_path_factory.mktemp("stops")
    project = copy_project(base / "project")
    out = base / "out"
    env, _ = environment(base / "tmp")
    done = subprocess.run(build_command(project, out, "-q"), env=env, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    return project, out


def stopped(project: Path, out: Path, signum: int, moment: float | str) -> tuple[int, str, str]:
    """A forced build stopped by `signum`, `moment` seconds in or while publishing; returns its
    exit status, what it printed on stderr and whether the signal reached it while it ran."""
    tmp = out.parent / f"tmp-{uuid.uuid4().hex[:8]}"
    extra = {"BRIEFING_PAUSE_AT": "placed"} if moment == "publishing" else {}
    env, mark = environment(tmp, **extra)
    before = editions(out)
    run = subprocess.Popen(
        build_command(project, out, "-q", "--force"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    if moment == "publishing":
        deadline = time.monotonic() + 120
        while editions(out) == before and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.1)
    else:
        time.sleep(moment)
    when = "finished first"
    if run.poll() is None:
        run.send_signal(signum)
        when = "signalled"
    signalled = time.monotonic()
    try:
        _, err = run.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        left = processes(mark)
        run.kill()
        run.communicate()
        for line in left:  # a hung build: take its workers down too before failing
            os.kill(int(line.split()[0]), signal.SIGKILL)
        raise AssertionError(f"the build did not end within 10 s of {signum!r}: {left}") from None
    left = wait_until_gone(mark, signalled + 10)
    assert not left, f"left running 10 s after {signum!r} at {moment}: {left}"
    assert not leftovers(out, tmp), (leftovers(out, tmp), list(out.rglob(".staging-*/**/*")), err)
    if when == "finished first" or run.returncode == 0:
        assert run.returncode == 0, err
        return 0, err, "finished first"
    if run.returncode == -signum:
        # Stopped before Python ran a line of briefing (a shell reports this as 128 + n, the
        # same status): nothing had started, so there is nothing else to check.
        assert not err, err
        return STOPS[signum], err, "before start"
    assert run.returncode == STOPS[signum], err
    assert "Traceback" not in err, err
    return run.returncode, err, when


@pytest.mark.parametrize("signum", list(STOPS), ids=lambda s: signal.Signals(s).name)
@pytest.mark.parametrize("moment", [0.5, 1, 2, 4])
def test_a_stop_at_any_moment_ends_every_process_and_publishes_nothing(
    published_once, signum, moment
):
    project, out = published_once
    landed = 0
    for _ in range(REPEAT):
        before = editions(out)
        shown = assert_one_whole_edition_published(out)
        code, err, when = stopped(project, out, signum, moment)
        if when == "finished first":  # the build was quicker than the signal
            continue
        if "after publishing" in err:
            # The signal came while the edition was being switched in, which a stop never
            # cuts short (the next test): one whole new edition, as if it had finished first.
            assert len(set(editions(out)) - set(before)) == 1, (before, editions(out))
            assert assert_one_whole_edition_published(out) != shown
            continue
        landed += 1
        assert editions(out) == before, err  # nothing published
        assert assert_one_whole_edition_published(out) == shown
        assert "interrupted" in err or when == "before start"
    print(f"{signal.Signals(signum).name} at {moment}s: {landed} of {REPEAT} landed mid-build")
    if moment <= 1:
        assert landed == REPEAT  # a build takes longer than a second


@pytest.mark.parametrize("signum", list(STOPS), ids=lambda s: signal.Signals(s).name)
def test_a_stop_while_publishing_finishes_publishing_first(published_once, signum):
    """Publishing takes milliseconds and is not left half done: a stop that arrives while an
    edition is being switched in takes effect once publishing is over."""
    project, out = published_once
    for _ in range(REPEAT):
        before = editions(out)
        code, err, when = stopped(project, out, signum, "publishing")
        assert when == "signalled" and code == STOPS[signum], err
        new = set(editions(out)) - set(before)
        assert len(new) == 1 and set(before) <= set(editions(out)), (before, editions(out))
        assert assert_one_whole_edition_published(out) == new.pop()
        assert "after publishing" in err, err
        index = (out / "index.html").read_text()
        published = os.readlink(out / REPORT / "current").removeprefix("editions/")
        assert f"{REPORT}/editions/{published}/" in index  # the catalogue was brought up to date


# ---------------------------------------------------------------- faults in workers --------------


@pytest.mark.parametrize("fault", ["ENOSPC", "EROFS", "EACCES"])
def test_a_write_refused_inside_a_worker_is_the_same_clear_exit_2(tmp_path, fault):
    project = copy_project(tmp_path / "project")
    out, files = previous_output(tmp_path)
    env, mark = environment(tmp_path / "tmp", BRIEFING_FAIL_AT=f"worker-write:{fault}")
    done = subprocess.run(
        build_command(project, out, "--jobs", "2"), env=env, capture_output=True, text=True
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    message = os.strerror(getattr(__import__("errno"), fault))
    lines = done.stderr.splitlines()
    assert message in lines[0] and str(out) in lines[0], done.stderr
    assert len(lines) == 2 and "what was published is unchanged" in lines[1], done.stderr
    assert {n: (out / n).read_bytes() for n in files} == files
    assert not (out / REPORT).exists()
    assert not leftovers(out, tmp_path / "tmp")
    assert not wait_until_gone(mark, time.monotonic() + 10)


def test_the_worker_fault_hook_fires_only_in_a_worker(tmp_path):
    """With one job nothing runs in a worker, so the hook above proves the fault crossed from
    a worker process (and the build succeeds here)."""
    project = copy_project(tmp_path / "project")
    edit(project / "data/facts/energy.yaml", "value: 2350000", "value: 2400000")
    out = tmp_path / "out"
    env, _ = environment(tmp_path / "tmp", BRIEFING_FAIL_AT="worker-write:ENOSPC")
    done = subprocess.run(
        build_command(project, out, "-q", "--jobs", "1", "-f", "html,docx"),
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_pandoc_meeting_a_full_disk_raises_the_os_error_it_is():
    """The real pandoc writing to /dev/full (every write: ENOSPC). The Word writer raises what
    it reports as an OSError, which the build maps to exit 2 naming the folder, like a full disk
    met by our own writes (above), rather than "pandoc failed", an internal error."""
    from briefing.writers.docx.writer import pandoc_path, run_pandoc

    args = [pandoc_path(), "-f", "markdown", "-t", "docx", "-o", "/dev/full"]
    with pytest.raises(OSError) as caught:
        run_pandoc(args, b"A full disk.", dict(os.environ), Path("/dev/full"))
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == "/dev/full"


def test_a_stopped_pool_leaves_no_thread_of_its_own_running():
    """A build that stops kills its workers, then waits (briefly) for each pool's own thread to
    tear down its queues. A thread left running races the interpreter's exit hook, which
    printed a traceback after the clear exit message now and then (Python 3.11)."""
    import threading
    from concurrent.futures.process import _ExecutorManagerThread

    from briefing.publish.workers import Workers

    pool = Workers(2)
    running = [pool.submit(n, time.sleep, 30) for n in (0, 1)]
    shared = pool.pool(2)
    running += [shared.submit(time.sleep, 30) for _ in range(2)]
    deadline = time.monotonic() + 30
    while not all(f.running() for f in running) and time.monotonic() < deadline:
        time.sleep(0.05)
    before = {t for t in threading.enumerate() if isinstance(t, _ExecutorManagerThread)}
    assert len(before) == 3, before  # one per pool: two slots and the shared queue
    pool.close(kill=True)
    assert not [t for t in before if t.is_alive()]


def test_a_stop_inside_a_deferred_step_takes_effect_when_the_step_ends():
    """Starting a worker must not be cut in two (the worker would die reading half its
    start-up data, printing a traceback): a stop that arrives meanwhile waits for the end."""
    from briefing.base import stopping

    before = {signum: signal.getsignal(signum) for signum in stopping.SIGNALS}
    stopping.install(watchdog=False)
    steps = []
    try:
        with pytest.raises(stopping.Terminated), stopping.deferred():
            os.kill(os.getpid(), signal.SIGHUP)
            time.sleep(0.05)  # the handler has run by now, in this thread
            steps.append("finished")
        assert steps == ["finished"]
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)
