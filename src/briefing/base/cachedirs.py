"""Where the libraries a build uses keep their caches, chosen before any of them is imported.

matplotlib keeps its font list under `MPLCONFIGDIR` (by default `~/.config/matplotlib`; when
that cannot be written it makes a fresh temporary folder on every run and warns on stderr), and
fontconfig its cache under `XDG_CACHE_HOME` (by default `~/.cache`). A service user often has no
writable home, and cron would mail the warnings after every build. So, in this order:

1. a value the user set (`MPLCONFIGDIR`, `XDG_CACHE_HOME`) is kept as it is;
2. otherwise the caches go to the user's own cache folder, `$XDG_CACHE_HOME/briefing` or
   `~/.cache/briefing`, when it can be created and written: every project of that user shares
   it, so the font list is made once;
3. failing that, to `<output>/.cache`, which a build can write by construction (the output
   folder is checked before anything else); it is kept between builds for the same reason.

`XDG_CACHE_HOME` itself is only set (to the folder of 2 or 3) when the user's `~/.cache` cannot
be written, since other programs a build runs read it too.

Temporary files are another matter: see `publish.staging`, which points `TMPDIR` into the
build's staging folder so that nothing temporary outlives a build, killed or not.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_NAME = ".cache"  # under the output folder, when the user's cache folder is not writable
# What a worker process must be given so that it finds the same folders (see publish/workers.py).
PASSED_ON = ("MPLCONFIGDIR", "XDG_CACHE_HOME", "TMPDIR")


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK | os.X_OK)


def _user_cache() -> Path | None:
    """The user's cache folder (`~/.cache`), or None when there is no home to find."""
    try:
        return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    except (RuntimeError, KeyError):  # no HOME and no entry in the password database
        return None


def prepare(output: Path) -> Path | None:
    """Point the caches at writable folders (see the module's notes); returns the folder
    chosen, or None when the user had set every one."""
    if os.environ.get("MPLCONFIGDIR") and os.environ.get("XDG_CACHE_HOME"):
        return None
    user = _user_cache()
    user_writable = user is not None and _writable(user / "briefing")
    chosen = user / "briefing" if user_writable and user is not None else output / CACHE_NAME
    if not user_writable:
        chosen.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("MPLCONFIGDIR", str(chosen / "matplotlib"))
    if not user_writable:
        os.environ.setdefault("XDG_CACHE_HOME", str(chosen))
    return chosen


def passed_on() -> dict[str, str]:
    """The settings a worker takes from the build that starts it."""
    return {name: os.environ[name] for name in PASSED_ON if name in os.environ}


def engine_cache(name: str) -> Path | None:
    """A writable folder for one of the engine's own caches (`name`), beside the libraries'
    caches: under the user's cache folder, or the output folder's when prepare() had to choose
    that (it then points XDG_CACHE_HOME there, for workers too). None when neither can be
    written: a cache is only ever a saving."""
    user = _user_cache()
    if user is None:
        return None
    folder = user / "briefing" / name
    return folder if _writable(folder) else None
