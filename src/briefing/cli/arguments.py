"""What several verbs share on the command line: the folder options, the shape of a verb that
works on the editions store, and the checks that a path argument is what it must be (a folder, a
file), made before any work so that a typo is exit 2 with the path named, never a traceback or a
folder created by mistake."""

from __future__ import annotations

import argparse
from pathlib import Path

from briefing.base.errors import Problem

# What a path option takes, for the completion scripts (completion.py): shtab reads an
# argument's `complete` attribute (its shtab.DIRECTORY and shtab.FILE, spelled out here so
# that a command that completes nothing never imports shtab).
DIRECTORY = {"bash": "_shtab_compgen_dirs", "zsh": "_files -/", "tcsh": "d"}
FILE = {"bash": "_shtab_compgen_files", "zsh": "_files", "tcsh": "f"}


def folders(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--project",
        "-C",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="project folder holding reports/, templates/ and data/ (default: current folder)",
    ).complete = DIRECTORY  # type: ignore[attr-defined]
    p.add_argument(
        "--output",
        "-o",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder for the built files and editions (default: output/ in the project)",
    ).complete = DIRECTORY  # type: ignore[attr-defined]


def store_verb(verbs, name: str, short: str, description: str) -> argparse.ArgumentParser:
    """A verb that works on the editions store rather than on the inputs."""
    v = verbs.add_parser(name, help=short, description=description)
    v.add_argument("reports", nargs="*", metavar="REPORT", help="report ids (default: all)")
    folders(v)
    return v


def kind(path: Path) -> str:
    if path.is_symlink() and not path.exists():
        return "a symbolic link to nothing"
    return "a file" if path.is_file() else "a folder" if path.is_dir() else "not a regular file"


def project_problem(project: Path) -> Problem | None:
    """--project must name a folder, for every verb."""
    if project.is_dir():
        return None
    why = "no such folder" if not project.exists() else f"not a folder ({kind(project)})"
    return Problem(
        project,
        None,
        f"{why}; --project names the project folder (the one holding reports/, "
        "templates/ and data/)",
    )


def folder_or_new(option: str, path: Path) -> Problem | None:
    """`path` must be a folder, or a name where one can be made (its nearest existing parent a
    folder): for --output of a build and --dry-run, which create theirs."""
    if path.exists() or path.is_symlink():
        if path.is_dir():
            return None
        return Problem(
            path,
            None,
            f"not a folder ({kind(path)}); {option} needs a folder, or the name of one to create",
        )
    for parent in path.absolute().parents:
        if parent.exists():
            if parent.is_dir():
                return None
            return Problem(
                path,
                None,
                f"cannot write to the {option.strip('-')} folder here: {parent} is not a "
                f"folder ({kind(parent)}); choose another {option}",
            )
    return None
