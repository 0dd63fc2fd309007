"""Command-line verbs. Only argument parsing and mapping errors to exit codes live here:
0 success (including "up to date"), 1 internal failure, 2 bad input (path:line: message on
stderr, nothing written), 3 another build (or send) holds the output folder and --no-wait was
given, 4 some readers were not sent their edition, 130 interrupted.

Path arguments are checked for what they must be (a folder, a file) before any work, so a typo
is exit 2 with the path named, never a traceback or a folder created by mistake. Printing goes
through console.guarded: a reader of the output that goes away (`| head -1`) stops the printing,
never the work."""

from __future__ import annotations

import argparse
import errno
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from briefing import __version__
from briefing.base import stopping
from briefing.base.errors import (
    EXIT_BUG,
    EXIT_BUSY,
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    InputError,
    Problem,
)
from briefing.base.sharedlibs import MissingLibrary
from briefing.base.stopping import Terminated
from briefing.cli.console import guarded
from briefing.writers import FORMATS, OPTIONS


def _formats(value: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(v.strip().lower() for v in value.split(",") if v.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown format {', '.join(unknown) or value!r}; choose from {','.join(FORMATS)}"
        )
    return chosen


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(
            f"--keep needs a whole number of at least 1, not {value!r}"
        )
    return int(value)


def _jobs(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 256:
        raise argparse.ArgumentTypeError(
            f"--jobs needs a whole number from 1 to 256, not {value!r}"
        )
    return int(value)


def _folders(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--project",
        "-C",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="project folder holding reports/, templates/ and data/ (default: current folder)",
    )
    p.add_argument(
        "--output",
        "-o",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder for the built files and editions (default: output/ in the project)",
    )


def _build_options(b: argparse.ArgumentParser) -> None:
    b.add_argument(
        "reports",
        nargs="*",
        metavar="REPORT",
        help="report ids to build (file names in reports/ without .yaml); default: all",
    )
    _folders(b)
    b.add_argument(
        "--format",
        "-f",
        dest="formats",
        type=_formats,
        default=FORMATS,
        metavar="LIST",
        help=f"comma-separated formats to build: {','.join(FORMATS)} (default: all)",
    )
    for option in OPTIONS:  # each format's own, as its registry entry declares them
        b.add_argument(
            option.flag,
            dest=option.name,
            choices=option.choices,
            default=option.default,
            help=option.help,
        )
    b.add_argument(
        "--jobs",
        "-j",
        type=_jobs,
        default=None,
        metavar="N",
        help="work in at most N processes at once: several reports side by side, or one "
        "report's PDF, Word file and charts at the same time (default: the number of "
        "processors this build may use; 1 keeps everything in one process)",
    )
    b.add_argument("--quiet", "-q", action="store_true", help="print only problems")
    b.add_argument(
        "--force", action="store_true", help="publish a new edition even if nothing changed"
    )
    b.add_argument(
        "--no-wait",
        dest="wait",
        action="store_false",
        help="if another build is running in the output folder, exit 3 instead of waiting",
    )


def _store_verb(verbs, name: str, short: str, description: str) -> argparse.ArgumentParser:
    """A verb that works on the editions store rather than on the inputs."""
    v = verbs.add_parser(name, help=short, description=description)
    v.add_argument("reports", nargs="*", metavar="REPORT", help="report ids (default: all)")
    _folders(v)
    return v


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="briefing",
        description="Build briefing documents (PDF, DOCX, HTML) from sourced facts, prose templates and charts.",
    )
    top.add_argument("--version", action="version", version=f"briefing {__version__}")
    verbs = top.add_subparsers(dest="verb", metavar="COMMAND")
    verbs.required = True
    b = verbs.add_parser(
        "build",
        help="publish a new edition of each report whose inputs changed",
        description=(
            "Validate the data, then build each report defined under reports/. A report whose "
            "inputs (report, data, templates, styles, tool version, formats) are unchanged since "
            "its newest edition is reported as up to date and nothing is written. Otherwise a new "
            "dated edition is published under output/<report>/editions/, and output/<report>.pdf, "
            ".docx and .html switch to it together. Bad input leaves everything untouched. "
            "Exit 0 on success or up to date, 2 on bad input, 3 if another build is running and "
            "--no-wait was given, 1 on an internal failure."
        ),
    )
    _build_options(b)
    w = verbs.add_parser(
        "watch",
        help="rebuild drafts (never editions) whenever a report, data or template file changes",
        description=(
            "Build drafts once, then watch reports/, data/ and templates/ and build them again "
            "after each save. Drafts go to drafts/<report>/ in the output folder: never an "
            "edition, never in the index or the feed, never sent; only `build` publishes. "
            "Problems are printed and the watch goes on. Stop it with Ctrl-C."
        ),
    )
    _build_options(w)
    _store_verb(
        verbs,
        "editions",
        "list the published editions of each report",
        "List every edition: its id, date, information current-to date and how many facts it "
        "added, changed and removed.",
    )
    p = _store_verb(
        verbs,
        "prune",
        "delete all but the newest N editions of each report",
        "Delete old editions on purpose, keeping the newest N of each report (the published "
        "one always stays). Builds never delete an edition.",
    )
    p.add_argument("--keep", type=_positive, required=True, metavar="N", help="editions to keep")
    p.add_argument("--quiet", "-q", action="store_true", help="print only problems")
    s = _store_verb(
        verbs,
        "send",
        "email the newest edition of each report to its readers, once each",
        "Email each reader (from --readers) the newest published edition of the reports they "
        "follow, when its facts differ from the last edition they received: a summary in the "
        "message body (opening section, what changed since their last edition) and the formats "
        "they chose attached, or linked when briefing.toml gives a public base_url. Editions "
        "that change wording or presentation only are not mailed, unless the reader has "
        "every_edition: true. Never builds; safe after every scheduled build. Settings come "
        "from briefing.toml ([mail], [publish]) with BRIEFING_SMTP_HOST, _PORT, _SECURITY, "
        "_FROM, _USER and BRIEFING_BASE_URL overriding it; the password only from "
        "BRIEFING_SMTP_PASSWORD. Exit 0 when every reader has what they should, 4 when some "
        "failed (each reported), 2 on bad input, 3 if another send is running in the output "
        "folder and --no-wait was given.",
    )
    s.add_argument(
        "--readers", type=Path, required=True, metavar="FILE", help="the readers file (YAML)"
    )
    s.add_argument(
        "--edition", metavar="ID", help="send this edition instead of the newest (one report)"
    )
    s.add_argument(
        "--dry-run",
        type=Path,
        metavar="DIR",
        help="write each message as an .eml file in DIR instead of sending",
    )
    s.add_argument(
        "--resend",
        action="store_true",
        help="send even to readers who already have the edition (as a new message)",
    )
    s.add_argument(
        "--new-state",
        action="store_true",
        help="the state store is missing although editions exist: treat every reader as new "
        "(only if no reader was ever sent an edition from this output folder)",
    )
    s.add_argument("--quiet", "-q", action="store_true", help="print only problems")
    s.add_argument(
        "--no-wait",
        dest="wait",
        action="store_false",
        help="if another send is running in the output folder, exit 3 instead of waiting",
    )
    return top


def _say(quiet: bool) -> Callable[[str], None]:
    return (lambda _m: None) if quiet else (lambda m: print(m, flush=True))


def _warn(message: str) -> None:
    print(f"briefing: warning: {message}", file=sys.stderr, flush=True)


# Errors from the filesystem that the user's environment causes, not a bug in briefing.
USER_OS_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG}


