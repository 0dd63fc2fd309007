"""`briefing watch`: rebuild while an author works. It watches reports/, data/ and templates/
with watchfiles (inotify underneath, with debouncing, so one save is one rebuild) and runs the
same build as `briefing build`, so an unchanged save is reported up to date and bad input is
printed without stopping the watch."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

WATCHED = ("reports", "data", "templates")


def watch(
    args: argparse.Namespace,
    root: Path,
    output: Path,
    run_build: Callable[[argparse.Namespace, Path, Path], int],
) -> int:
    from watchfiles import watch as changes

    folders = [root / name for name in WATCHED if (root / name).is_dir()]
    run_build(args, root, output)
    print(f"watching {', '.join(str(f) for f in folders)}; Ctrl-C to stop", flush=True)
    try:
        for batch in changes(*folders, debounce=400, step=100):
            names = sorted({Path(path).name for _, path in batch})
            print(f"changed: {', '.join(names)}", flush=True)
            run_build(args, root, output)
    except KeyboardInterrupt:
        pass
    return 0
