"""A document block is one node and one rule per writer: a block declared here, in the test
alone, is placed by its template helper, cited in the notes and written to HTML and Word, and a
block a writer has no rule for stops the build with a message naming the block and the rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pytest

from briefing.base.model import BLOCKS, HELPERS, Block, Cite, Composition, Inline, Known, Text
from briefing.cli.main import main
from briefing.writers.docx import writer as docx_writer

from .conftest import docx_text, html_text
from .test_generator import make_project


@dataclass
class Callout(Block):
    """A block the package does not have: a boxed remark citing one fact. (At module level, so
    a build's worker process can unpickle it.)"""

    text: list[Inline]

    helpers: ClassVar[dict[str, str]] = {"callout": "id"}

    @classmethod
    def check(cls, helper: str, args: tuple[str, ...], known: Known) -> str | None:
        return None if args[0].startswith("grain") else f"callout() names {args[0]!r}"

    @classmethod
    def make(cls, helper: str, args: tuple[str, ...], ctx: Composition) -> Block:
        note = ctx.note((ctx.facts[args[0]],), "callout")
        return cls([Text("Watch the harbour for the next cargo."), Cite(note)])


# Declaring it registered it; only the tests that ask for it (the fixture) see it.
HELPERS.pop("callout")
BLOCKS.pop("Callout")


@pytest.fixture
def callout(monkeypatch):
    monkeypatch.setitem(HELPERS, "callout", Callout)
    monkeypatch.setitem(BLOCKS, "Callout", Callout)
    return Callout


def _project(root):
    project = make_project(root)
    grain = project / "templates/sections/port-trade/grain.md.j2"
    grain.write_text(grain.read_text() + "\n{{ callout('grain-deal') }}\n")
    return project


def _html_rule(project):
    rule = project / "templates/layouts/blocks/Callout.html.j2"
    rule.parent.mkdir(parents=True)
    rule.write_text('<aside class="callout">{{ inlines(b.text) }}</aside>\n')


def _word_rule(monkeypatch, callout):
    monkeypatch.setitem(
        docx_writer.RULES,
        callout,
        lambda b, c: [{"t": "Para", "c": docx_writer.inlines(b.text, c.present)}],
    )


def _build(project, out) -> int:
    """In this process (one job), where the test's rules are registered."""
    return main(["build", "-C", str(project), "-o", str(out), "-f", "html,docx", "-j", "1", "-q"])


def test_a_block_declared_alone_builds_in_html_and_word(tmp_path, monkeypatch, callout):
    project = _project(tmp_path)
    _html_rule(project)
    _word_rule(monkeypatch, callout)
    out = tmp_path / "out"
    assert _build(project, out) == 0
    page = (out / "port-trade.html").read_text(encoding="utf-8")
    # Its cite became a note like any other: the walk found it in the node's inlines.
    aside = page[page.index('<aside class="callout">') :]
    aside = aside[: aside.index("</aside>")]
    assert "Watch the harbour for the next cargo." in aside
    number = aside.split('href="#note-')[1].split('"')[0]
    assert f'id="note-{number}" data-facts="grain-deal"' in page
    word = docx_text(out / "port-trade.docx")
    assert "Watch the harbour for the next cargo." in word
    assert "Watch the harbour" in html_text(page)


def test_a_block_helper_checks_its_arguments_at_the_template_line(tmp_path, capsys, callout):
    project = _project(tmp_path)
    grain = project / "templates/sections/port-trade/grain.md.j2"
    grain.write_text(grain.read_text().replace("callout('grain-deal')", "callout('talks-open')"))
    assert _build(project, tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert "grain.md.j2:" in err and "callout() names 'talks-open'" in err


@pytest.mark.parametrize("missing", ["html", "docx"])
def test_a_block_a_writer_has_no_rule_for_stops_the_build(
    tmp_path, monkeypatch, capsys, callout, missing
):
    project = _project(tmp_path)
    if missing == "docx":
        _html_rule(project)
    else:
        _word_rule(monkeypatch, callout)
    out = tmp_path / "out"
    assert _build(project, out) != 0
    err = capsys.readouterr().err
    rule = {
        "html": "the HTML layout has no rule for Callout nodes",
        "docx": "the DOCX writer has no rule for Callout blocks",
    }[missing]
    assert rule in err
    assert not (out / "port-trade.html").exists()  # nothing published


def test_a_computed_include_counts_only_its_own_folder() -> None:
    """The packaged parts include a block's own template by a computed name; the up-to-date
    decision must count the templates of that folder, not every template of the project (which
    made a fact only the other report uses rebuild this one)."""
    from briefing.publish.fingerprint import analyse

    computed = analyse('{% include "layouts/blocks/" ~ kind ~ ".html.j2" %}')
    assert computed["includes"] == ["layouts/blocks/*"]
    assert analyse("{% include name %}")["includes"] == ["*"]
    assert analyse('{% include "layouts/x.html.j2" %}')["includes"] == ["layouts/x.html.j2"]
