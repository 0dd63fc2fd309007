"""`briefing editions`: list the published editions of each report."""

from __future__ import annotations

import argparse
from pathlib import Path

from briefing.cli.arguments import store_verb


def add(verbs) -> None:
    v = store_verb(
        verbs,
        "editions",
        "list the published editions of each report",
        "List every edition: its id, date, information current-to date and how many facts it "
        "added, changed and removed.",
    )
    v.add_argument(
        "--json",
        action="store_true",
        help="print one JSON array of every edition (report, id, date, current_to, added, "
        "changed, removed, current, files...) for tools, instead of the table",
    )
    v.set_defaults(run=run)


def run(args: argparse.Namespace, root: Path, output: Path) -> int:
    from briefing.publish.manage import list_editions

    return list_editions(output, args.reports, as_json=args.json)
