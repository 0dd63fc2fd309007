"""The copy check: no run of ten words from a source may appear in a briefing outside
quotation marks.

Sources are reduced to fingerprints (a short hash of every run of ten words), so a project can
keep the check without keeping the articles' text; `python -m briefing.compose.copycheck FILE...` prints
them for `data/source-fingerprints.txt`. Text is compared as lower-case words, so neither
punctuation, capitals nor line breaks hide a copied run.
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

RUN = 10  # words
_WORD = re.compile(r"[a-z0-9]+")
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")


def words(text: str) -> list[str]:
    text = text.lower().replace("’", "").replace("'", "")
    return _WORD.findall(text)


def unquoted(text: str) -> str:
    """The text with every quotation removed: quoted words are attributed, not copied."""
    return _QUOTED.sub(" | ", text)


def _hash(run: list[str]) -> str:
    return hashlib.sha1(" ".join(run).encode()).hexdigest()[:16]


def fingerprints(text: str) -> set[str]:
    w = words(text)
    return {_hash(w[i : i + RUN]) for i in range(len(w) - RUN + 1)}


def copied_runs(text: str, prints: set[str]) -> list[str]:
    """Every run of ten words in `text`, outside quotation marks, that a source contains."""
    found = []
    for piece in unquoted(text).split(" | "):
        w = words(piece)
        for i in range(len(w) - RUN + 1):
            if _hash(w[i : i + RUN]) in prints:
                found.append(" ".join(w[i : i + RUN]))
    return found


def read_prints(path: Path) -> set[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def main(argv: list[str]) -> int:
    prints: set[str] = set()
    for name in argv:
        prints |= fingerprints(Path(name).read_text(encoding="utf-8"))
    print(f"# {RUN}-word fingerprints of the sources (see src/briefing/copycheck.py)")
    print("\n".join(sorted(prints)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
