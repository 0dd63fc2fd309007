"""Reading one field of an input file: the type it must have, the text checks, the line to
blame. Each call records a problem (file and line) instead of raising, so a file's every mistake
is reported in one run. Shared by every loader (facts, sources, reports, judgments) rather than
copied into each."""

from __future__ import annotations

import difflib
import re
from typing import Any

from briefing.base.errors import Problems
from briefing.base.textcheck import header_problem, isolate
from briefing.base.textcheck import problem as text_problem
from briefing.base.typography import smart_quotes
from briefing.base.units import UNITS
from briefing.config.yamlfile import LocatedDict

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def unknown_key(key: object, allowed: set[str], what: str, noun: str = "field") -> str:
    """What to say of a key `what` does not take: the nearest allowed one, or all of them."""
    hint = difflib.get_close_matches(str(key), sorted(allowed), n=1)
    tip = f"; did you mean {hint[0]!r}?" if hint else f"; allowed: {', '.join(sorted(allowed))}"
    return f"unknown {noun} {key!r} in {what}{tip}"


class Checker:
    """Field access that records a problem (with file and line) instead of raising."""

    def __init__(self, problems: Problems, shown: str):
        self.problems = problems
        self.shown = shown

    def mapping(self, value: Any, line: int, what: str) -> LocatedDict | None:
        if isinstance(value, LocatedDict):
            return value
        self.problems.add(self.shown, line, f"{what} must be a mapping of fields (key: value)")
        return None

    def unknown_keys(
        self, entry: LocatedDict, allowed: set[str], what: str, noun: str = "field"
    ) -> None:
        for key in entry:
            if key not in allowed:
                self.problems.add(
                    self.shown, entry.line_of(key), unknown_key(key, allowed, what, noun)
                )

    def items(self, entry: LocatedDict, key: str, message: str) -> list:
        """A required, non-empty list; an empty one, with `message` recorded, otherwise."""
        value = entry.get(key)
        if isinstance(value, list) and value:
            return value
        self.problems.add(self.shown, entry.line_of(key), message)
        return []

    def text(
        self,
        entry: LocatedDict,
        key: str,
        what: str,
        required: bool = True,
        header: bool = False,
    ) -> str | None:
        """A text field, checked; `header` for one that reaches a mail header (a title, a
        subject), which must also be one clean line (`textcheck.header_problem`)."""
        if key not in entry or entry[key] is None:
            if required:
                self.problems.add(
                    self.shown, entry.line, f"{what} is missing required field {key!r}"
                )
            return None
        value = entry[key]
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.problems.add(self.shown, entry.line_of(key), f"{key!r} in {what} must be text")
            return None
        value = str(value).strip()
        if not value and required:
            self.problems.add(self.shown, entry.line_of(key), f"{key!r} in {what} is empty")
            return None
        if why := (header_problem if header else text_problem)(value):
            self.problems.add(self.shown, entry.line_of(key), f"{key!r} in {what} {why}")
            return None
        return isolate(smart_quotes(value))

    def known_unit(self, unit: object, line: int) -> bool:
        """Whether `unit` is one the engine knows; if not, the problem names them all."""
        if unit in UNITS:
            return True
        self.problems.add(
            self.shown, line, f"unknown unit {unit!r}; known units: {', '.join(sorted(UNITS))}"
        )
        return False

    def texts(self, entry: LocatedDict, key: str, what: str) -> tuple[str, ...]:
        """A list of short texts; a single text where a list belongs is an error, not a list
        of its letters."""
        raw = entry.get(key)
        if raw is None:
            return ()
        if not isinstance(raw, list) or not all(
            isinstance(v, str | int | float) and not isinstance(v, bool) for v in raw
        ):
            self.problems.add(
                self.shown,
                entry.line_of(key),
                f"{key!r} in {what} must be a list, like [{raw if isinstance(raw, str) else 'a, b'}]",
            )
            return ()
        out = []
        for value in raw:
            if why := text_problem(str(value)):
                self.problems.add(
                    self.shown, entry.line_of(key), f"an item of {key!r} in {what} {why}"
                )
            else:
                out.append(str(value).strip())
        return tuple(out)

    def ident(self, entry: LocatedDict, key: str, what: str) -> str | None:
        value = self.text(entry, key, what)
        if value is not None and not ID_RE.match(value):
            self.problems.add(
                self.shown,
                entry.line_of(key),
                f"{key} {value!r} in {what} must use lower-case letters, digits and hyphens",
            )
            return None
        return value
