"""`briefing watch`: rebuild while an author works. It watches reports/, data/ and templates/
with watchfiles (inotify underneath, with debouncing, so one save is one rebuild) and runs the
same build as `briefing build` in its draft mode: each report is written to
`<output>/drafts/<report>/` (drafts.py), never as an edition, so nothing watch does reaches the
editions, the index, the feed or `send`. An unchanged save is reported up to date and bad input
is printed without stopping the watch."""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path

from briefing.base.errors import EXIT_INTERRUPTED
from briefing.cli import build

WATCHED = ("reports", "data", "templates")


def add(verbs) -> None:
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
    build.options(w)
    w.set_defaults(run=run, paths=build.paths)


def run(args: argparse.Namespace, root: Path, output: Path) -> int:
    from watchfiles import watch as changes

    from briefing.publish.drafts import drafts_folder

    run_build = build.run

    # Ctrl-C is remembered as well as raised: Python drops an interrupt that lands while a
    # finalizer runs (a build's worker pool is released by finalizers), and the watch must
    # stop all the same.
    stop = threading.Event()

    def interrupted(_signum: int, _frame: object) -> None:
        stop.set()
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, interrupted)
    folders = [root / name for name in WATCHED if (root / name).is_dir()]
    args.draft = True  # only `build` publishes
    if not getattr(args, "quiet", False):
        print(
            f"drafts go to {drafts_folder(output)}/<report>/; nothing is published (use "
            "`briefing build` for that)",
            flush=True,
        )
    if run_build(args, root, output) == EXIT_INTERRUPTED or stop.is_set():
        return 0  # Ctrl-C during a build stops the watch, not only that build
    announced = False
    try:
        # yield_on_timeout: the first (empty) batch arrives once the watcher is live, so
        # "watching" is printed only when a save can no longer be missed.
        for batch in changes(
            *folders, debounce=400, step=100, rust_timeout=300, yield_on_timeout=True
        ):
            if stop.is_set():
                break
            if not batch:
                if not announced:
                    shown = ", ".join(str(f) for f in folders)
                    print(f"watching {shown}; Ctrl-C to stop", flush=True)
                    announced = True
                continue
            names = sorted({Path(path).name for _, path in batch})
            print(f"changed: {', '.join(names)}", flush=True)
            if run_build(args, root, output) == EXIT_INTERRUPTED or stop.is_set():
                break
    except KeyboardInterrupt:
        pass
    return 0