def os_problem(exc: OSError, output: Path) -> str:
    where = Path(exc.filename).parent if exc.filename else output
    advice = {
        errno.ENOSPC: "free some space or choose another folder with --output",
        errno.EDQUOT: "the disk quota is used up; free some space or choose another folder with --output",
        errno.EFBIG: "the file is larger than this process may write (ulimit -f); raise the limit",
        errno.EROFS: "the folder is read-only; choose another with --output",
    }.get(exc.errno, "check the folder's permissions or choose another with --output")
    return f"{where}: {exc.strerror}; {advice}"


def main(argv: list[str] | None = None) -> int:
    with guarded():  # a closed pipe stops the printing, never the work (console.py)
        try:
            return _main(argv)
        except KeyboardInterrupt as exc:  # a stop before a verb took charge (under load, imports)
            print("briefing: interrupted; nothing was written", file=sys.stderr)
            return 128 + exc.signum if isinstance(exc, Terminated) else EXIT_INTERRUPTED


def _kind(path: Path) -> str:
    if path.is_symlink() and not path.exists():
        return "a symbolic link to nothing"
    return "a file" if path.is_file() else "a folder" if path.is_dir() else "not a regular file"


def _folder_or_new(option: str, path: Path) -> Problem | None:
    """`path` must be a folder, or a name where one can be made (its nearest existing parent a
    folder): for --output of a build and --dry-run, which create theirs."""
    if path.exists() or path.is_symlink():
        if path.is_dir():
            return None
        return Problem(
            path,
            None,
            f"not a folder ({_kind(path)}); {option} needs a folder, or the name of one to create",
        )
    for parent in path.absolute().parents:
        if parent.exists():
            if parent.is_dir():
                return None
            return Problem(
                path,
                None,
                f"cannot write to the {option.strip('-')} folder here: {parent} is not a "
                f"folder ({_kind(parent)}); choose another {option}",
            )
    return None


