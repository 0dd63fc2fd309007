"""House rules a section template's own words are held to, checked on its source text so each
problem names its line. Three rules, each a class of error an editor found in print:

- Figures come from the data. A number typed into prose is a second copy of a quantity or a
  date that stays behind when the data changes ('11 per cent' beside a corrected '12'). Digits
  are allowed only inside a name the data declares (a source named for its date, such as
  'March 2025 wire report').
- Time words follow the information, not the calendar. An edition can be generated months
  after its information ends, so 'now', 'currently', 'the coming year' or 'nothing reported
  since' claim a present the evidence does not reach; write 'by {{ current_to }}' or 'after
  the capture' instead.
- A claim keeps its source's strength. Each fact declares how firmly its source puts it
  (`strength`: says, reports, argues, suggests, could; base/wording.py). In the words leading
  to a cite() call, a reporting verb that follows the name of a cited source or claimant may
  be no stronger than that: a source that says a capture 'could unsettle' assumptions does not
  'expect' a change or 'read it as a warning'. Verbs that assert knowledge ('shows',
  'confirms', 'expects') are stronger than any source's report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from briefing.base.errors import Problems
from briefing.base.model import Fact, Source
from briefing.base.timewords import ANCHOR, present_words
from briefing.base.wording import STRENGTHS
from briefing.config import numbers

TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
CITE = re.compile(r"\{\{-?\s*cite\((.*?)\)\s*-?\}\}", re.S)
PARAGRAPH = re.compile(r"\n\s*\n")


RANK = {name: len(STRENGTHS) - i for i, name in enumerate(STRENGTHS)}  # says 5 … could 1
STRONGER = len(STRENGTHS) + 1
VERBS: dict[str, int] = {}
for rank, forms in (
    (RANK["could"], "could may might possibly perhaps"),
    (RANK["suggests"], "suggest suggests suggested indicate indicates hint hints"),
    (
        RANK["argues"],
        "argue argues argued contend contends claim claims claimed maintain maintains assert "
        "asserts read reads interpret interprets believe believes",
    ),
    (
        RANK["reports"],
        "report reports reported note notes noted record records recorded relay relays "
        "describe describes described cite cites cited list lists credit credits",
    ),
    (RANK["says"], "say says said state states stated tell tells"),
    (
        STRONGER,
        "show shows showed shown prove proves proved confirm confirms confirmed establish "
        "establishes established expect expects expected predict predicts warn warns warned "
        "conclude concludes concluded demonstrate demonstrates know knows reveal reveals "
        "find finds",
    ),
):
    VERBS.update(dict.fromkeys(forms.split(), rank))
REACH = 8  # words after a name within which a verb is that name's
REFERRING = ("the outlet", "the report", "the same report", "the source", "the same outlet")


def _line(source: str, offset: int) -> int:
    return source.count("\n", 0, offset) + 1


def _blank(text: str) -> str:
    """Template tags replaced by '{' and spaces of the same length, so offsets still find
    lines and a word before a value ('since {{ date }}') still sees that one follows."""
    return TAG.sub(lambda m: "{" + re.sub(r"[^\n]", " ", m.group(0)[1:]), text)


def names_of(facts: Iterable[Fact], sources: Iterable[Source]) -> list[str]:
    """Names the data declares, which may carry digits (a source named for its date)."""
    names = {s.name for s in sources} | {s.title for s in sources}
    names |= {f.claimant for f in facts}
    return sorted((n for n in names if n), key=len, reverse=True)


def check(
    source: str,
    shown: str,
    facts: dict[str, Fact],
    names: list[str],
    problems: Problems,
) -> None:
    """Every house-rule problem in one template's source, added as `shown:line`."""
    text = _blank(source)
    masked = text
    for name in names:
        masked = masked.replace(name, " " * len(name))
    for m in numbers.DIGITS.finditer(masked):
        problems.add(
            shown,
            _line(source, m.start()),
            f"the number {m.group(0)!r} is typed into the prose; take it from the data "
            "(a fact's date, or a quantity with the qty, num or adj filter) so it cannot go stale",
        )
    for m in present_words(text):
        problems.add(shown, _line(source, m.start()), f"{m.group(0)!r} {ANCHOR}")
    _check_strength(source, text, shown, facts, problems)


def _check_strength(
    source: str, text: str, shown: str, facts: dict[str, Fact], problems: Problems
) -> None:
    start = 0
    for call in CITE.finditer(source):
        ids = re.findall(r"['\"]([^'\"]+)['\"]", call.group(1))
        cited = [facts[i] for i in ids if i in facts]
        segment_start = max(start, _paragraph_start(text, call.start()))
        segment = text[segment_start : call.start()]
        start = call.end()
        if not cited:
            continue
        allowed = max(RANK.get(f.strength, RANK["says"]) for f in cited)
        who = {f.claimant for f in cited} | {c.source.name for f in cited for c in f.citations}
        found = _verbs_after(segment, who)
        if not found:
            continue
        expressed = min(rank for _, rank, _ in found)
        if expressed <= allowed:
            continue
        word, _, offset = max(found, key=lambda v: v[1])
        strongest = max(cited, key=lambda f: RANK.get(f.strength, RANK["says"]))
        problems.add(
            shown,
            _line(source, segment_start + offset),
            f"{word!r} puts the claim more firmly than its source does: fact "
            f"{strongest.id!r} has strength {strongest.strength!r} "
            f"({strongest.citations[0].locator}); use a verb of that strength "
            f"({', '.join(STRENGTHS[strongest.strength])}, or claim('{strongest.id}')) and keep "
            "any modal the source uses",
        )


def _paragraph_start(text: str, offset: int) -> int:
    found = [m.end() for m in PARAGRAPH.finditer(text, 0, offset)]
    return found[-1] if found else 0


def _verbs_after(segment: str, who: set[str]) -> list[tuple[str, int, int]]:
    """(word, rank, offset) of each reporting verb within REACH words after a mention of one
    of `who` (or of 'the outlet', 'the report'), and of each modal after the first mention."""
    lowered = segment.lower()
    mentions = sorted(
        m.end()
        for name in [*who, *REFERRING]
        for m in re.finditer(re.escape(name.lower()) + r"(?:['’]s)?\b", lowered)
    )
    if not mentions:
        return []
    found: dict[int, tuple[str, int, int]] = {}
    for end in mentions:
        for n, word in enumerate(re.finditer(r"[a-z]+", lowered[end:])):
            if n >= REACH:
                break
            rank = VERBS.get(word.group(0))
            if rank is not None and rank > RANK["could"]:
                found[end + word.start()] = (word.group(0), rank, end + word.start())
    for word in re.finditer(r"[a-z]+", lowered[mentions[0] :]):
        if VERBS.get(word.group(0)) == RANK["could"]:
            at = mentions[0] + word.start()
            found[at] = (word.group(0), RANK["could"], at)
    return list(found.values())
