"""`briefing build`: publish a new edition of each report whose inputs changed.

A format's own options (writers.Option) are offered as they are declared in the format registry;
this verb passes them on by name and knows none of them."""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

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
from briefing.base.wording import counted
from briefing.cli.arguments import folder_or_new, folders
from briefing.cli.messages import USER_OS_ERRORS, os_problem, say, warn
from briefing.writers import FORMATS, OPTIONS


def _formats(value: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(v.strip().lower() for v in value.split(",") if v.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown format {', '.join(unknown) or value!r}; choose from {','.join(FORMATS)}"
        )
    return chosen


def _jobs(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 256:
        raise argparse.ArgumentTypeError(
            f"--jobs needs a whole number from 1 to 256, not {value!r}"
        )
    return int(value)


def options(b: argparse.ArgumentParser) -> None:
    """The options of `build`."""
    b.add_argument(
        "reports",
        nargs="*",
        metavar="REPORT",
        help="report ids to build (file names in reports/ without .yaml); default: all",
    )
    folders(b)
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
    talk = b.add_mutually_exclusive_group()
    talk.add_argument("--quiet", "-q", action="store_true", help="print only problems")
    talk.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="say why each report is or is not up to date (which part of its inputs moved "
        "since its newest edition), which formats are rendered and where the files go",
    )
    b.add_argument(
        "--force", action="store_true", help="publish a new edition even if nothing changed"
    )
    b.add_argument(
        "--no-wait",
        dest="wait",
        action="store_false",
        help="if another build is running in the output folder, exit 3 instead of waiting",
    )


def paths(args: argparse.Namespace) -> list[Problem]:
    """--output must be a folder or a name one can be made at."""
    if args.output is None:
        return []
    problem = folder_or_new("--output", args.output)
    return [problem] if problem is not None else []


def add(verbs) -> None:
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
    options(b)
    # A build that cannot finish its clean-up within seconds of a stop exits regardless.
    b.set_defaults(run=run, paths=paths, watchdog=True)


def _bug(output: Path, asked: str, started: float) -> int:
    from briefing.publish.runlog import log_run

    traceback.print_exc()
    print(
        "briefing: internal error (a bug in briefing, not in your files); nothing was written",
        file=sys.stderr,
    )
    log_run(output, asked, "failed", seconds=time.perf_counter() - started)
    return EXIT_BUG


def run(args: argparse.Namespace, root: Path, output: Path) -> int:
    from briefing.publish.lock import Busy
    from briefing.publish.pipeline import build
    from briefing.publish.runlog import log_run

    tell = say(args.quiet)
    verbose = getattr(args, "verbose", False)
    started = time.perf_counter()
    asked = ",".join(args.reports) or "all"
    if verbose:
        tell(f"project {root}; output folder {output}; formats {', '.join(args.formats)}")
    try:
        results = build(
            root,
            args.reports,
            output,
            args.formats,
            tell,
            force=args.force,
            wait=args.wait,
            options={option.name: getattr(args, option.name) for option in OPTIONS},
            warn=warn,
            jobs=args.jobs,  # None: one worker per usable processor
            explain=tell if verbose else None,
        )
    except InputError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(
            f"briefing: {counted(len(exc.problems), 'problem')} in the input; nothing was written",
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
        tell(f"built {counted(len(built), 'report')} in {total:.1f}s")
    if held is not None:
        print(
            "briefing: interrupted after publishing; what was built is published",
            file=sys.stderr,
        )
        return stopping.status(held)
    return EXIT_OK
