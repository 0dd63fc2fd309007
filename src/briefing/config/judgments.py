"""Key judgments as data: the estimative scale, and the loader that holds every judgment to
the analytic standard (ICD 203) before anything is rendered.

A judgment is the briefing's own assessment, so it must say how likely it is (one term of a
fixed scale, whose probability band readers see in Sources and method), how confident the
analysis is and why, and which facts it rests on; and the set must consider at least one
alternative view. Each rule is a `path:line` problem at the door.
"""

from __future__ import annotations

import re
from pathlib import Path

from briefing.base.errors import Problems
from briefing.base.model import Fact, Judgment
from briefing.base.timewords import ANCHOR, present_words
from briefing.config import schema as sc
from briefing.config.numbers import typed
from briefing.config.schema import Field, Ref, Schema, Scope
from briefing.config.yamlfile import read_yaml

# The estimative terms and the probabilities they stand for (ICD 203), least likely first.
SCALE: dict[str, str] = {
    "almost no chance": "1–5%",
    "very unlikely": "5–20%",
    "unlikely": "20–45%",
    "roughly even chance": "45–55%",
    "likely": "55–80%",
    "very likely": "80–95%",
    "almost certain": "95–99%",
}
_TERMS = re.compile(
    r"\b(" + "|".join(re.escape(t) for t in sorted(SCALE, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)


def terms_in(text: str) -> set[str]:
    """The scale's terms a statement uses, the longest match first ('very likely', not 'likely')."""
    return {m.group(1).lower() for m in _TERMS.finditer(text)}


BASIS = "{what} has no 'basis': list the ids of the facts it rests on"
NO_CONFIDENCE = "{what} has no 'confidence': give {{level: high|moderate|low, reason: ...}}"
LEVEL = sc.one_of(("high", "moderate", "low"), "confidence {value!r} must be high, moderate or low")
CONFIDENCE = Schema(
    "a confidence", "", (Field("level", LEVEL, True), Field("reason", sc.text(), True))
)
KIND = sc.one_of(("judgment", "alternative"), "'kind' of {what} must be judgment or alternative")
TERM = sc.one_of(SCALE, "likelihood {value!r} is not one of: " + ", ".join(SCALE))
MISSING_FACT = "{what} rests on fact {value!r}, which does not exist; fix the id or add the fact"
OPTIONAL = sc.text(required=False)
RESTS_ON = Ref("facts", "fact", message=MISSING_FACT)
JUDGMENT = Schema(
    "a judgment",
    "judgment {id!r}",
    (
        Field("id", sc.ident, True, unique="judgment id"),
        Field("kind", KIND, default="judgment"),
        Field("title", sc.text(), True),
        Field("statement", sc.text(), True),
        Field("likelihood", TERM, True),
        Field("confidence", sc.mapping(CONFIDENCE), NO_CONFIDENCE),
        Field("basis", sc.strings(BASIS, empty=False), BASIS, refers_to=RESTS_ON),
        Field("would_change", OPTIONAL, default=""),
        Field("less_likely_because", OPTIONAL, default=""),
        Field("in_brief", OPTIONAL, default=""),
    ),
)
IN_BRIEF = (
    "{what} needs 'in_brief': the clause the bottom line states it in, without its likelihood "
    'term ("the state-to-state partnership stalls"), so the bottom line cannot drift from it'
)
WORDS = ("statement", "would_change", "less_likely_because", "in_brief")
NO_ALTERNATIVE = (
    "no alternative view: add a judgment with 'kind: alternative' and 'less_likely_because', so "
    "readers see what else was considered and why it ranks lower"
)


def load(
    path: Path, shown: str, facts: dict[str, Fact], problems: Problems
) -> tuple[Judgment, ...]:
    scope = Scope(problems, shown, {"facts": facts})
    whole = "a judgments file must be a list of judgments"
    data = read_yaml(path, shown)
    out = tuple(sc.built(scope, data, _judgment, whole, "each judgment", (None, [])))
    if out and not any(j.alternative for j in out):
        problems.add(shown, None, NO_ALTERNATIVE)
    return out


def _house_words(scope: Scope, entry, what: str) -> None:
    """A judgment's words carry no typed figures (it rests on facts, which hold them) and no
    time counted from today (its information ends on a date the edition may be long past)."""
    texts = [(k, entry) for k in WORDS]
    if hasattr(confidence := entry.get("confidence"), "line_of"):
        texts.append(("reason", confidence))
    for key, holder in texts:
        text = holder.get(key)
        if not isinstance(text, str):
            continue
        for figure in typed(text):
            scope.add(
                holder.line_of(key),
                f"{key!r} of {what} types the number {figure!r}; a judgment rests on its facts, "
                "which hold the figures: say it in words or leave it to the facts",
            )
        for m in present_words(text):
            scope.add(holder.line_of(key), f"{key!r} of {what}: {m.group(0)!r} {ANCHOR}")


def _judgment(scope: Scope, entry) -> Judgment | None:
    """One judgment, held to the rules a table cannot state: the statement speaks in its own
    likelihood term, and an alternative says why it is less likely."""
    before, what = len(scope.problems.items), JUDGMENT.what(entry)
    v = sc.check(scope, entry, JUDGMENT)
    statement, likelihood = (v["statement"], v["likelihood"]) if v else (None, None)
    if v is None and isinstance(entry.get("statement"), str) and entry.get("likelihood") in SCALE:
        statement, likelihood = entry["statement"], entry["likelihood"]
    if statement is not None and terms_in(statement) != {likelihood}:
        used = ", ".join(sorted(terms_in(statement))) or "none"
        scope.add(
            entry.line_of("statement"),
            f"the statement of {what} must use its likelihood term {likelihood!r} and no "
            f"other (it uses: {used}), so the words match the probability readers are given",
        )
    if entry.get("kind") == "alternative" and not entry.get("less_likely_because"):
        scope.add(entry.line, f"{what} is missing required field 'less_likely_because'")
    if entry.get("kind", "judgment") == "judgment" and not entry.get("in_brief"):
        scope.add(entry.line, IN_BRIEF.format(what=what))
    if isinstance(brief := entry.get("in_brief"), str) and terms_in(brief):
        scope.add(
            entry.line_of("in_brief"),
            f"'in_brief' of {what} states the clause alone; the bottom line adds its "
            "likelihood term",
        )
    _house_words(scope, entry, what)
    if v is None or len(scope.problems.items) > before:
        return None
    confidence, kind = v.pop("confidence"), v.pop("kind")
    return Judgment(
        **v,
        confidence=confidence["level"],
        confidence_reason=confidence["reason"],
        alternative=kind == "alternative",
        origin=f"{scope.shown}:{entry.line}",
    )
