"""The HTML writer: one self-contained file (CSS and charts inline), also the PDF's input."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from pathlib import Path

import jinja2

from briefing import __version__
from briefing.base.errors import InputError
from briefing.base.model import Document, Inline, RenderedChart, long_date
from briefing.base.templating import environment, kind, locate, place
from briefing.base.typography import NOTE_JOIN
from briefing.base.webfonts import embed
from briefing.base.wording import NoteStyle, label, page_css, source_entry
from briefing.compose.notes import plain_text
from briefing.compose.preflight import RECURSION
from briefing.compose.prose import describe
from briefing.writers import WriteContext

LAYOUT = "layouts/briefing.html.j2"
STYLESHEET = "styles/briefing.css"


CHART_SCHEME = "briefing-chart"


def svg_uri(chart: RenderedChart, narrow: bool = False) -> str:
    if not chart.svg:  # still being drawn: only the PDF writer's fetcher knows this scheme
        return f"{CHART_SCHEME}:{chart.key}.svg"
    svg = chart.svg_narrow if narrow and chart.svg_narrow else chart.svg
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def render_html(
    doc: Document,
    templates: Path,
    layout: str = LAYOUT,
    stylesheets: tuple[str, ...] = (STYLESHEET,),
) -> str:
    env = environment(templates, autoescape=True, undefined=jinja2.StrictUndefined)
    css = "\n".join((templates / sheet).read_text(encoding="utf-8") for sheet in stylesheets)
    present = {s.id for s in doc.sources}
    env.tests["holding_a_long_word"] = holds_long_word
    return env.get_template(layout).render(
        doc=doc,
        css=css,
        page_css=page_css(),
        svg_uri=svg_uri,
        long_date=long_date,
        version=__version__,
        label=label,
        note_join=NOTE_JOIN,
        note_parts=NoteStyle(doc.notes, present),
        source_entry=source_entry,
        unknown=_unknown,
        kind=kind,
        block_file=lambda name: block_file(templates, name),
    )


def block_file(templates: Path, kind_name: str) -> str:
    """The template holding a block's HTML rule of its own, if it has one ('' if not)."""
    name = f"layouts/blocks/{kind_name}.html.j2"
    return name if locate(templates, name) is not None else ""


# The most characters without a break the narrowest table column sets on a line.
LONG_WORD = 20
_LONG_WORD = re.compile(rf"[^\s]{{{LONG_WORD + 1},}}")


def holds_long_word(cell: str | list[Inline]) -> bool:
    """Whether a table cell holds a word too long for its column, which the cell must then be
    allowed to break anywhere. Only those cells are: the engine lays out every line of a cell
    that may break inside words with extra work, 2.5% of the print of a long chronology."""
    text = cell if isinstance(cell, str) else plain_text(cell)
    return _LONG_WORD.search(text) is not None


# Attributes and CSS that make a browser fetch something; links to anchors and data: are inert.
# Over the whole page this is only a sieve: text can match it too (a locator quoting an address
# with "?src="), so a page it catches is parsed, and only what would be fetched is judged.
_FETCHING = re.compile(
    r"""(?:\b(?:src|href|srcset|poster|data|action|formaction|background)\s*=\s*["']?\s*(?!#|data:)([^"'\s>]+))"""
    r"""|(?:url\(\s*["']?\s*(?!data:|#)([^"')\s]+))|(?:@import\s+["']([^"']+))""",
    re.IGNORECASE,
)
# (One pattern, not a set of names: the words must not read as a report's section ids.)
_FETCHING_ATTRIBUTE = re.compile(
    "src|href|xlink:href|srcset|imagesrcset|poster|data|action|formaction|background|ping"
)
_CSS_FETCHES = re.compile(
    r"""url\(\s*["']?\s*([^"')\s]+)|@import\s+["']([^"']+)|image-set\(\s*["']([^"']+)""",
    re.IGNORECASE,
)


