"""`briefing new`: start a report, its files written by config/scaffold.py."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from briefing.base.errors import EXIT_INPUT, EXIT_OK, InputError
from briefing.cli.arguments import folders


def add(verbs) -> None:
    n = verbs.add_parser(
        "new",
        help="start a report: its file and section templates, commented, that build at once",
        description=(
            "Write reports/REPORT.yaml and its section templates under "
            "templates/sections/REPORT/, every field and rule explained in comments, so that "
            "the report passes `briefing check` and builds with no edit. A plain report opens "
            "with the newest fact of the evidence and closes with its sources; --like starts "
            "from an existing report's shape (layout, stylesheets, data, charts, its sections "
            "copied as starting templates). --layout also writes a commented copy of the layout "
            "as templates/layouts/REPORT.html.j2 and points the report at it. An existing id, a "
            "bad id or an unknown --like is refused (exit 2) and nothing is written; the files "
            "are created together or not at all."
        ),
    )
    n.add_argument("report", metavar="REPORT", help="the new report's id, e.g. trade-brief")
    n.add_argument(
        "--like", metavar="EXISTING", help="start from the shape of this existing report"
    )
    n.add_argument(
        "--layout",
        action="store_true",
        help="also write a commented copy of the layout, for this report alone",
    )
    folders(n)
    n.set_defaults(run=run)


def run(args: argparse.Namespace, root: Path, output: Path) -> int:
    from briefing.config.scaffold import plan, write

    try:
        written = write(root, plan(root, args.report, args.like, args.layout))
    except InputError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"briefing: report {args.report!r} not started; nothing was written", file=sys.stderr)
        return EXIT_INPUT
    for path in written:
        print(f"wrote {path.relative_to(root).as_posix()}")
    here = "" if args.project == Path(".") else f" -C {args.project}"
    print("next:")
    print(f"  briefing preview{here} {args.report}   # a live draft while you write")
    print(f"  briefing check{here} {args.report}     # every check a build makes, nothing written")
    print(f"  briefing build{here} {args.report}     # publish its first edition")
    return EXIT_OK