def path_problems(args: argparse.Namespace) -> list[Problem]:
    """Each path argument checked for what it must be, before anything is read or written."""
    problems: list[Problem] = []
    project: Path = args.project
    if not project.is_dir():
        why = "no such folder" if not project.exists() else f"not a folder ({_kind(project)})"
        problems.append(
            Problem(
                project,
                None,
                f"{why}; --project names the project folder (the one holding reports/, "
                "templates/ and data/)",
            )
        )
    if args.verb in ("build", "watch") and args.output is not None:
        problems.append(_folder_or_new("--output", args.output))
    if args.verb == "send":
        readers: Path = args.readers
        if (readers.exists() or readers.is_symlink()) and not readers.is_file():
            problems.append(
                Problem(
                    readers,
                    None,
                    f"not a file ({_kind(readers)}); --readers needs the readers file (YAML)",
                )
            )
        if args.dry_run is not None:
            problems.append(_folder_or_new("--dry-run", args.dry_run))
    return [p for p in problems if p is not None]


def _main(argv: list[str] | None) -> int:
    args = parser().parse_args(argv)
    problems = path_problems(args)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        print(
            f"briefing: {len(problems)} problem(s) in the arguments; nothing was written",
            file=sys.stderr,
        )
        return EXIT_INPUT
    # SIGINT, SIGTERM and SIGHUP unwind like Ctrl-C (stopping.py); a build that cannot finish
    # its clean-up within seconds of a stop exits regardless.
    stopping.install(watchdog=args.verb == "build")
    root: Path = args.project.resolve()
    output: Path = (args.output if args.output is not None else root / "output").resolve()
    if args.verb == "build":
        return run_build(args, root, output)
    if args.verb == "watch":
        from briefing.cli.watch import watch

        return watch(args, root, output, run_build)
    if args.verb == "send":
        return run_send(args, root, output)
    if args.verb == "editions":
        from briefing.publish.manage import list_editions

        return list_editions(output, args.reports)
    from briefing.publish.manage import prune

    return prune(root, output, args.reports, args.keep, _say(args.quiet))


