"""Drawing a chart: its kind's drawing (`charts/kinds/`, on the shared style of `style.py`) of
the values `data.py` prepared, as SVG (full width, and for phones where the kind has a phone
drawing) and PNG, kept in a cache under the hash of everything that decides their bytes.
Pure functions of their input, so identical data gives identical bytes; matplotlib is imported
on first use: validating a report needs none of it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from briefing.base import shaping
from briefing.base.derive import Derived
from briefing.base.files import write_atomic
from briefing.base.model import RenderedChart
from briefing.charts import fonts as chartfonts
from briefing.charts.data import Plot, claims_line, prepare, source_line
from briefing.charts.kinds import KINDS
from briefing.charts.style import STYLE, mpl
from briefing.config.chartspec import ChartSpec
from briefing.config.specs import Evidence

if TYPE_CHECKING:
    from matplotlib.figure import Figure as MplFigure


def figure_size(kind: str, payload: dict, narrow: bool = False) -> tuple[float, float]:
    """A kind's figure size in inches from its prepared values alone (the print lays the page
    out at it before the drawing exists)."""
    return KINDS[kind].size(payload, narrow)


def svg_size(inches: tuple[float, float]) -> tuple[str, str]:
    """The width and height an SVG drawing of that size declares, in points, written as
    matplotlib writes them."""
    width, height = (f"{x * 72:f}".rstrip("0").rstrip(".") + "pt" for x in inches)
    return width, height


@dataclass(frozen=True)
class Drawings:
    """What a build wants drawn, and where drawings are kept between builds.

    A drawing is a pure function of the chart's kind, id and prepared values and of the engine
    that draws it, so it is kept under the hash of those (`cache`, inside the output folder) and
    reused by the next build, or by another report with the same chart. The PNG is drawn only
    when a format needs it (Word): the browser and the PDF use the SVG."""

    png: bool = True
    svg: bool = True  # False: the PNG alone, for Word, when the SVG was drawn elsewhere
    cache: Path | None = None  # drawings kept by earlier builds (read only)
    fresh: Path | None = None  # where this build puts new ones, in its staging folder


def _engine() -> str:
    """What else decides a drawing's bytes (the drawing code, the typeface, matplotlib and
    what it draws with, the subsetter): the items of shaping.py that shape the charts, so the
    cache and the up-to-date check read one list."""
    return shaping.digest([shaping.CHARTS])


def warm_up() -> None:
    """matplotlib and the chart typeface loaded ahead, in a worker that will draw."""
    mpl()


def drawing_key(spec: ChartSpec, plot: Plot) -> str:
    drawn = {"kind": spec.kind, "id": spec.id, "payload": plot.payload, "engine": _engine()}
    text = json.dumps(drawn, sort_keys=True, default=repr, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _svg(figure: MplFigure, spec: ChartSpec, rules: str) -> bytes:
    out = io.BytesIO()
    with mpl().rc_context({**STYLE, "svg.hashsalt": spec.id}):
        figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return chartfonts.embed(out.getvalue(), rules)


def _draw(spec: ChartSpec, plot: Plot, parts: list[str]) -> dict[str, bytes]:
    """The parts asked for. Each SVG carries the subset of the face its own words need, so a
    drawing's bytes never depend on what else was drawn with it."""
    drawn = {}
    if "svg" in parts or "png" in parts:
        figure = KINDS[spec.kind].draw(plot, False)
        if "svg" in parts:
            rules = chartfonts.font_rules(chartfonts.used_text(figure))
            drawn["svg"] = _svg(figure, spec, rules)
        if "png" in parts:
            out = io.BytesIO()
            with mpl().rc_context(STYLE):
                figure.savefig(out, format="png", dpi=200, metadata={"Software": None})
            drawn["png"] = out.getvalue()
    if "narrow.svg" in parts:
        narrow = KINDS[spec.kind].draw(plot, True)
        rules = chartfonts.font_rules(chartfonts.used_text(narrow))
        drawn["narrow.svg"] = _svg(narrow, spec, rules)
    return drawn


# A drawing's file in the cache: its key, then the part ("svg", "narrow.svg" or "png").
DRAWING_FILE = re.compile(r"([0-9a-f]{32})\.(svg|narrow\.svg|png)")


def _kept(folders: tuple[Path | None, ...], key: str, part: str) -> bytes | None:
    for folder in folders:
        if folder is not None:
            with contextlib.suppress(OSError):
                return (folder / f"{key}.{part}").read_bytes()
    return None


def _drawings(spec: ChartSpec, plot: Plot, want: Drawings, say: Callable[[str], None]) -> dict:
    """The chart's drawings, each from the cache when it is there, the rest drawn."""
    parts = [
        *(["svg"] if want.svg else []),
        *(["narrow.svg"] if want.svg and KINDS[spec.kind].narrow else []),
        *(["png"] if want.png else []),
    ]
    key = drawing_key(spec, plot)
    found = {part: _kept((want.cache, want.fresh), key, part) for part in parts}
    drawn = {part: data for part, data in found.items() if data is not None}
    missing = [part for part in parts if part not in drawn]
    if missing:
        say(f"drawing chart {spec.id!r}")
        new = _draw(spec, plot, missing)
        if want.fresh is not None:
            want.fresh.mkdir(parents=True, exist_ok=True)
            for part, data in new.items():
                write_atomic(want.fresh / f"{key}.{part}", data)
        drawn.update(new)
    return drawn


def drawings(
    spec: ChartSpec,
    evidence: Evidence,
    derived: dict[str, Derived],
    want: Drawings = Drawings(),
    say: Callable[[str], None] = lambda _m: None,
) -> dict[str, bytes]:
    """One chart's drawings (svg, png when wanted, narrow.svg for kinds that have one), on their
    own: a build may draw them in another process while the text is composed."""
    return _drawings(spec, prepare(spec, evidence, derived), want, say)


def render(
    spec: ChartSpec,
    number: int,
    evidence: Evidence,
    derived: dict[str, Derived],
    want: Drawings = Drawings(),
    say: Callable[[str], None] = lambda _m: None,
    drawn: dict[str, bytes] | None = None,
) -> RenderedChart:
    """The chart as the document holds it; `drawn` when its drawings were made elsewhere."""
    plot = prepare(spec, evidence, derived)
    if drawn is None:
        drawn = _drawings(spec, plot, want, say)
    return RenderedChart(
        id=spec.id,
        number=number,
        title=plot.title,
        caption=" ".join(filter(None, [spec.caption, claims_line(plot.facts)])),
        alt=" ".join(filter(None, [plot.alt, claims_line(plot.facts)])),
        source_line=source_line(plot.facts),
        facts=plot.facts,
        svg=drawn.get("svg", b""),  # empty: still being drawn; the print reads it by key
        png=drawn.get("png"),
        svg_narrow=drawn.get("narrow.svg"),
        data_columns=plot.table.columns,
        data_rows=plot.table.rows,
        data_facts=plot.table.facts,
        key=drawing_key(spec, plot),
        size=figure_size(spec.kind, plot.payload),
    )
