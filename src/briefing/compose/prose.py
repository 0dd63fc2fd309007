"""The Jinja2 side of composition: the environment prose templates run in, the helpers and data
they see, and how their errors point back at a template line.

Templates produce CommonMark. Values from the data pass through `finalize`, which backslash-
escapes every ASCII punctuation mark, so data text can never turn into markup; markup the
template author writes, and what the helpers return, is left alone. Helpers return inert
placeholders (`[](cite:c3)`, `![](chart:id)`: the helper's name and arguments) that
`markdown.py` turns into document nodes.

Helpers a template can call:
  {{ cite('fact-id', ...) }}   a note citing those facts (placed after the sentence's full stop)
  {{ method() }}                marks a paragraph or bullet as method, not sourced fact, so it
                                needs no note (every other one must cite)
and one helper for each block a node of base/model.py declares (its `helpers`), placing that
block on a line of its own:
  {{ chart('chart-id') }}       a figure
  {{ timeline() }}              the table of every dated fact
  {{ source_list() }}           the list of sources with their perspective and grade
  {{ judgments('id', ...) }}    key judgments from the report's judgments file (all if none named)
  {{ estimative_scale() }}      the table of estimative terms and their probabilities
and filters: qty ('2.35 million barrels', 'nine tonnes'), num ('2.35 million'), adj ('20-year'),
words (a count: 'two', '43') and upfirst.
Templates also see `facts`, `sources`, `domains`, `derived` (the declared derived figures),
`report`, `current_to`, `source_share` (how many facts rest on each source), `sole_source`
(how many rest on it alone) and `corroborated` (how many another source bears out in
substance). Two more helpers write words:
  {{ claim('fact-id') }}        who makes a fact's claim and the reporting verb its strength
                                allows ('Atlantic Council experts argue')
  {{ bottom_line() }}           the key judgments in one sentence, anchored to the information's
                                date (and its age when the edition is generated long after)
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import jinja2
from markupsafe import Markup

from briefing.base import units
from briefing.base.derive import Derived
from briefing.base.errors import InputError
from briefing.base.model import HELPERS, Fact
from briefing.base.templating import environment as sandboxed
from briefing.base.templating import shown_as
from briefing.base.wording import reporting_verb
from briefing.compose.preflight import RECURSION

PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
_ESCAPES = str.maketrans({c: "\\" + c for c in PUNCTUATION})
_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
# What a block helper's argument may be, so its placeholder reads back as it was written.
PLACEABLE = re.compile(r"[\w.-]+")


def escape_markdown(value: object) -> str:
    """Make data text inert: CommonMark lets a backslash escape any ASCII punctuation."""
    return str(value).translate(_ESCAPES)


def _finalize(value: object) -> object:
    if isinstance(value, Markup):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # Escaped text is exempt from smart quotes, so give data the prose's apostrophe here.
    return escape_markdown(_APOSTROPHE.sub("\u2019", str(value)))


def describe(exc: BaseException) -> str:
    """An exception as a template author can act on it."""
    if isinstance(exc, jinja2.TemplateNotFound):
        return f"template {exc.name!r} not found under templates/"
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return (
            f"syntax error in {exc.name or 'an included template'} line {exc.lineno}: {exc.message}"
        )
    if isinstance(exc, ZeroDivisionError):
        return "division by zero"
    return f"{type(exc).__name__}: {exc}"


class TemplateFault(Exception):
    """Raised inside a helper; carries a message the caller pins to the template line."""


class Known(dict):
    """What a template looks up by id (`facts['id']`, `derived['id']`): an id that is not there
    is a fault at the line that asks for it, with the nearest ids, rather than an undefined
    value that fails a line later as "'dict object' has no attribute"."""

    def __init__(self, items: dict, what: str, where: str):
        super().__init__(items)
        self.what, self.where = what, where

    def __missing__(self, key: object) -> NoReturn:
        hint = difflib.get_close_matches(str(key), [str(k) for k in self], 1, 0.6)
        mean = f"; did you mean {hint[0]!r}?" if hint else ""
        raise TemplateFault(f"no {self.what} {key!r}{mean} ({self.where})")


def environment(templates: Path) -> jinja2.Environment:
    env = sandboxed(
        templates,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def _quantity_of(value: object):
        return value.quantity if isinstance(value, Derived) else value

    # Prose sets whole numbers under ten in words; tables and charts keep figures.
    env.filters["qty"] = lambda q, decimals=None: units.quantity(
        _quantity_of(q), decimals, words=True
    )
    env.filters["num"] = lambda q, decimals=None: units.amount(
        _quantity_of(q), decimals, words=True
    )
    env.filters["words"] = lambda n: units.number(n, words=True)
    env.filters["adj"] = lambda q: units.adjective(_quantity_of(q))
    env.filters["upfirst"] = lambda text: str(text)[:1].upper() + str(text)[1:]
    return env


def _template_line_of(exc: BaseException, filename: str) -> int | None:
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


class Helpers:
    """The helper functions of one report's templates, and the cite() calls they collect.

    cite() only records which facts a sentence rests on and where the call was; `notes.py`
    turns each record into a numbered note when the Markdown is read."""

    def __init__(
        self,
        citable: dict[str, Fact],
        chart_ids: set[str],
        report_file: str,
        judgment_ids: set[str] | None = None,
    ):
        self.citable = citable
        self.chart_ids = chart_ids
        self.judgment_ids = judgment_ids or set()
        self.report_file = report_file
        self.pending: dict[str, tuple[tuple[str, ...], str]] = {}
        self.current: str = ""  # the file of the template rendering now, as messages name it
        self.template: jinja2.Template | None = None

    def _calling_line(self) -> int | None:
        """The template line of the helper call now running, so messages can point at it."""
        if self.template is None or not self.template.filename:
            return None
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_filename == self.template.filename:
                return self.template.get_corresponding_lineno(frame.f_lineno)
            frame = frame.f_back
        return None

    def cite(self, *fact_ids: str) -> Markup:
        line = self._calling_line()
        where = f"{self.current}:{line}" if line else self.current
        if not fact_ids:
            raise TemplateFault("cite() needs at least one fact id")
        for fid in fact_ids:
            if fid not in self.citable:
                raise TemplateFault(
                    f"cite() names unknown fact {fid!r}; add it to data/facts or fix the id"
                )
        key = f"c{len(self.pending)}"
        self.pending[key] = (fact_ids, where)
        return Markup(f"[](cite:{key})")

    def claim(self, fact_id: str) -> Markup:
        """Who makes a fact's claim and the reporting verb its strength allows: 'Atlantic
        Council experts argue'."""
        fact = self.citable.get(fact_id)
        if fact is None:
            raise TemplateFault(f"claim() names unknown fact {fact_id!r}; fix the id")
        verb = reporting_verb(fact.strength, fact.claimant)
        return Markup(escape_markdown(f"{fact.claimant} {verb}"))

    def place(self, helper: str, args: tuple[str, ...]) -> Markup:
        """A block helper's call: its arguments checked here (so a message names the line),
        the block left as a placeholder the Markdown reader hands to the block's make()."""
        node = HELPERS[helper]
        shape = node.helpers[helper]
        if shape == "" and args:
            raise TemplateFault(f"{helper}() takes no arguments")
        if shape == "id" and len(args) != 1:
            raise TemplateFault(f"{helper}() takes one id, as {helper}('its-id')")
        if fault := node.check(helper, args, self):
            raise TemplateFault(fault)
        if odd := next((a for a in args if not PLACEABLE.fullmatch(str(a))), None):
            raise TemplateFault(
                f"{helper}() names {odd!r}, which is not an id: use letters, digits, '-', '_' "
                "and '.'"
            )
        return Markup(f"\n\n![]({helper}:{','.join(args)})\n\n")

    def _placer(self, helper: str) -> Callable[..., Markup]:
        def placer(*args: str) -> Markup:
            return self.place(helper, args)

        placer.__name__ = helper
        return placer

    def functions(self) -> dict[str, Any]:
        """cite() and method() mark text; every other helper places a declared block."""
        placing = {name: self._placer(name) for name in HELPERS}
        return {
            "cite": self.cite,
            "claim": self.claim,
            **placing,
            "method": lambda: Markup("[](method:)"),
        }

    def render(self, env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
        """One template rendered; every failure becomes an InputError at its template line."""
        shown = f"templates/{name}"
        self.current = shown
        try:
            template = env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            raise InputError.one(
                shown_as(name, exc.filename), exc.lineno, f"template syntax error: {exc.message}"
            ) from None
        except jinja2.TemplateNotFound as exc:  # gone since the report was loaded, or a link out
            raise InputError.one(shown, None, describe(exc)) from None
        # The file it came from: the project's, or the package's own (what-changed).
        shown = self.current = shown_as(name, template.filename)
        self.template = template
        try:
            return template.render(context)
        except TemplateFault as exc:
            line = _template_line_of(exc, template.filename)
            raise InputError.one(shown, line, str(exc)) from None
        except RecursionError:
            raise InputError.one(shown, None, RECURSION) from None
        except jinja2.UndefinedError as exc:
            line = _template_line_of(exc, template.filename)
            raise InputError.one(
                shown, line, f"{exc.message}; check the fact id and field name against data/"
            ) from None
        except (
            jinja2.TemplateError,
            ArithmeticError,
            LookupError,
            TypeError,
            ValueError,
            AttributeError,
        ) as exc:
            line = _template_line_of(exc, template.filename)
            raise InputError.one(shown, line, f"template error: {describe(exc)}") from None
