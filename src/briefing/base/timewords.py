"""Words that claim to know the present.

An edition can be generated months after its information ends, so prose and judgments that
say 'now', 'currently', 'the coming year' or 'nothing reported since' speak of a present the
evidence does not reach. Time in the report's own words is anchored to what the information is
current to ('by the date the information ends', 'after the event'). The report's section templates
(compose/proselint.py) and the judgments file (config/judgments.py) are both held to this list.
"""

from __future__ import annotations

import re

PRESENT = re.compile(
    r"\b(now|nowadays|currently|today|at present|presently|to date|so far|as yet|not yet|"
    r"this (?:year|month|week)|(?:the )?(?:coming|next) (?:year|months|weeks|days)|"
    r"recent(?:ly)?|latest|since then|ever since|since(?=\s*(?:[.,;:!?)]|$)))\b",
    re.I | re.M,
)
# A bare "since" ("nothing reported since.") counts from today; "since 2006" dates a span and
# "since the outlet says" gives a reason, so only a "since" that ends its clause is refused.
ANCHOR = (
    "speaks of the present, which the information may not reach (an edition can be generated "
    "long after it ends); anchor the time to the information, as 'by {{ current_to }}' or "
    "'after the capture'"
)


def present_words(text: str) -> list[re.Match[str]]:
    """Each place `text` speaks of the present."""
    return list(PRESENT.finditer(text))
