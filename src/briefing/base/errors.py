"""Errors are part of the interface: each names what is wrong, where, and what to do.

`InputError` means the user's files are wrong (exit 2); anything else escaping the pipeline is
our own fault (exit 1). Problems are collected so that one run reports all of them at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Exit statuses, the same for every verb: a scheduler acts on them.
EXIT_OK = 0
EXIT_BUG = 1  # a bug in briefing (traceback printed)
EXIT_INPUT = 2  # the user's files or arguments are wrong; nothing was written
EXIT_BUSY = 3  # another build (or send) holds the output folder and --no-wait was given
EXIT_SEND_FAILED = 4  # `send`: some readers did not get their edition (each one reported)
EXIT_INTERRUPTED = 130  # Ctrl-C


@dataclass(frozen=True)
class Problem:
    path: Path | str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        return f"{where}: {self.message}"


class InputError(Exception):
    """One or more problems in the user's input; nothing has been written."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):
        """Rebuilt from its problems when it crosses from a worker process to the build."""
        return (type(self), (self.problems,))

    @classmethod
    def one(cls, path: Path | str, line: int | None, message: str) -> InputError:
        return cls([Problem(path, line, message)])


class Problems:
    """Collects problems while loading so a user sees every mistake in one run."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, path: Path | str, line: int | None, message: str) -> None:
        self.items.append(Problem(path, line, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise InputError(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)
