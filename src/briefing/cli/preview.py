"""`briefing preview [REPORT]`: the report as a draft in the browser while an author works.

It serves the draft on 127.0.0.1 (a free port unless `--port` names one), rebuilds it in this
process on every save under reports/, data/ and templates/, and the open page reloads by itself
(publish/server.py). A problem is printed as `path:line: message` and shown in the page, over the
last good draft. The PDF of the draft is printed when its link is followed. Nothing is published
or written to the output folder: no edition, index, feed or state (publish/preview.py).
Ctrl-C (or SIGTERM) stops it with exit 0; a `--port` that is taken is exit 2."""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from briefing.base.errors import EXIT_INPUT, EXIT_OK, InputError, Problems
from briefing.base.stopping import SIGNALS
from briefing.cli.arguments import folders


def _port(value: str) -> int:
    if not value.isdigit() or not 0 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(
            f"--port needs a port number from 0 to 65535 (0: any free port), not {value!r}"
        )
    return int(value)


def add(verbs) -> None:
    p = verbs.add_parser(
        "preview",
        help="show a report as a draft in the browser, rebuilt and reloaded on every save",
        description=(
            "Serve REPORT (default: the first report under reports/) as a draft on "
            "http://127.0.0.1:PORT/ and rebuild it on every save under reports/, data/ and "
            "templates/; the open page reloads by itself. Problems are printed as "
            "path:line: message and shown in the page over the last good draft. The page "
            "links to the PDF of the draft, printed when asked for. Nothing is published: no "
            "edition, index, feed or state is written. Stop it with Ctrl-C."
        ),
    )
    p.add_argument(
        "report",
        nargs="?",
        metavar="REPORT",
        help="report id (a file name in reports/ without .yaml); default: the first one",
    )
    folders(p)
    p.add_argument(
        "--port",
        "-p",
        type=_port,
        default=0,
        metavar="PORT",
        help="port on 127.0.0.1 to serve on (default 0: a free one, printed)",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="print only the address and problems")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, root: Path, output: Path) -> int:
    # A stop before the server takes the signals over (during the first draft) unwinds the
    # work, as stopping.py does for a build, and is remembered, should a library swallow the
    # KeyboardInterrupt on the way. Stopping a preview is how it ends: exit 0.
    stops: list[int] = []

    def stop(signum: int, _frame: object) -> None:
        stops.append(signum)
        raise KeyboardInterrupt

    for signum in SIGNALS:
        signal.signal(signum, stop)
    try:
        return _start(args, root, output, stops)
    except KeyboardInterrupt:  # a stop before the server took over
        return EXIT_OK


def _start(args: argparse.Namespace, root: Path, output: Path, stops: list[int]) -> int:
    from briefing.base.cachedirs import prepare
    from briefing.cli.messages import say, warn
    from briefing.publish.server import PortBusy, listen

    tell = say(args.quiet)
    try:
        report, others = _chosen(root, args.report)
    except InputError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("briefing: nothing to preview", file=sys.stderr)
        return EXIT_INPUT
    try:
        sock = listen(args.port)
    except PortBusy as exc:
        print(
            f"briefing: {exc}; choose another with --port, or --port 0 for a free one",
            file=sys.stderr,
        )
        return EXIT_INPUT
    prepare(output)  # the caches, before matplotlib or WeasyPrint is imported
    scratch = Path(tempfile.mkdtemp(prefix="briefing-preview-"))
    try:
        return _serve(args, root, output, report, others, sock, scratch, tell, warn, stops)
    finally:
        sock.close()
        shutil.rmtree(scratch, ignore_errors=True)


def _chosen(root: Path, wanted: str | None) -> tuple[str, list[str]]:
    """The report to preview (the one named, else the first) and the others."""
    from briefing.publish.pipeline import chosen_reports

    problems = Problems()
    named = chosen_reports(root, [wanted] if wanted else [], problems)  # all, if none named
    problems.raise_if_any()
    report = named[0].stem
    every = named if not wanted else chosen_reports(root, [], problems)
    return report, [p.stem for p in every if p.stem != report]


def _serve(args, root, output, report, others, sock, scratch, tell, warn, stops) -> int:
    from briefing.publish.preview import Preview
    from briefing.publish.server import rebuild, serve, warm_print

    preview = Preview(root, output, report, scratch, warn)
    if others and args.report is None:
        tell(f"previewing {report}; the others: {', '.join(others)} (name one to preview it)")
    rebuild(preview, tell)
    if stops:
        return EXIT_OK

    def ready(address: str) -> None:
        print(f"{report}: draft at {address} (Ctrl-C to stop; nothing is published)", flush=True)
        warm_print()

    serve(preview, sock, root, tell, ready, stops)
    tell("preview stopped")
    return EXIT_OK
