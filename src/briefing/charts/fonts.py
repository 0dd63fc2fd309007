"""Chart text as text, in the house face, in every reader.

matplotlib can write a chart's text either as outlines (one path per glyph) or as SVG `<text>`.
Outlines look the same everywhere but cost the PDF engine most of a chart's print time (about a
tenth of a whole build), weigh seven times as much, and cannot be searched, selected or read
aloud. Text is cheap and accessible, but an SVG shown through `<img>` may not load fonts, so a
browser would set it in whatever sans it has, with other widths than the layout was measured in.

So the text stays text and each SVG carries its own face: a subset of the shipped Source Sans 3
holding only the characters the chart uses, per weight and style, declared by @font-face with a
data: URI inside the SVG (allowed where external fonts are not). WeasyPrint takes the face from
the document's own @font-face rules; browsers take it from the SVG.
"""

from __future__ import annotations

import base64
import functools
from collections import defaultdict
from typing import TYPE_CHECKING

from briefing.base import fonts
from briefing.base.fontsubset import subset

if TYPE_CHECKING:
    from matplotlib.figure import Figure as MplFigure

_WEIGHTS = {"normal": 400, "regular": 400, "book": 400, "medium": 500, "semibold": 600}


def _weight(value: object) -> int:
    if isinstance(value, int | float):
        return int(value)
    text = str(value).lower()
    if text in _WEIGHTS:
        return _WEIGHTS[text]
    return 700 if "bold" in text else 400


def _face(weight: int, italic: bool) -> fonts.Face:
    """The shipped sans face nearest to what matplotlib asked for."""
    sans = [f for f in fonts.faces() if f.family == fonts.SANS]
    return min(sans, key=lambda f: (f.italic != italic, abs(f.weight - weight)))


def used_text(figure: MplFigure) -> dict[tuple[int, bool], set[str]]:
    """The characters each (weight, italic) of the figure's visible text uses."""
    from matplotlib.text import Text

    used: dict[tuple[int, bool], set[str]] = defaultdict(set)
    for t in figure.findobj(Text):
        if t.get_visible() and t.get_text():
            used[(_weight(t.get_fontweight()), t.get_fontstyle() == "italic")] |= set(t.get_text())
    return used


@functools.lru_cache(maxsize=64)
def _subset(face: fonts.Face, characters: frozenset[str]) -> bytes:
    """Cached: a chart's phone drawing uses the same characters as its full one. Outlines and
    metrics only: no layout tables (kerning, ligatures) and no hinting, which browsers do
    without at chart sizes."""
    return subset(face.path, characters, layout=False, hinting=False, names=(1, 2))


def font_rules(used: dict[tuple[int, bool], set[str]]) -> str:
    """@font-face rules with subsets of the faces `used` names, as data: URIs."""
    rules = []
    for (weight, italic), characters in sorted(used.items()):
        subset = _subset(_face(weight, italic), frozenset(characters))
        data = base64.b64encode(subset).decode("ascii")
        rules.append(
            f'@font-face{{font-family:"{fonts.SANS}";font-weight:{weight};'
            f"font-style:{'italic' if italic else 'normal'};"
            f'src:url("data:font/ttf;base64,{data}")}}'
        )
    return "".join(rules)


def embed(svg: bytes, rules: str) -> bytes:
    """The SVG with `rules` added to the stylesheet matplotlib writes in its <defs>."""
    marker = b'<style type="text/css">'
    if marker not in svg:
        raise ValueError("matplotlib's SVG has no <style> to carry the chart's typeface")
    return svg.replace(marker, marker + rules.encode("ascii"), 1)
