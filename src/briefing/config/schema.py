"""Declarative input schemas: each input file's fields are described once, as a table of
`Field`s (name, kind, required, default, the ids it refers to, the ids that must be unique), and
one function, `check`, reads a mapping against its table and records every problem with the
file and line it sits on.

Why a small layer of our own and not pydantic: the inputs come from `yamlfile.py`'s located
mappings, which already know the line of every key, and every message a user sees names the
entry by its id, says what to do and offers a did-you-mean. With pydantic each error would have
to be mapped back from its `loc` tuple to a YAML line, and most messages rewritten from its
generic wording ("Input should be a valid string") to ours, through a custom validator per
field; what is left of the library is the type dispatch, which is the few classes below. It
would also be a new dependency with a compiled core, in both lock files. The kinds here build
on `fieldcheck.Checker`, which reads one field's plain type; the kinds several inputs share
(dates, quantities, paths) are in `fieldkinds.py`.

A kind reads one present field and returns its value, or None after recording a problem. An
entry with any problem yields None from `check`, so that a loader builds only what is sound,
but every field is still read: all the problems of a run are reported together.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefing.base.errors import Problems
from briefing.config.fieldcheck import ID_RE, Checker
from briefing.config.yamlfile import LocatedDict


class Ids:
    """Every id of a run that must be unique, by kind ("fact id", "section id"), with where it
    first appeared: the one duplicate check, and its one message."""

    def __init__(self) -> None:
        self.first: dict[tuple[str, str], tuple[str, int]] = {}

    def claim(
        self,
        problems: Problems,
        kind: str,
        value: str,
        shown: str,
        line: int,
        *,
        key: str | None = None,
        fix: str = "give one of them a new id",
    ) -> bool:
        """Record `value` of `kind` at `shown:line`; False (and a problem) if it was seen."""
        slot = (kind, value if key is None else key)
        if slot not in self.first:
            self.first[slot] = (shown, line)
            return True
        path, first = self.first[slot]
        where = f"first on line {first}" if path == shown else f"first at {path}:{first}"
        problems.add(shown, line, f"duplicate {kind} {value!r} ({where}); {fix}")
        return False


@dataclass
class Scope:
    """What a check needs besides the mapping: where problems go (`problems`, and the file as
    messages name it, `shown`), the ids other fields may refer to (by table name), the run's
    unique ids, and the project root for paths. `checker` reads one field's plain type."""

    problems: Problems
    shown: str
    known: Mapping[str, Collection[str]] = field(default_factory=dict)
    ids: Ids = field(default_factory=Ids)
    root: Path | None = None
    checker: Checker = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.checker = Checker(self.problems, self.shown)

    def add(self, line: int | None, message: str) -> None:
        self.problems.add(self.shown, line, message)


# A kind: (scope, entry, key, what) -> the value, or None with a problem recorded.
Kind = Callable[[Scope, LocatedDict, str, str], Any]


@dataclass(frozen=True)
class Ref:
    """The ids a field's value must be one of: the table in `Scope.known`, the noun for the
    message, and what to do when no known id is close ("known: ..." if not given)."""

    table: str
    noun: str
    otherwise: str | None = None
    message: str | None = None  # a whole message instead: {what}, {value}

    def problem(self, scope: Scope, value: str, what: str) -> str | None:
        known = scope.known[self.table]
        if value in known:
            return None
        if self.message:
            return self.message.format(what=what, value=value)
        hint = difflib.get_close_matches(value, list(known), n=1)
        tip = (
            f"did you mean {hint[0]!r}?"
            if hint
            else self.otherwise or f"known: {', '.join(_in_order(known))}"
        )
        return f"unknown {self.noun} {value!r}; {tip}"


def _in_order(known: Collection[str]) -> list[str]:
    """As declared (a domains file's order), or sorted where there is no order (a set)."""
    return sorted(known) if isinstance(known, set | frozenset) else list(known)


@dataclass(frozen=True)
class Field:
    """One field of an input file. `required`: True, or the message to give when it is
    missing (placeholders {what} and {key}), which can say what to write. `refers_to`: the ids
    the value (or each item of a list) must be one of. `unique`: the kind of id that must be
    unique across the run ("fact id"). `implied`: what a missing field is read as, checked like
    one written on the entry's line (a default file that must exist)."""

    name: str
    kind: Kind
    required: bool | str = False
    default: Any = None
    refers_to: Ref | None = None
    unique: str | None = None
    implied: Any = None


