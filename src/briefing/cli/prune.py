"""`briefing prune`: delete all but the newest N editions of each report, on purpose."""

from __future__ import annotations

import argparse
from pathlib import Path

from briefing.cli.arguments import store_verb
from briefing.cli.messages import say


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(
            f"--keep needs a whole number of at least 1, not {value!r}"
        )
    return int(value)


def add(verbs) -> None:
    p = store_verb(
        verbs,
        "prune",
        "delete all but the newest N editions of each report",
        "Delete old editions on purpose, keeping the newest N of each report (the published "
        "one always stays). Builds never delete an edition.",
    )
    p.add_argument("--keep", type=_positive, required=True, metavar="N", help="editions to keep")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="print which editions would be deleted and which kept; delete nothing",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="print only problems")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, root: Path, output: Path) -> int:
    from briefing.publish.manage import prune

    return prune(root, output, args.reports, args.keep, say(args.quiet), dry_run=args.dry_run)
