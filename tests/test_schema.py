"""The declarative schema layer: one table per input, one check, one duplicate message."""

from __future__ import annotations

import re
from pathlib import Path

from briefing.base.errors import Problems
from briefing.config import schema as sc
from briefing.config.schema import Field, Ref, Schema, Scope
from briefing.config.yamlfile import read_yaml

THING = Schema(
    "a thing",
    "thing {id!r}",
    (
        Field("id", sc.ident, True, unique="thing id"),
        Field("label", sc.text(), "{what} needs a 'label': what readers see"),
        Field("colour", sc.text(), refers_to=Ref("colours", "colour")),
        Field("size", sc.whole(1, 3, "'size' of {what} must be 1 to 3"), default=2),
    ),
)


def _check(tmp_path: Path, text: str, ids: sc.Ids | None = None, name: str = "things.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    problems = Problems()
    scope = Scope(problems, name, {"colours": ["red", "green"]}, ids or sc.Ids())
    found = [
        sc.check(scope, entry, THING)
        for entry in sc.entries(scope, read_yaml(path), "must be a list", "each thing")
    ]
    return found, [str(p) for p in problems.items]


def test_every_problem_of_a_file_is_reported_with_its_line(tmp_path):
    found, problems = _check(
        tmp_path,
        "- id: a\n  label: A\n  colour: rde\n- id: b\n  size: 7\n  labl: B\n- id: c\n  label: C\n",
    )
    assert problems == [
        "things.yaml:3: unknown colour 'rde'; did you mean 'red'?",
        "things.yaml:6: unknown field 'labl' in thing 'b'; did you mean 'label'?",
        "things.yaml:4: thing 'b' needs a 'label': what readers see",
        "things.yaml:5: 'size' of thing 'b' must be 1 to 3",
    ]
    # Only the sound entry yields values, its default filled in.
    assert found == [None, None, {"id": "c", "label": "C", "colour": None, "size": 2}]


def test_a_duplicate_id_has_one_message_in_the_file_and_across_files(tmp_path):
    ids = sc.Ids()
    _, first = _check(tmp_path, "- {id: a, label: A}\n- {id: a, label: B}\n", ids, "one.yaml")
    _, second = _check(tmp_path, "- {id: b, label: B}\n\n- {id: a, label: C}\n", ids, "two.yaml")
    assert first == [
        "one.yaml:2: duplicate thing id 'a' (first on line 1); give one of them a new id"
    ]
    assert second == [
        "two.yaml:3: duplicate thing id 'a' (first at one.yaml:1); give one of them a new id"
    ]


def test_a_reference_with_nothing_close_lists_what_is_known(tmp_path):
    _, problems = _check(tmp_path, "- {id: a, label: A, colour: purple}\n")
    assert problems == ["things.yaml:1: unknown colour 'purple'; known: red, green"]


def test_no_loader_words_its_own_duplicate_message():
    """The one register is the only place a duplicate id is worded (a duplicate key within
    one mapping is the YAML reader's, a different mistake)."""
    root = Path(__file__).resolve().parents[1] / "src" / "briefing"
    wording = [
        path.relative_to(root).as_posix()
        for path in root.rglob("*.py")
        if re.search(r'f"duplicate (?!key )', path.read_text(encoding="utf-8"))
    ]
    assert wording == ["config/schema.py"]


def test_an_implied_field_is_checked_as_if_written_on_the_entry_line(tmp_path):
    """A default that must hold (a default file that must exist) is refused like a written
    value, on the entry's line, instead of failing later."""
    listed = Schema(
        "a thing",
        "thing {id!r}",
        (
            Field("id", sc.ident, True),
            Field("colour", sc.text(), implied="blue", refers_to=Ref("colours", "colour")),
        ),
    )
    path = tmp_path / "things.yaml"
    path.write_text("- id: a\n\n- id: b\n  colour: red\n", encoding="utf-8")
    problems = Problems()
    scope = Scope(problems, "things.yaml", {"colours": ["red", "green"]})
    found = sc.built(scope, read_yaml(path), listed.read, "must be a list", "each thing")
    assert [str(p) for p in problems.items] == [
        "things.yaml:1: unknown colour 'blue'; known: red, green"
    ]
    assert found == [{"id": "b", "colour": "red"}]