def run_send(args: argparse.Namespace, root: Path, output: Path) -> int:
    """`send`, holding `<output>/.send.lock` for its whole run: one send at a time per output
    folder (deliveries are claimed in the state store as well), and no prune deleting an edition
    while it is being sent (prune takes this lock too)."""
    from contextlib import ExitStack

    from briefing.deliver.send import send
    from briefing.publish.editions import report_ids
    from briefing.publish.lock import SEND_LOCK, Busy, output_lock
    from briefing.publish.manage import store_problem, warn_strays

    say = _say(args.quiet)
    problem = store_problem(output)
    if problem is not None:  # never create the folder, never "sent 0" with exit 0
        print(f"briefing: {problem}", file=sys.stderr)
        return EXIT_INPUT
    have = report_ids(output)
    warn_strays(output, [r for r in args.reports if r in have] or have)
    held = ExitStack()
    try:
        held.enter_context(output_lock(output, args.wait, say, name=SEND_LOCK, what="send"))
    except Busy as exc:
        print(f"briefing: {exc}", file=sys.stderr)
        return EXIT_BUSY
    except OSError as exc:
        if exc.errno not in USER_OS_ERRORS:
            raise
        print(os_problem(exc, output), file=sys.stderr)
        print("briefing: the send lock could not be taken; nothing was sent", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt as exc:  # stopped while waiting for another send
        print("briefing: interrupted while waiting; nothing was sent", file=sys.stderr)
        return stopping.status(exc.signum) if isinstance(exc, Terminated) else EXIT_INTERRUPTED
    try:
        with held:
            return send(
                root,
                output,
                args.reports,
                args.readers.resolve(),
                edition_id=args.edition,
                dry_run=args.dry_run.resolve() if args.dry_run else None,
                resend=args.resend,
                new_state=args.new_state,
                say=say,
            )
    except InputError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"briefing: {len(exc.problems)} problem(s); nothing more was sent", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt as exc:
        print("briefing: interrupted; the state store records what was sent", file=sys.stderr)
        return stopping.status(exc.signum) if isinstance(exc, Terminated) else EXIT_INTERRUPTED


def _bug(output: Path, asked: str, started: float) -> int:
    from briefing.publish.runlog import log_run

    traceback.print_exc()
    print(
        "briefing: internal error (a bug in briefing, not in your files); nothing was written",
        file=sys.stderr,
    )
    log_run(output, asked, "failed", seconds=time.perf_counter() - started)
    return EXIT_BUG


def run_build(args: argparse.Namespace, root: Path, output: Path) -> int:
    from briefing.publish.lock import Busy
    from briefing.publish.pipeline import build
    from briefing.publish.runlog import log_run

    say = _say(args.quiet)
    started = time.perf_counter()
    asked = ",".join(args.reports) or "all"
    try:
        results = build(
            root,
            args.reports,
            output,
            args.formats,
            say,
            force=args.force,
            wait=args.wait,
            options={option.name: getattr(args, option.name) for option in OPTIONS},
            warn=_warn,
            jobs=args.jobs,  # None: one worker per usable processor
            draft=getattr(args, "draft", False),  # `watch` writes drafts, never editions
        )
    except InputError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(
            f"briefing: {len(exc.problems)} problem(s) in the input; nothing was written",
            file=sys.stderr,
        )
        log_run(output, asked, "bad-input", seconds=time.perf_counter() - started)
        return EXIT_INPUT
    except Busy as exc:
        print(f"briefing: {exc}", file=sys.stderr)
        log_run(output, asked, "busy", seconds=time.perf_counter() - started)
        return EXIT_BUSY
    except MissingLibrary as exc:
        print(f"briefing: {exc}", file=sys.stderr)
        log_run(output, asked, "bad-input", seconds=time.perf_counter() - started)
        return EXIT_INPUT
    except KeyboardInterrupt as exc:
        print("briefing: interrupted; nothing was written", file=sys.stderr)
        log_run(output, asked, "interrupted", seconds=time.perf_counter() - started)
        return 128 + exc.signum if isinstance(exc, Terminated) else EXIT_INTERRUPTED
    except OSError as exc:
        if exc.errno not in USER_OS_ERRORS:
            return _bug(output, asked, started)
        print(os_problem(exc, output), file=sys.stderr)
        print(
            "briefing: the output could not be written; what was published is unchanged",
            file=sys.stderr,
        )
        log_run(output, asked, "bad-input", seconds=time.perf_counter() - started)
        return EXIT_INPUT
    except Exception:  # noqa: BLE001 - the last line of defence maps any bug to exit 1
        return _bug(output, asked, started)
    finally:
        held = stopping.release()  # a stop that arrived while publishing, or None
    for r in results:
        log_run(output, r.report, r.status, r.edition, r.seconds or time.perf_counter() - started)
    built = [r for r in results if r.files]
    if built:
        total = time.perf_counter() - started
        say(f"built {len(built)} report(s) in {total:.1f}s")
    if held is not None:
        print(
            "briefing: interrupted after publishing; what was built is published",
            file=sys.stderr,
        )
        return stopping.status(held)
    return EXIT_OK


def _exit_interrupted(code: int) -> None:
    """End a `python -m briefing` run that a stop interrupted with `code`, once its
    clean-up is done. Run that way (not through the `briefing` command), CPython 3.11 kills the
    process with SIGINT at exit if a Ctrl-C's KeyboardInterrupt ever passed through code that
    `exec` ran from a string (dataclasses make their methods so), even though briefing caught
    it: the status is then -2, not 130. The exit handlers run, the streams are flushed, and the
    process ends with the status it chose."""
    import atexit

    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def run_as_module() -> None:
    """`python -m briefing`: `main`, ended as `_exit_interrupted` explains after a stop."""
    status = main()
    if status == EXIT_INTERRUPTED or status > 128:
        _exit_interrupted(status)
    sys.exit(status)
