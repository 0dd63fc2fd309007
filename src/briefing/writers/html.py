"""The HTML writer: one self-contained file (CSS and charts inline), also the PDF's input."""

from __future__ import annotations

import base64
from pathlib import Path

import jinja2

from .. import __version__
from ..model import Document, RenderedChart, long_date

LAYOUT = "layouts/briefing.html.j2"
STYLESHEET = "styles/briefing.css"


def svg_uri(chart: RenderedChart) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(chart.svg).decode("ascii")


def render_html(doc: Document, templates: Path) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
    )
    css = (templates / STYLESHEET).read_text(encoding="utf-8")
    return env.get_template(LAYOUT).render(
        doc=doc,
        css=css,
        svg_uri=svg_uri,
        long_date=long_date,
        version=__version__,
    )


def write_html(doc: Document, templates: Path, target: Path) -> str:
    html = render_html(doc, templates)
    target.write_text(html, encoding="utf-8")
    return html
