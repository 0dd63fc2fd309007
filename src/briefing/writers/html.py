"""The HTML writer: one self-contained file (CSS and charts inline), also the PDF's input."""

from __future__ import annotations

import base64
from pathlib import Path

import jinja2

from .. import __version__
from ..labels import label, note_parts, page_css, source_entry
from ..model import Document, RenderedChart, long_date
from . import WriteContext

LAYOUT = "layouts/briefing.html.j2"
STYLESHEET = "styles/briefing.css"


def svg_uri(chart: RenderedChart) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(chart.svg).decode("ascii")


def render_html(
    doc: Document,
    templates: Path,
    layout: str = LAYOUT,
    stylesheets: tuple[str, ...] = (STYLESHEET,),
) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
    )
    css = "\n".join((templates / sheet).read_text(encoding="utf-8") for sheet in stylesheets)
    present = {s.id for s in doc.sources}
    return env.get_template(layout).render(
        doc=doc,
        css=css,
        page_css=page_css(),
        svg_uri=svg_uri,
        long_date=long_date,
        version=__version__,
        label=label,
        note_parts=lambda note: note_parts(note, present),
        source_entry=source_entry,
        unknown=_unknown,
    )


def _unknown(node: object) -> str:
    """A node the layout has no rule for is a bug in the engine, never a silent gap."""
    raise TypeError(f"the HTML layout has no rule for {type(node).__name__} nodes")


class HtmlWriter:
    """One self-contained HTML file; its rendering is cached for the PDF writer."""

    def html(self, doc: Document, ctx: WriteContext) -> str:
        if "html" not in ctx.cache:
            ctx.cache["html"] = render_html(doc, ctx.templates, ctx.layout, ctx.stylesheets)
        return ctx.cache["html"]

    def write(self, doc: Document, target: Path, ctx: WriteContext) -> None:
        target.write_text(self.html(doc, ctx), encoding="utf-8")
