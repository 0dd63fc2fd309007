"""The house typography of text from the data: curly quotes and numbers under ten in words.

Template prose gets curly quotes from the Markdown typographer, but text from the data is
escaped before it reaches Markdown (so it can never become markup) and so would keep the
straight quotes it was typed with. Every text field is set here once, at the door, so the
notes, tables, captions and source list read the same as the prose.
"""

from __future__ import annotations

_OPENS_AFTER = set(" \t\n([{\u2014\u2013-/\u2068")  # a quote after these opens
# Set between a word and the note call after it (U+2060 WORD JOINER: no width, nothing shown,
# no break). The line breaker may otherwise break before the call ("asset." then "35" is a
# break opportunity by the Unicode rules), and a note number alone at a line's start reads as
# a number in the text. Word keeps a footnote mark with its word itself, so only the HTML and
# the PDF printed from it need this.
NOTE_JOIN = "\u2060"
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def smart_quotes(text: str) -> str:
    """Straight quotes and apostrophes as typographic ones: “…”, ‘…’ and ’."""
    if '"' not in text and "'" not in text:
        return text
    out: list[str] = []
    for i, ch in enumerate(text):
        before = text[i - 1] if i else " "
        if ch == '"':
            out.append("\u201c" if before in _OPENS_AFTER else "\u201d")
        elif ch == "'":
            after = text[i + 1] if i + 1 < len(text) else " "
            if before.isalnum() and after.isalnum():
                out.append("\u2019")  # don't, Chávez's
            else:
                out.append("\u2018" if before in _OPENS_AFTER else "\u2019")
        else:
            out.append(ch)
    return "".join(out)


def in_words(value: float) -> str | None:
    """'nine' for a whole number from zero to nine; None for any other number."""
    if float(value).is_integer() and 0 <= value < 10:
        return NUMBER_WORDS[int(value)]
    return None
