"""`briefing check`: everything a build validates, and nothing written (publish/check.py).

Exit 0 with a one-line summary, or 2 with each problem as `path:line: message` on stderr.
`--format json` prints one JSON object on stdout instead, for tools:

    {"ok": bool, "reports": [id, ...], "facts": int, "charts": int,
     "problems": [{"path": str, "line": int | null, "message": str}, ...]}

Paths are relative to the project folder where they lie inside it (as the messages show them).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from briefing.base.errors import EXIT_INPUT, EXIT_OK, Problem
from briefing.base.wording import counted
from briefing.cli.arguments import folders, kind

JSON_VERSION = 1  # raised only if a key changes meaning or goes; new keys may be added


def add(verbs) -> None:
    c = verbs.add_parser(
        "check",
        help="validate everything a build would, and write nothing",
        description=(
            "Validate what a build of these reports validates (default: every report): the "
            "report definitions, briefing.toml, the sources, facts and key judgments, the "
            "charts' declarations and data, the templates composed with the house rules on "
            "prose and sourcing, the layout and the stylesheets; and the readers file when "
            "--readers names one. Nothing is drawn or written: no output folder, lock or cache. "
            "Exit 0 if all is well, 2 with each problem as path:line: message. The pre-merge "
            "check in CI."
        ),
    )
    c.add_argument(
        "reports",
        nargs="*",
        metavar="REPORT",
        help="report ids to check (file names in reports/ without .yaml); default: all",
    )
    folders(c)
    c.add_argument(
        "--format",
        dest="style",
        choices=("text", "json"),
        default="text",
        help="text: problems on stderr and a summary (default); json: one object on stdout",
    )
    c.add_argument(
        "--readers",
        type=Path,
        metavar="FILE",
        help="also check this readers file (as `send` reads it)",
    )
    c.add_argument("--quiet", "-q", action="store_true", help="print only problems")
    c.set_defaults(run=run, paths=paths)


def paths(args: argparse.Namespace) -> list[Problem]:
    readers: Path | None = args.readers
    if readers is None or readers.is_file():
        return []
    why = "no such file" if not (readers.exists() or readers.is_symlink()) else kind(readers)
    return [Problem(readers, None, f"{why}; --readers needs the readers file (YAML)")]


def _shown(path: Path | str, root: Path) -> str:
    """A problem's path as a build prints it, relative to the project where it lies inside."""
    if isinstance(path, Path) and path.is_absolute() and path.is_relative_to(root):
        return path.relative_to(root).as_posix()
    return str(path)


def run(args: argparse.Namespace, root: Path, output: Path) -> int:
    from briefing.base.errors import Problems
    from briefing.publish.check import check

    found = check(root, args.reports)
    problems = list(found.problems)
    if args.readers is not None:
        from briefing.deliver.send import check_readers

        more = Problems()
        check_readers(root, output, args.readers.resolve(), more)
        problems += more.items
    problems = [Problem(_shown(p.path, root), p.line, p.message) for p in problems]
    if args.style == "json":
        shown = {
            "version": JSON_VERSION,
            "ok": not problems,
            "reports": found.reports,
            "facts": found.facts,
            "charts": found.charts,
            "problems": [
                {"path": str(p.path), "line": p.line, "message": p.message} for p in problems
            ],
        }
        print(json.dumps(shown, indent=2, ensure_ascii=False))
        return EXIT_INPUT if problems else EXIT_OK
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(
            f"briefing: {counted(len(problems), 'problem')} in the input; a build would refuse it",
            file=sys.stderr,
        )
        return EXIT_INPUT
    if not args.quiet:
        n = len(found.reports)
        print(
            f"{n} report{'s' * (n != 1)}, {found.facts} facts, {found.charts} "
            f"chart{'s' * (found.charts != 1)}: no problems"
        )
    return EXIT_OK
