"""Read YAML while remembering the line of every mapping and key.

PyYAML's plain loaders forget where values came from, so a validation error could only name the
file. This loader keeps the line of each mapping and of each key, rejects duplicate keys (which
YAML otherwise resolves silently, losing data), and leaves dates as strings so that partial dates
like `2020-06` and `1960s` are validated by our own rules rather than YAML's.
"""

from __future__ import annotations

import contextlib
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from briefing.base.errors import InputError


class LocatedDict(dict):
    """A mapping that knows the line it starts on and the line of each key."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LocatedList(list):
    line: int = 0


# One data file; the whole evidence base is capped in load.py. Both keep a build within the time
# and memory the README states (see "What the tool guarantees").
MAX_FILE_BYTES = 512 * 1024


class _Loader(yaml.SafeLoader):
    """SafeLoader without the timestamp resolver, with line-aware containers, and without
    anchors and aliases: a few hundred bytes of nested aliases can expand to gigabytes."""

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.MarkedYAMLError(
                None,
                None,
                "anchors and aliases (&name, *name) are not allowed; write the value out",
                event.start_mark,
            )
        return super().compose_node(parent, index)


# Keep dates as text: our own date rules (precision, decades) apply to them.
_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class DuplicateKey(yaml.MarkedYAMLError):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LocatedDict:
    loader.flatten_mapping(node)
    result = LocatedDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, list | dict):  # `? [a, b]`: legal YAML, but no field is named so
            raise DuplicateKey(
                None, None, "a key must be a name, not a list or a mapping", key_node.start_mark
            )
        if key in result:
            raise DuplicateKey(
                None,
                None,
                f"duplicate key {key!r} (first on line {result.key_lines[key]}); "
                "remove one of them",
                key_node.start_mark,
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LocatedList:
    result = LocatedList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    return result


_SURROGATE = re.compile("[\ud800-\udfff]")


def _construct_str(loader: _Loader, node: yaml.ScalarNode) -> str:
    """Text, with escaped surrogate pairs ("\\ud83d\\ude00", as JSON writes them) joined into the
    character they mean; a lone surrogate stays, for the text checks to refuse with its line."""
    value = loader.construct_scalar(node)
    if _SURROGATE.search(value):
        with contextlib.suppress(UnicodeDecodeError):  # a lone one: refused by the text checks
            value = value.encode("utf-16", "surrogatepass").decode("utf-16")
    return value


class NumberTooLong(yaml.MarkedYAMLError):
    """An integer longer than Python reads (`sys.get_int_max_str_digits()`, 4,300 digits: a
    guard against the quadratic cost of converting longer ones). Met as a bare ValueError
    inside PyYAML, it had no line and ended in a traceback."""


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    digits = sum(c.isdigit() for c in node.value)
    limit = sys.get_int_max_str_digits()
    if limit and digits > limit:
        raise NumberTooLong(
            None,
            None,
            f"holds a number of {digits:,} digits, longer than any number briefing reads",
            node.start_mark,
        )
    return yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)


class _FastLoader(getattr(yaml, "CSafeLoader", _Loader)):  # type: ignore[misc]
    """libyaml's parser (about ten times faster) with the same constructors, resolvers and line
    numbers. Its composer is in C, so it cannot refuse anchors and aliases as they come, and it
    rejects escaped surrogates with a vaguer message than ours. A text with no `&`, `*` or
    backslash anywhere can hold neither; any other text takes the careful loader."""

    yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers


for _loader in (_Loader, _FastLoader):  # the same values and lines from either
    _loader.add_constructor("tag:yaml.org,2002:str", _construct_str)
    _loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def _loader_for(text: str) -> type:
    return _Loader if any(c in text for c in "&*\\") else _FastLoader


# The parser's words for the mistakes people make, in plain words with what to do. Each is
# found in the parser's own problem (libyaml's words or PyYAML's), with its context where given;
# the line is the mark of the part named.
_PLAIN = (
    (
        "could not find expected ':'",
        "while scanning a simple key",
        "context",
        "this line has no ':' after its field's name; write 'field: value' (a value that is a "
        "sentence with its own ': ' must be in quotes)",
    ),
    (
        "mapping values are not allowed",
        None,
        "problem",
        "a ':' the file does not expect here: the line is indented differently from the "
        "fields around it, or a value holds ': ' and must be put in quotes",
    ),
    (
        "expected <block end>, but found",
        None,
        "problem",
        "this line is indented differently from the lines above it at the same level; line "
        "up the fields of one entry, and start each entry of a list with '- '",
    ),
    (
        "tab character",
        None,
        "problem",
        "a tab; indent with spaces",
    ),
)


def syntax_problem(exc: yaml.MarkedYAMLError) -> tuple[int | None, str]:
    """The line a syntax error belongs to, and what to do about it: a known mistake in plain
    words at the line that holds it (a key missing its ':' is found only on the next line, so
    the key's own mark is the one named); any other in the parser's words, at its mark."""
    problem, context = exc.problem or "", exc.context or ""
    for found, where, which, plain in _PLAIN:
        if found in problem and (where is None or context.startswith(where)):
            mark = exc.context_mark if which == "context" else exc.problem_mark
            mark = mark or exc.problem_mark or exc.context_mark
            return (mark.line + 1 if mark else None), plain
    mark = exc.problem_mark or exc.context_mark
    return (mark.line + 1 if mark else None), "; ".join(p for p in (context, problem) if p)


def read_yaml(
    path: Path, display: str | None = None, limit: int = MAX_FILE_BYTES, kind: str = "a data file"
) -> Any:
    """Parse one YAML file; syntax errors become an InputError naming the file and line.
    `limit` bounds its size in bytes (`kind` names what it is in the message)."""
    shown = display or str(path)
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputError.one(
                shown,
                None,
                f"is {size // 1024:,} KB; {kind} may be at most {limit // 1024:,} KB",
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError.one(shown, None, "file not found") from None
    except UnicodeDecodeError as exc:
        raise InputError.one(
            shown, None, f"not valid UTF-8 ({exc.reason}); save it as UTF-8"
        ) from None
    try:
        return yaml.load(text, Loader=_loader_for(text))  # noqa: S506 - SafeLoader subclasses
    except NumberTooLong as exc:
        raise InputError.one(shown, exc.problem_mark.line + 1, exc.problem) from None
    except yaml.MarkedYAMLError as exc:
        line, what = syntax_problem(exc)
        raise InputError.one(shown, line, f"YAML syntax error: {what}") from None
    except yaml.YAMLError as exc:
        raise InputError.one(shown, None, f"YAML error: {exc}") from None
