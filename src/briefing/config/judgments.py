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
from briefing.config.fieldcheck import Checker
from briefing.config.yamlfile import LocatedDict, read_yaml

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
CONFIDENCE = ("high", "moderate", "low")
FIELDS = {
    "id",
    "kind",
    "title",
    "statement",
    "likelihood",
    "confidence",
    "basis",
    "would_change",
    "less_likely_because",
}
_TERMS = re.compile(
    r"\b(" + "|".join(re.escape(t) for t in sorted(SCALE, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)


def terms_in(text: str) -> set[str]:
    """The scale's terms a statement uses, the longest match first ('very likely', not 'likely')."""
    return {m.group(1).lower() for m in _TERMS.finditer(text)}


def load(
    path: Path, shown: str, facts: dict[str, Fact], problems: Problems
) -> tuple[Judgment, ...]:

    data = read_yaml(path, shown)
    check = Checker(problems, shown)
    if data is None:
        return ()
    if not isinstance(data, list):
        problems.add(
            shown, getattr(data, "line", 1), "a judgments file must be a list of judgments"
        )
        return ()
    out: list[Judgment] = []
    seen: set[str] = set()
    for raw in data:
        entry = check.mapping(raw, data.line, "each judgment")
        if entry is None:
            continue
        judgment = _judgment(entry, check, facts)
        if judgment is None:
            continue
        if judgment.id in seen:
            problems.add(shown, entry.line_of("id"), f"duplicate judgment id {judgment.id!r}")
            continue
        seen.add(judgment.id)
        out.append(judgment)
    if out and not any(j.alternative for j in out):
        problems.add(
            shown,
            None,
            "no alternative view: add a judgment with 'kind: alternative' and "
            "'less_likely_because', so readers see what else was considered and why it ranks lower",
        )
    return tuple(out)


def _judgment(entry: LocatedDict, check, facts: dict[str, Fact]) -> Judgment | None:
    problems, shown = check.problems, check.shown
    before = len(problems.items)
    what = f"judgment {entry.get('id', '?')!r}"
    check.unknown_keys(entry, FIELDS, what)
    jid = check.ident(entry, "id", "a judgment")
    kind = check.text(entry, "kind", what, required=False) or "judgment"
    if kind not in ("judgment", "alternative"):
        problems.add(
            shown, entry.line_of("kind"), f"'kind' of {what} must be judgment or alternative"
        )
    title = check.text(entry, "title", what)
    statement = check.text(entry, "statement", what)
    likelihood = check.text(entry, "likelihood", what)
    scale = ", ".join(SCALE)
    if likelihood is not None and likelihood not in SCALE:
        problems.add(
            shown, entry.line_of("likelihood"), f"likelihood {likelihood!r} is not one of: {scale}"
        )
    elif likelihood and statement and terms_in(statement) != {likelihood}:
        used = ", ".join(sorted(terms_in(statement))) or "none"
        problems.add(
            shown,
            entry.line_of("statement"),
            f"the statement of {what} must use its likelihood term {likelihood!r} and no other "
            f"(it uses: {used}), so the words match the probability readers are given",
        )

    level = reason = None
    raw = entry.get("confidence")
    if raw is None:
        problems.add(
            shown,
            entry.line,
            f"{what} has no 'confidence': give {{level: high|moderate|low, reason: ...}}",
        )
    elif (
        c := check.mapping(raw, entry.line_of("confidence"), f"'confidence' of {what}")
    ) is not None:
        check.unknown_keys(c, {"level", "reason"}, f"'confidence' of {what}")
        level = check.text(c, "level", f"'confidence' of {what}")
        reason = check.text(c, "reason", f"'confidence' of {what}")
        if level is not None and level not in CONFIDENCE:
            problems.add(
                shown, c.line_of("level"), f"confidence {level!r} must be high, moderate or low"
            )

    basis = check.items(
        entry, "basis", f"{what} has no 'basis': list the ids of the facts it rests on"
    )
    for fid in basis:
        if str(fid) not in facts:
            problems.add(
                shown,
                entry.line_of("basis"),
                f"{what} rests on fact {fid!r}, which does not exist; fix the id or add the fact",
            )
    would_change = check.text(entry, "would_change", what, required=False) or ""
    less_likely = check.text(entry, "less_likely_because", what, required=kind == "alternative")
    if len(problems.items) > before or not (jid and title and statement and likelihood):
        return None
    return Judgment(
        id=jid,
        title=title,
        statement=statement,
        likelihood=likelihood,
        confidence=level or "",
        confidence_reason=reason or "",
        basis=tuple(str(f) for f in basis),
        alternative=kind == "alternative",
        would_change=would_change,
        less_likely_because=less_likely or "",
        origin=f"{shown}:{entry.line}",
    )
