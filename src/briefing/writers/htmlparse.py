"""The HTML parser WeasyPrint uses (tinyhtml5), with its pattern cache working.

The tokenizer scans runs of text with `chars_until(characters)`, which keeps a regular
expression for each set of characters in a module-level cache. tinyhtml5 2.1 files each new
expression under the wrong key (`characters = cache[characters, opposite] = regex` rebinds
`characters` before the key is built), so the cache never answers and every call builds its
pattern again: about 31,000 times and a quarter of a second for the 50-times briefing, a
twentieth for the real one, all before the print can start.

Here the cache builds a missing pattern itself, under the right key, the way `chars_until` would
have; the parser then always finds one and never reaches its own faulty line. The patterns are
the same, so the parse is the same. Should a later tinyhtml5 rename the cache, nothing is done.
"""

from __future__ import annotations

import re

try:
    from tinyhtml5 import inputstream
except ImportError:  # pragma: no cover - WeasyPrint without tinyhtml5
    inputstream = None


class PatternCache(dict):
    """Keys are `(characters, opposite)` as `chars_until` asks for them."""

    def __missing__(self, key: tuple) -> re.Pattern:
        characters, opposite = key
        codes = "".join(f"\\x{ord(character):02x}" for character in characters)
        pattern = self[key] = re.compile(f"[{codes if opposite else '^' + codes}]+")
        return pattern


def repair() -> None:
    cache = getattr(inputstream, "characters_until_regex", None)
    if isinstance(cache, dict) and not isinstance(cache, PatternCache):
        inputstream.characters_until_regex = PatternCache()
