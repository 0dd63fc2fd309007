"""The house typefaces, shipped with the package so the look never depends on the machine.

Source Serif 4 (text) and Source Sans 3 (headings, captions, tables, charts), under the SIL Open
Font License (the two OFL files beside them). Each file is the Latin and Latin Extended subsets
of one weight merged into a single TrueType font (see README.md here for how they were made).
The PDF writer declares them with @font-face, the chart drawer registers them with matplotlib,
and the DOCX writer embeds them, so every format sets the same type.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FOLDER = Path(__file__).parent
SERIF = "Source Serif 4"
SANS = "Source Sans 3"
_FAMILIES = {"source-serif-4": SERIF, "source-sans-3": SANS}


@dataclass(frozen=True)
class Face:
    path: Path
    family: str
    weight: int
    italic: bool


def faces() -> list[Face]:
    """Every shipped face, read from the file names `<family>-<weight>-<normal|italic>.ttf`."""
    found = []
    for path in sorted(FOLDER.glob("*.ttf")):
        slug, weight, style = path.stem.rsplit("-", 2)
        found.append(Face(path, _FAMILIES[slug], int(weight), style == "italic"))
    return found


def font_face_css(url_of) -> str:
    """@font-face rules for every face; `url_of(face)` says how the renderer fetches the file."""
    return "\n".join(
        f'@font-face {{ font-family: "{f.family}"; src: url("{url_of(f)}"); '
        f"font-weight: {f.weight}; font-style: {'italic' if f.italic else 'normal'}; }}"
        for f in faces()
    )