@dataclass(frozen=True)
class Schema:
    """The fields of one kind of entry. `noun` names an entry without an id ("a source");
    `named` names one by its id ("source {id!r}"). `make`, if given, is called with the
    checked values as keywords (the fields are named as its parameters) to build the entry.
    `open`: keys outside the table are someone else's to check (a chart kind's own fields);
    `key`: what the file calls a key, in the message about one that is not in the table."""

    noun: str
    named: str
    fields: tuple[Field, ...]
    make: Callable[..., Any] | None = None
    open: bool = False
    key: str = "field"

    def read(self, scope: Scope, entry: LocatedDict) -> Any:
        return check(scope, entry, self)

    def what(self, entry: LocatedDict) -> str:
        if "id" in entry and isinstance(entry["id"], str):
            return self.named.format(id=entry["id"])
        return self.noun


MISSING = "{what} is missing required field {key!r}"


def check(scope: Scope, entry: LocatedDict, schema: Schema, what: str | None = None) -> Any:
    """The entry's values by field name (defaults filled in), or what `schema.make` builds
    from them; None if any problem was recorded. Every field is read either way, so that every
    problem is reported."""
    before = len(scope.problems.items)
    what = what or schema.what(entry)
    if not schema.open:
        scope.checker.unknown_keys(entry, {f.name for f in schema.fields}, what, schema.key)
    values: dict[str, Any] = {}
    for f in schema.fields:
        e = entry
        if entry.get(f.name) is None and f.implied is not None:
            e = _implied(entry, f.name, f.implied)
        if e.get(f.name) is None:
            if f.required:
                message = f.required if isinstance(f.required, str) else MISSING
                scope.add(entry.line, message.format(what=what, key=f.name))
            values[f.name] = f.default
            continue
        value = f.kind(scope, e, f.name, schema.noun if f.name == "id" else what)
        line = e.line_of(f.name)
        if value is not None and f.refers_to is not None:
            for item in value if isinstance(value, tuple) else (value,):
                if why := f.refers_to.problem(scope, item, what):
                    scope.add(line, why)
        if value is not None and f.unique:
            scope.ids.claim(scope.problems, f.unique, value, scope.shown, line)
        values[f.name] = value if value not in (None, "") else f.default
    if len(scope.problems.items) > before:
        return None
    return schema.make(**values) if schema.make else values


def _implied(entry: LocatedDict, key: str, value: Any) -> LocatedDict:
    """The entry with a missing field filled in, blamed on the entry's own line."""
    out = LocatedDict({**entry, key: value})
    out.line, out.key_lines = entry.line, {}
    return out


def entries(scope: Scope, data: Any, whole: str, each: str) -> list[LocatedDict]:
    """The mappings of a file that must be a list of them; `whole` is the message when it is
    not ("the sources file must be a list of sources"), `each` names one ("each source")."""
    if not isinstance(data, list):
        scope.add(getattr(data, "line", 1), whole)
        return []
    found = (scope.checker.mapping(raw, data.line, each) for raw in data)
    return [m for m in found if m is not None]


def built(
    scope: Scope,
    data: Any,
    build: Callable[[Scope, LocatedDict], Any],
    whole: str,
    each: str,
    accept: tuple = (),
) -> list:
    """What `build` makes of each sound entry of a file that is a list of them (see `entries`);
    `accept`: which of an empty file (None) and an empty list mean no entries, not a problem."""
    if data is None or data == []:
        data = [] if data in accept else None
    return [x for e in entries(scope, data, whole, each) if (x := build(scope, e)) is not None]


# ---------------------------------------------------------------- kinds ---------------------------


def text(header: bool = False, required: bool = True) -> Kind:
    """Text, checked (`header`: one clean line, for what reaches a mail header); an optional
    one may be empty."""
    return lambda s, e, k, w: s.checker.text(e, k, w, required=required, header=header)


def ident(s: Scope, e: LocatedDict, k: str, w: str) -> str | None:
    return s.checker.ident(e, k, w)


def texts(s: Scope, e: LocatedDict, k: str, w: str) -> tuple[str, ...] | None:
    before = len(s.problems.items)
    out = s.checker.texts(e, k, w)
    return out if len(s.problems.items) == before else None