def _fetched(target: str) -> bool:
    target = target.strip()
    return bool(target) and not target.startswith("#") and not target.lower().startswith("data:")


def _css_reference(css: str) -> str | None:
    for match in _CSS_FETCHES.finditer(css):
        target = next(g for g in match.groups() if g)
        if _fetched(target):
            return target
    return None


def _srcset_urls(value: str) -> list[str]:
    """The addresses of a srcset, as HTML splits it: an address is the first word of each
    candidate and may hold commas itself (a data: URI does); a word ending in a comma ends a
    candidate."""
    urls, expect_url = [], True
    for word in value.split():
        if expect_url and word.rstrip(","):
            urls.append(word.rstrip(","))
        expect_url = word.endswith(",")
    return urls


class _Fetches(HTMLParser):
    """The first resource the page's markup would make a browser fetch: an attribute that
    loads something, or a url() or @import in a style attribute or a style element. Text,
    however it reads, is never a fetch."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: str | None = None
        self.in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_style = tag == "style"
        for name, value in attrs:
            if value is None or self.found:
                continue
            if name == "style":
                self.found = _css_reference(value)
            elif name in ("srcset", "imagesrcset"):
                self.found = next((c for c in _srcset_urls(value) if _fetched(c)), None)
            elif _FETCHING_ATTRIBUTE.fullmatch(name) and _fetched(value):
                self.found = value.strip()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.in_style = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self.in_style = False

    def handle_data(self, data: str) -> None:
        if self.in_style and not self.found:
            self.found = _css_reference(data)


def external_reference(html: str) -> str | None:
    """The first thing in `html` that would make a reader's browser fetch a resource."""
    if _FETCHING.search(html) is None:  # nearly every page: nothing even looks like a fetch
        return None
    parser = _Fetches()
    parser.feed(html)
    parser.close()
    return parser.found


def _unknown(node: object) -> str:
    """A node the layout has no rule for is a bug in the engine, never a silent gap."""
    name = type(node).__name__
    raise TypeError(
        f"the HTML layout has no rule for {name} nodes; add a branch to the `block` macro of "
        f"layouts/_parts.html.j2, or a template layouts/blocks/{name}.html.j2"
    )


class HtmlWriter:
    """One self-contained HTML file; its rendering is cached for the PDF writer."""

    def html(self, doc: Document, ctx: WriteContext, check: bool = True) -> str:
        """The page, rendered once per context. `check=False` only for the print of a page
        whose charts are still being drawn (it names them by a scheme only the PDF writer
        serves); the finished page is always checked."""
        if "html" not in ctx.cache:
            shown = f"templates/{ctx.layout}"
            try:
                html = render_html(doc, ctx.templates, ctx.layout, ctx.stylesheets)
            except RecursionError:
                raise InputError.one(
                    shown, None, RECURSION.replace("template", "layout", 1)
                ) from None
            except (
                jinja2.TemplateError,
                ArithmeticError,
                LookupError,
                ValueError,
                AttributeError,
            ) as exc:
                # The file is the one the error is in: the layout, or the parts it imports.
                where, line = place(exc, ctx.templates)
                raise InputError.one(
                    where or shown, line, f"layout error: {describe(exc)}"
                ) from None
            if check and (where := external_reference(html)):
                raise InputError.one(
                    shown,
                    None,
                    f"the page would load {where!r}; a briefing may only embed inline data "
                    "(no files or web addresses), so it reads the same offline and in mail",
                )
            ctx.cache["html"] = html
        return ctx.cache["html"]

    def write(self, doc: Document, target: Path, ctx: WriteContext) -> None:
        """The page with the house faces it uses embedded (base/webfonts.py). Only the file
        gets them: the print sets the same faces from the shipped files and subsets them
        itself, so the rendering it shares stays without."""
        target.write_text(embed(self.html(doc, ctx)), encoding="utf-8")
