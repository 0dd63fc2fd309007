"""`briefing send`: email the newest edition of each report to its readers, once each."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from briefing.base import stopping
from briefing.base.errors import EXIT_BUSY, EXIT_INPUT, EXIT_INTERRUPTED, InputError, Problem
from briefing.base.stopping import Terminated
from briefing.base.wording import counted
from briefing.cli.arguments import DIRECTORY, FILE, folder_or_new, kind, store_verb
from briefing.cli.messages import USER_OS_ERRORS, os_problem, say


def add(verbs) -> None:
    s = store_verb(
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
    ).complete = FILE  # type: ignore[attr-defined]
    s.add_argument(
        "--edition", metavar="ID", help="send this edition instead of the newest (one report)"
    )
    s.add_argument(
        "--dry-run",
        type=Path,
        metavar="DIR",
        help="write each message as an .eml file in DIR instead of sending",
    ).complete = DIRECTORY  # type: ignore[attr-defined]
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
    s.set_defaults(run=run, paths=paths)


def paths(args: argparse.Namespace) -> list[Problem]:
    """--readers must be a file (if it exists at all: the send names a missing one itself);
    --dry-run a folder or a name one can be made at."""
    problems: list[Problem | None] = []
    readers: Path = args.readers
    if (readers.exists() or readers.is_symlink()) and not readers.is_file():
        problems.append(
            Problem(
                readers,
                None,
                f"not a file ({kind(readers)}); --readers needs the readers file (YAML)",
            )
        )
    if args.dry_run is not None:
        problems.append(folder_or_new("--dry-run", args.dry_run))
    return [p for p in problems if p is not None]


def run(args: argparse.Namespace, root: Path, output: Path) -> int:
    """`send`, holding `<output>/.send.lock` for its whole run: one send at a time per output
    folder (deliveries are claimed in the state store as well), and no prune deleting an edition
    while it is being sent (prune takes this lock too)."""
    from contextlib import ExitStack

    from briefing.deliver.send import send
    from briefing.publish.editions import report_ids
    from briefing.publish.lock import SEND_LOCK, Busy, output_lock
    from briefing.publish.manage import store_problem, warn_strays

    tell = say(args.quiet)
    problem = store_problem(output)
    if problem is not None:  # never create the folder, never "sent 0" with exit 0
        print(f"briefing: {problem}", file=sys.stderr)
        return EXIT_INPUT
    have = report_ids(output)
    warn_strays(output, [r for r in args.reports if r in have] or have)
    held = ExitStack()
    try:
        held.enter_context(output_lock(output, args.wait, tell, name=SEND_LOCK, what="send"))
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
                say=tell,
            )
    except InputError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(
            f"briefing: {counted(len(exc.problems), 'problem')}; nothing more was sent",
            file=sys.stderr,
        )
        return EXIT_INPUT
    except KeyboardInterrupt as exc:
        print("briefing: interrupted; the state store records what was sent", file=sys.stderr)
        return stopping.status(exc.signum) if isinstance(exc, Terminated) else EXIT_INTERRUPTED
