"""Command-line verbs. Only argument parsing and mapping errors to exit codes live here:
0 success, 2 bad input (path:line: message on stderr, nothing written), 1 internal failure."""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from . import __version__
from .build import FORMATS
from .errors import InputError


def _formats(value: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(v.strip().lower() for v in value.split(",") if v.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown format {', '.join(unknown) or value!r}; choose from {','.join(FORMATS)}"
        )
    return chosen


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
        help="build reports into PDF, DOCX and HTML",
        description=(
            "Validate the data, then build each report defined under reports/. Files are written "
            "to a staging folder and moved into place only when every format has rendered, so "
            "bad input leaves the previous output untouched. Exit 0 on success, 2 on bad input, "
            "1 on an internal failure."
        ),
    )
    b.add_argument(
        "reports",
        nargs="*",
        metavar="REPORT",
        help="report ids to build (file names in reports/ without .yaml); default: all",
    )
    b.add_argument(
        "--output",
        "-o",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder for the built files (default: output/ in the project)",
    )
    b.add_argument(
        "--format",
        "-f",
        dest="formats",
        type=_formats,
        default=FORMATS,
        metavar="LIST",
        help="comma-separated formats to build: pdf,docx,html (default: all three)",
    )
    b.add_argument(
        "--project",
        "-C",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="project folder holding reports/, templates/ and data/ (default: current folder)",
    )
    b.add_argument("--quiet", "-q", action="store_true", help="print only errors")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    root: Path = args.project.resolve()
    output: Path = args.output if args.output is not None else root / "output"
    say = (lambda _m: None) if args.quiet else (lambda m: print(m, flush=True))
    try:
        from .build import build

        results = build(root, args.reports, output.resolve(), args.formats, say)
    except InputError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(
            f"briefing: {len(exc.problems)} problem(s) in the input; nothing was written",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print("briefing: interrupted; nothing was written", file=sys.stderr)
        return 130
    except Exception:  # noqa: BLE001 - the last line of defence maps any bug to exit 1
        traceback.print_exc()
        print(
            "briefing: internal error (a bug in briefing, not in your files); nothing was written",
            file=sys.stderr,
        )
        return 1
    total = sum(r.seconds for r in results)
    say(f"built {len(results)} report(s) in {total:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
