"""The PDF writer: WeasyPrint prints the HTML writer's output with the print stylesheet.

WeasyPrint would otherwise fetch any URL the HTML names (file:// included). The fetcher below
serves only inline data: URIs and stops the build on anything else, so neither a template nor a
fact can make a build read local files or reach the network.
"""

from __future__ import annotations

from pathlib import Path

from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher

from ..errors import InputError
from ..model import Document
from . import WriteContext
from .html import HtmlWriter


class InlineOnlyFetcher(URLFetcher):
    """Serves data: URIs; refuses every other scheme, and refusal is fatal."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"data"}, fail_on_errors=True, timeout=1)


def write_pdf(html: str, target: Path, layout_name: str) -> None:
    try:
        HTML(string=html, url_fetcher=InlineOnlyFetcher(), base_url=None).write_pdf(target)
    except FatalURLFetchingError as exc:
        raise InputError.one(
            layout_name,
            None,
            f"{exc}; a briefing may only embed inline data (no files or web addresses)",
        ) from None


class PdfWriter(HtmlWriter):
    """The HTML writer's output, printed by WeasyPrint with the print rules of the stylesheet."""

    def write(self, doc: Document, target: Path, ctx: WriteContext) -> None:
        write_pdf(self.html(doc, ctx), target, f"templates/{ctx.layout}")
