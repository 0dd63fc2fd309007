"""What a text field from the data may contain, checked at the door.

Text reaches three formats and an XML package: a control character (other than tab and
newline) makes a DOCX that Word cannot open, a lone surrogate cannot be encoded at all, a
noncharacter (U+FFFE, U+FFFF and the 64 others Unicode reserves for internal use) is not allowed
in XML or not meant for interchange (the feed's XML writer refused U+FFFE with a traceback), and
an unclosed right-to-left override reverses whatever follows it. So text must be valid Unicode
without those; right-to-left names themselves are welcome and are isolated per field when the
prose is composed (see `isolate`).

Text that reaches a mail header (a report's title and subject, a reader's name) must also be one
line: `header_problem` refuses every line break Python's email package would fold or split on,
so no value can add a header line.
"""

from __future__ import annotations

import re
import unicodedata

# Explicit directional formatting: embeddings and overrides (closed by PDF), isolates (by PDI).
_OPENERS = {"\u202a", "\u202b", "\u202d", "\u202e"}
_ISOLATES = {"\u2066", "\u2067", "\u2068"}
_PDF, _PDI = "\u202c", "\u2069"
FSI, PDI = "\u2068", "\u2069"
MAX_TEXT = 20_000  # characters in one field: a paragraph, not a pasted book
# Noncharacters: U+FDD0..U+FDEF and the last two code points of every plane.
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
)
# Every character the walk below can object to or has to track; text without any (nearly all
# text) needs no walk. Checking a 50-fold evidence base character by character took a third of
# a second before the print could start.
_NOTABLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069" + _NONCHARACTERS + "]"
)
# No character below U+0590 is right-to-left.
_MAYBE_RTL = re.compile("[\u0590-\U0010ffff]")


def problem(text: str) -> str | None:
    """Why `text` cannot be used, or None if it can."""
    if len(text) > MAX_TEXT:
        return f"is {len(text):,} characters long; the limit for one field is {MAX_TEXT:,}"
    if _NOTABLE.search(text) is None:
        return None
    return walk(text)


def walk(text: str) -> str | None:
    """The character-by-character check, for text that holds a notable character."""
    embeds: list[str] = []
    for index, ch in enumerate(text):
        code = ord(ch)
        if 0xD800 <= code <= 0xDFFF:
            return f"contains a lone surrogate (U+{code:04X}) at character {index + 1}; it is not valid Unicode"
        if (code < 0x20 and ch not in "\t\n") or 0x7F <= code <= 0x9F:
            return (
                f"contains the control character U+{code:04X} at character {index + 1}; "
                "remove it (only tab and newline are allowed)"
            )
        if is_noncharacter(code):
            return (
                f"contains the noncharacter U+{code:04X} at character {index + 1}; it is "
                "reserved for programs' own use, never for text (U+FFFE and U+FFFF are not "
                "allowed in XML at all, so no Word file or feed could carry them)"
            )
        if ch in _OPENERS or ch in _ISOLATES:
            embeds.append(ch)
        elif ch == _PDF:
            if not embeds or embeds[-1] in _ISOLATES:
                return f"closes a directional embedding (U+202C) at character {index + 1} that was never opened"
            embeds.pop()
        elif ch == _PDI:
            while embeds and embeds[-1] not in _ISOLATES:
                embeds.pop()
            if not embeds:
                return f"closes a directional isolate (U+2069) at character {index + 1} that was never opened"
            embeds.pop()
    if embeds:
        return (
            f"opens a directional override or embedding (U+{ord(embeds[-1]):04X}) that it never "
            "closes, which would reverse the text after it; close it or remove it"
        )
    return None


def is_noncharacter(code: int) -> bool:
    return 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE


# What Python's email package (str.splitlines) or a mail program takes for the end of a line.
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_HEADER_NOTABLE = re.compile(f"[{re.escape(_LINE_BREAKS)}\t]")
# An RFC 2047 encoded word ("=?utf-8?q?...?="): the email package and mail programs decode it,
# so one in a value would carry any character, a line break included, past the checks above.
_ENCODED_WORD = re.compile(r"=\?[^?\s]*\?[bBqQ]\?[^?\s]*\?=")
MAX_HEADER = 300  # characters: a subject line of 300 already folds over four lines of a header


def header_problem(text: str) -> str | None:
    """Why `text` cannot be a value that reaches a mail header (a title, a subject, a name), or
    None if it can. Besides what `problem` refuses anywhere, one line only: no line break of
    any kind and no control character, tab included, so no value can add or split a header;
    and a length a header line can show."""
    if len(text) > MAX_HEADER:
        return (
            f"is {len(text):,} characters long; text that reaches a mail header (a title, a "
            f"subject, a name) may be at most {MAX_HEADER} characters"
        )
    if match := _HEADER_NOTABLE.search(text):
        code = ord(match.group())
        if match.group() == "\t":
            return (
                f"contains the control character U+0009 (a tab) at character {match.start() + 1}; "
                "it reaches a mail header, which must be one plain line"
            )
        return (
            f"contains a line break (U+{code:04X}) at character {match.start() + 1}; it "
            "reaches a mail header, which must be one line"
        )
    if match := _ENCODED_WORD.search(text):
        return (
            f"contains {match.group()[:40]!r} at character {match.start() + 1}, which mail "
            "programs decode as an encoded word (RFC 2047); write the text itself instead"
        )
    return problem(text)


def has_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in _MAYBE_RTL.findall(text))


def isolate(text: str) -> str:
    """Right-to-left text wrapped in first-strong isolates, so it cannot reorder its
    neighbours in any format; left-to-right text is returned as it is."""
    return f"{FSI}{text}{PDI}" if has_rtl(text) else text