def one_of(choices: Collection[str], message: str, required: bool = True) -> Kind:
    """Text that must be one of `choices`; message placeholders {value}, {what}."""

    def read(s: Scope, e: LocatedDict, k: str, w: str) -> str | None:
        value = s.checker.text(e, k, w, required=required)
        if value is None or value in choices:
            return value
        s.add(e.line_of(k), message.format(value=value, what=w))
        return None

    return read


def boolean(message: str) -> Kind:
    def read(s: Scope, e: LocatedDict, k: str, w: str) -> bool | None:
        if isinstance(e[k], bool):
            return e[k]
        s.add(e.line_of(k), message.format(what=w))
        return None

    return read


def whole(low: int, high: int, message: str) -> Kind:
    """A whole number from `low` to `high`."""

    def read(s: Scope, e: LocatedDict, k: str, w: str) -> int | None:
        value = e[k]
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return value
        s.add(e.line_of(k), message.format(what=w))
        return None

    return read


def strings(message: str, empty: bool = True) -> Kind:
    """A list of texts, stripped, as a tuple; a lone text where a list belongs is refused, not
    split into letters. `empty`: whether [] will do; message placeholders {key}, {value}."""

    def read(s: Scope, e: LocatedDict, k: str, w: str) -> tuple[str, ...] | None:
        raw = e[k]
        if isinstance(raw, list) and (raw or empty) and all(_scalar(v) for v in raw):
            return tuple(str(v).strip() for v in raw)
        s.add(e.line_of(k), message.format(key=k, value=raw, what=w))
        return None

    return read


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def id_list(message: str) -> Kind:
    """A list of ids (lower-case words joined by hyphens), as a tuple."""

    def read(s: Scope, e: LocatedDict, k: str, w: str) -> tuple[str, ...] | None:
        raw = e[k]
        if isinstance(raw, list) and all(isinstance(t, str) and ID_RE.match(t) for t in raw):
            return tuple(raw)
        s.add(e.line_of(k), message.format(what=w))
        return None

    return read


def mapping(schema: Schema) -> Kind:
    """A nested mapping with fields of its own, named "'key' of <what>" in messages."""

    def read(s: Scope, e: LocatedDict, k: str, w: str) -> dict | None:
        inner = s.checker.mapping(e[k], e.line_of(k), f"'{k}' of {w}")
        return None if inner is None else check(s, inner, schema, f"'{k}' of {w}")

    return read


def listed(
    schema: Schema, each: str, build: Callable[[Scope, dict, LocatedDict], Any], empty: str = ""
) -> Kind:
    """A list of mappings, each checked against `schema` and turned into a value by `build`
    (given the checked values and the mapping; None after recording a problem); `each` names
    one in messages ("a citation of {what}"); `empty`, if given, refuses an empty list with
    that message. Every item is checked, so each failure is its own problem."""

    def read(s: Scope, e: LocatedDict, k: str, w: str) -> tuple | None:
        raw = e[k]
        if not isinstance(raw, list) or (empty and not raw):
            s.add(e.line_of(k), (empty or f"{k!r} of {{what}} must be a list").format(what=w))
            return None
        before, out = len(s.problems.items), []
        for item in raw:
            name = each.format(what=w)
            one = s.checker.mapping(item, getattr(raw, "line", e.line), name)
            # An item with an id is named by it, one without by its place ("a citation of ...").
            named = None if any(f.name == "id" for f in schema.fields) else name
            if one is not None and (values := check(s, one, schema, named)) is not None:
                out.append(build(s, values, one))
        return tuple(out) if len(s.problems.items) == before else None

    return read


def template(s: Scope, e: LocatedDict, k: str, w: str) -> str | None:
    """A file under templates/ (a section's template, a layout, a stylesheet)."""
    name = s.checker.text(e, k, w)
    if name is None or s.root is None:
        return name
    if why := template_problem(s.root, name):
        s.add(e.line_of(k), why)
        return None
    return name


def template_problem(root: Path, name: str) -> str | None:
    """Why `name` cannot be a template, layout or stylesheet of a report, or None. It must be a
    file inside templates/, symbolic links resolved: a stylesheet is read into the page, so a
    name such as '../data/x' or a link to a file elsewhere would publish that file."""
    folder = (root / "templates").resolve()
    path = (folder / name).resolve()
    if not path.is_relative_to(folder):
        return f"'templates/{name}' leads outside the templates folder, which is not allowed"
    if not path.is_file():
        return f"'templates/{name}' does not exist"
    return None
