"""What every chart's drawing shares: one palette, one style, the figure every kind draws on,
and the wrapping of labels in the narrow drawings. Pure functions of their input, so identical
data gives identical bytes.

One palette (Okabe–Ito, safe for colour-blind readers) whose every slot pairs a colour with a
marker and a hatch, so a chart still reads printed in grey. Domains pick a slot in the data.
matplotlib is imported on first use: validating a report needs none of it.
"""

from __future__ import annotations

import functools
import textwrap
from typing import TYPE_CHECKING

from briefing.base.fonts import SANS, faces

if TYPE_CHECKING:
    from matplotlib.figure import Figure as MplFigure

# slot: (colour, marker, hatch)
PALETTE: list[tuple[str, str, str]] = [
    ("#000000", "X", ""),
    ("#E69F00", "s", "///"),
    ("#56B4E9", "P", "---"),
    ("#009E73", "D", "xxx"),
    ("#F0E442", "*", "++"),
    ("#0072B2", "o", ""),
    ("#D55E00", "^", "..."),
    ("#CC79A7", "v", "\\\\\\"),
]
INK = "#222222"
MUTED = "#6b6b6b"
GRID = "#d9d9d9"
REST = "#eeeeee"

STYLE = {
    # The document's own sans (shipped with the package), DejaVu for scripts it lacks.
    "font.family": [SANS, "DejaVu Sans"],
    "font.size": 9,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": INK,
    "ytick.color": INK,
    "svg.fonttype": "none",  # text as text; each SVG carries its subset face (charts/fonts.py)
    "hatch.linewidth": 0.6,
    "text.parse_math": False,  # '$500 million' is money, not mathtext
}


def mpl():
    """matplotlib, imported on first use: an up-to-date build must not pay a second for it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.figure  # noqa: F401 - makes matplotlib.figure available
    import matplotlib.patches  # noqa: F401

    _register_fonts()
    return matplotlib


@functools.cache
def _register_fonts() -> None:
    """Charts set their text in the document's sans, from the files the package ships."""
    from matplotlib import font_manager

    for face in faces():
        font_manager.fontManager.addfont(str(face.path))


def figure(width: float, height: float, layout: str | None = "constrained") -> MplFigure:
    with mpl().rc_context(STYLE):
        return mpl().figure.Figure(figsize=(width, height), layout=layout)


def wrapper(width: int):
    """Wraps a label to `width` characters (0: leaves it whole), for the narrow drawings."""

    def wrap(text: str, wide: int | None = None) -> str:
        limit = wide if wide and width else width
        return "\n".join(textwrap.wrap(text, limit)) if limit else text

    return wrap
