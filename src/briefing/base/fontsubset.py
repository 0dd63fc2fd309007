"""The house typefaces cut down to the characters a file uses, by HarfBuzz's subsetter.

Two files carry the faces outside the PDF (WeasyPrint subsets the PDF's itself, with the same
subsetter): the Word file, whose faces keep every layout feature for Word and LibreOffice, and
each chart's SVG, whose faces keep outlines and metrics only, for browsers. HarfBuzz cuts a
face in about 2 ms where fontTools took 25 to 140 ms: the Word file's six faces alone cost a
cold build half a second of one processor, and made it the last thing a build waited for.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from pathlib import Path

import uharfbuzz as hb


def _tag(name: str) -> int:
    """An OpenType tag as HarfBuzz's sets hold it: four ASCII bytes, big-endian."""
    return int.from_bytes(name.encode("ascii"), "big")


def subset(
    path: Path,
    characters: Iterable[str],
    *,
    layout: bool = True,
    hinting: bool = True,
    names: Collection[int] | None = None,
) -> bytes:
    """`layout`: keep every layout feature (ligatures, kerning, figure styles) and its tables;
    otherwise drop them. `names`: the name records to keep (by id), in English; None for all."""
    wanted = hb.SubsetInput()
    wanted.unicode_set.update({ord(c) for c in characters})
    # HarfBuzz starts these sets with short default lists; an empty set, inverted, is "all".
    wanted.name_id_set.clear()
    if names is None:
        wanted.name_id_set.invert()
    else:
        wanted.name_id_set.update(names)
    wanted.layout_feature_tag_set.clear()
    if layout:
        wanted.layout_feature_tag_set.invert()
    else:
        wanted.drop_table_tag_set.update(_tag(t) for t in ("GSUB", "GPOS", "GDEF"))
    wanted.flags = hb.SubsetFlags.NOTDEF_OUTLINE | (
        hb.SubsetFlags.DEFAULT if hinting else hb.SubsetFlags.NO_HINTING
    )
    cut = hb.subset(hb.Face(hb.Blob(path.read_bytes())), wanted)
    if cut is None:
        raise RuntimeError(f"HarfBuzz could not subset the typeface {path.name}")
    return cut.blob.data
