"""The command line: the parser, dispatch to a verb, and exit codes. Each verb is one module
(new, check, build, preview, editions, prune, send, completion) that registers its own options
and path checks and runs itself; this module knows none of them by name beyond the list below.
Exit codes:
0 success (including "up to date"), 1 internal failure, 2 bad input (path:line: message on
stderr, nothing written), 3 another build (or send) holds the output folder and --no-wait was
given, 4 some readers were not sent their edition, 130 interrupted.

A verb that writes formats (its arguments carry `formats`, as build's options do) has the
system checked for each format before any work (the PDF's shared libraries): a missing one is
exit 2 with the package to install on this platform, never a traceback; verbs that print
nothing need none of them.

Path arguments are checked for what they must be (a folder, a file) before any work, so a typo
is exit 2 with the path named, never a traceback or a folder created by mistake. Printing goes
through console.guarded: a reader of the output that goes away (`| head -1`) stops the printing,
never the work."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from briefing import DISTRIBUTION, __version__
from briefing.base import stopping
from briefing.base.errors import EXIT_INPUT, EXIT_INTERRUPTED, Problem
from briefing.base.sharedlibs import MissingLibrary
from briefing.base.stopping import Terminated
from briefing.base.wording import counted
from briefing.cli import build, check, completion, editions, new, preview, prune, send
from briefing.cli.arguments import project_problem
from briefing.cli.console import guarded
from briefing.writers import check_system

# In the order `briefing --help` lists them; `briefing completion` completes every one.
VERBS = (new, check, build, preview, editions, prune, send, completion)


class _Version(argparse.Action):
    """`--version`: the distribution's name and version as its installed metadata states
    them, read only when asked (the package's own number where it is not installed)."""

    def __init__(
        self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None
    ):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from importlib import metadata

        try:
            version = metadata.version(DISTRIBUTION)
        except metadata.PackageNotFoundError:
            version = __version__
        print(f"{DISTRIBUTION} {version}")
        parser.exit()


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="briefing",
        description="Build briefing documents (PDF, DOCX, HTML) from sourced facts, prose templates and charts.",
    )
    top.add_argument(
        "--version", action=_Version, help="print the distribution's name and version, and exit"
    )
    verbs = top.add_subparsers(dest="verb", metavar="COMMAND")
    verbs.required = True
    for verb in VERBS:
        verb.add(verbs)
    top.set_defaults(command_line=top)  # for `briefing completion`, which describes it whole
    return top


def main(argv: list[str] | None = None) -> int:
    with guarded():  # a closed pipe stops the printing, never the work (console.py)
        try:
            return _main(argv)
        except KeyboardInterrupt as exc:  # a stop before a verb took charge (under load, imports)
            print("briefing: interrupted; nothing was written", file=sys.stderr)
            return 128 + exc.signum if isinstance(exc, Terminated) else EXIT_INTERRUPTED


def path_problems(args: argparse.Namespace) -> list[Problem]:
    """Each path argument checked for what it must be, before anything is read or written:
    the project folder here, the verb's own paths by the verb."""
    problems = [p for p in [project_problem(args.project)] if p is not None]
    if getattr(args, "paths", None) is not None:
        problems += args.paths(args)
    return problems


def _main(argv: list[str] | None) -> int:
    args = parser().parse_args(argv)
    problems = path_problems(args)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        print(
            f"briefing: {counted(len(problems), 'problem')} in the arguments; nothing was written",
            file=sys.stderr,
        )
        return EXIT_INPUT
    formats = getattr(args, "formats", None)
    if isinstance(formats, tuple):
        try:
            check_system(formats)  # the PDF's libraries, before anything is read or written
        except MissingLibrary as exc:
            print(f"briefing: {exc}", file=sys.stderr)  # one line, what to install
            return EXIT_INPUT
    # SIGINT, SIGTERM and SIGHUP unwind like Ctrl-C (stopping.py); a verb that asks for the
    # watchdog (a build) exits regardless if its clean-up cannot finish within seconds of a stop.
    stopping.install(watchdog=getattr(args, "watchdog", False))
    root: Path = args.project.resolve()
    output: Path = (args.output if args.output is not None else root / "output").resolve()
    return args.run(args, root, output)


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
