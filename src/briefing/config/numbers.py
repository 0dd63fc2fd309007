"""Numbers in a fact's words come from its data, so they cannot go stale.

A fact's summary is a sentence readers see in the timeline, in charts and in what changed. A
figure typed into it ("an 11 per cent share") is a second copy of a quantity, and the copy stays
behind when the quantity is corrected. So a summary writes figures as placeholders, filled from
the fact's own quantities and dates when the data is loaded:

  {share}        the quantity as prose sets it ('11 per cent', 'nine tonnes')
  {share:num}    its number alone ('11')
  {term:adj}     its compound form before a noun ('20-year')
  {date}         the fact's date as readers see it ('2024', '3 January 2026')
  {until}        the end of its span

Any digit left outside a placeholder is refused, with the line, as is a placeholder that names
nothing the fact has. Other texts the data writes by hand (judgments, the method of a derived
figure) carry no typed figures at all: `typed` finds them.
"""

from __future__ import annotations

import re

from briefing.base import units
from briefing.base.model import PartialDate, Quantity

PLACEHOLDER = re.compile(r"\{([A-Za-z][\w-]*)(?::(\w+))?\}")
FORMS = ("num", "adj")
# A figure as digits: '11', '2.35', '32,150.7', '2026'.
DIGITS = re.compile(r"\d(?:[\d,.]*\d)?")
HOW = (
    "write it as a placeholder for one of the fact's quantities ({name}, {name:num}, "
    "{name:adj}) or for its date ({date}), so the words follow the data"
)


def typed(text: str) -> list[str]:
    """The figures written as digits in `text` outside placeholders."""
    return DIGITS.findall(PLACEHOLDER.sub(" ", text))


def fill(
    text: str,
    quantities: dict[str, Quantity],
    date: PartialDate | None,
    until: PartialDate | None,
) -> tuple[str, list[str]]:
    """`text` with its placeholders filled, and a problem for each one that names nothing or
    each figure typed outside them."""
    problems: list[str] = []
    dates = {"date": date, "until": until}

    def one(match: re.Match[str]) -> str:
        name, form = match.group(1), match.group(2)
        if name in dates and name not in quantities:
            when = dates[name]
            if when is None or form:
                problems.append(f"placeholder {match.group(0)} names no date the fact has")
                return match.group(0)
            return str(when)
        q = quantities.get(name)
        if q is None:
            have = ", ".join(quantities) or "none"
            problems.append(
                f"placeholder {match.group(0)} names no quantity of the fact (it has: {have})"
            )
            return match.group(0)
        if form == "num":
            return units.amount(q, words=True)
        if form == "adj":
            try:
                return units.adjective(q)
            except ValueError as exc:
                problems.append(f"placeholder {match.group(0)}: {exc}")
                return match.group(0)
        if form is not None:
            problems.append(
                f"placeholder {match.group(0)} has an unknown form {form!r}; use "
                + " or ".join(FORMS)
            )
            return match.group(0)
        return units.quantity(q, words=True)

    filled = PLACEHOLDER.sub(one, text)
    problems += [f"the number {n!r} is typed; {HOW}" for n in typed(text)]
    return filled, problems
