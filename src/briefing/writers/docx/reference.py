"""The Word reference document: pandoc's own default, restyled with python-docx.

pandoc takes its styles, page setup, header and footer from this file. Starting from the running
pandoc's default (rather than a committed binary) keeps every style pandoc emits present; the
house style is then applied through python-docx's style objects, so nothing edits XML as text.
Where python-docx has no property (paragraph borders and shading, table header shading, fields)
the element is built with its `OxmlElement` helpers.

The look follows the PDF: Source Serif 4 for text and Source Sans 3 for headings, captions and
furniture (embedded in the file by `docx_finish`), navy headings, A4 with 2 cm margins, a
title page with no furniture, then the report title at the head and "Page x of y" at the foot.
"""

from __future__ import annotations

import functools
import io
import subprocess
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from briefing.base.fonts import SANS, SERIF
from briefing.base.wording import LABELS

NAVY = RGBColor(0x1F, 0x3A, 0x5F)
INK = RGBColor(0x1D, 0x1D, 0x1F)
MUTED = RGBColor(0x55, 0x5C, 0x66)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)
TINT = "E8EDF3"
NAVY_HEX = "1F3A5F"
BRASS_HEX = "B08A3E"


def _font(style, name: str, size: float | None = None, colour=None, bold=None) -> None:
    style.font.name = name
    rfonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        rfonts.set(qn(attr), name)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        rfonts.attrib.pop(qn(attr), None)
    if size is not None:
        style.font.size = Pt(size)
    if colour is not None:
        style.font.color.rgb = colour
    if bold is not None:
        style.font.bold = bold


def _spacing(style, before: float, after: float, line: float | None = None) -> None:
    pf = style.paragraph_format
    pf.space_before, pf.space_after = Pt(before), Pt(after)
    if line is not None:
        pf.line_spacing = line


def rule(tag: str, colour: str, size: int, space: int = 0) -> OxmlElement:
    """One border edge (`w:top`, `w:left`, `w:insideH`...): size in eighths of a point."""
    edge = OxmlElement(tag)
    for k, v in (("w:val", "single"), ("w:sz", size), ("w:space", space), ("w:color", colour)):
        edge.set(qn(k), str(v))
    return edge


def shading(fill: str) -> OxmlElement:
    """A solid background (paragraph or table cell) in `fill`."""
    shade = OxmlElement("w:shd")
    for k, v in (("w:val", "clear"), ("w:color", "auto"), ("w:fill", fill)):
        shade.set(qn(k), v)
    return shade


def _frame(style, edges: list[OxmlElement], fill: str | None = None) -> None:
    """Borders (and a background) on a paragraph style, where the schema wants them in pPr:
    after keepNext and keepLines, before spacing and indentation."""
    ppr = style.element.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    for edge in edges:
        borders.append(edge)
    added = [borders] + ([shading(fill)] if fill else [])
    anchor = ppr.find(qn("w:spacing"))
    for el in added:
        (anchor.addprevious(el) if anchor is not None else ppr.append(el))


def _box(style, opens: bool = False) -> None:
    """A left rule in navy over a pale tint, as the judgment boxes in the HTML and PDF. Word
    joins neighbouring paragraphs with the same borders into one box, so the paragraph that
    opens a box also has a white top rule: it starts a new box and leaves a gap above it."""
    top = [rule("w:top", "FFFFFF", 24, 8)] if opens else []
    _frame(style, [*top, rule("w:left", NAVY_HEX, 24, 8)], TINT)
    style.paragraph_format.left_indent = Cm(0.3)
    style.paragraph_format.right_indent = Cm(0.2)


def _band(style, top: bool) -> None:
    """Navy shading with navy side rules as padding; Word and LibreOffice draw neighbouring
    paragraphs with the same side rules as one band. The band's foot is a brass rule."""
    left, right = rule("w:left", NAVY_HEX, 48, 12), rule("w:right", NAVY_HEX, 48, 12)
    # Edges in the schema's order: top, left, bottom, right.
    if top:
        edges = [rule("w:top", NAVY_HEX, 48, 24), left, right]
    else:
        edges = [left, rule("w:bottom", BRASS_HEX, 36, 8), right]
    _frame(style, edges, NAVY_HEX)
    style.paragraph_format.left_indent = Cm(0.5)
    style.paragraph_format.right_indent = Cm(0.5)


def _get(styles, name: str):
    """A style by its shown name. (python-docx's own lookup translates a few names, such as
    "Caption", to Word's internal lower-case ones, which pandoc's file does not use.)"""
    return next((s for s in styles if s.name == name), None)


def _paragraph_style(styles, name: str, base: str):
    style = _get(styles, name)
    if style is None:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = _get(styles, base)
    return style


def _field(paragraph, instruction: str, shown: str) -> None:
    """A simple field (PAGE, NUMPAGES) with a cached value for readers that do not compute."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = shown
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _table_header_shading(styles) -> None:
    """pandoc's "Table" style: thin rules between rows. (The navy header row is set on the
    cells themselves by `docx_finish`: LibreOffice ignores a style's first-row formatting.)"""
    table = _get(styles, "Table").element
    tbl_pr = table.find(qn("w:tblPr"))
    if tbl_pr is None:
        tbl_pr = OxmlElement("w:tblPr")
        table.append(tbl_pr)
    borders = OxmlElement("w:tblBorders")
    for edge in ("w:bottom", "w:insideH"):
        borders.append(rule(edge, "CFD5DD", 4))
    tbl_pr.append(borders)


def _styles(document, brief: bool) -> None:
    """`brief`: a short report with no contents (In Focus), set tighter to keep its length."""
    styles = document.styles
    _font(_get(styles, "Normal"), SERIF, 9.5 if brief else 10.5, INK)
    _spacing(_get(styles, "Normal"), 0, 4 if brief else 6, 1.1 if brief else 1.2)
    for name in ("Body Text", "First Paragraph"):
        _spacing(_get(styles, name), 0, 6)
    _font(_get(styles, "Compact"), SERIF, 9.5)
    sizes = (
        ((1, 12, 8), (2, 11, 6), (3, 10, 6)) if brief else ((1, 16, 20), (2, 13, 14), (3, 11.5, 10))
    )
    for level, size, before in sizes:
        style = _get(styles, f"Heading {level}")
        _font(style, SANS, size, NAVY, True)
        _spacing(style, before, 6)
        style.paragraph_format.keep_with_next = True
    _frame(_get(styles, "Heading 1"), [rule("w:bottom", NAVY_HEX, 12, 2)])

    # The title page: the title set low on the page, then subtitle, author and dates.
    _font(_get(styles, "Title"), SANS, 22 if brief else 32, NAVY, True)
    _spacing(_get(styles, "Title"), 180, 12, 1.0)
    _get(styles, "Title").paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    _font(_get(styles, "Subtitle"), SERIF, 15, MUTED, False)
    _spacing(_get(styles, "Subtitle"), 0, 36, 1.1)
    _get(styles, "Subtitle").paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    if not brief:
        # As the PDF's cover: the title and subtitle white on a navy band, a brass rule below.
        _font(_get(styles, "Title"), SANS, 32, WHITE, True)
        _font(_get(styles, "Subtitle"), SERIF, 15, RGBColor(0xE6, 0xEC, 0xF3), False)
        _band(_get(styles, "Title"), top=True)
        _band(_get(styles, "Subtitle"), top=False)
    for name in ("Author", "Date"):
        # pandoc bases these on Title: they must not inherit its band.
        _get(styles, name).base_style = _get(styles, "Normal")
        _font(_get(styles, name), SANS, 10.5, INK, name == "Author")
        _spacing(_get(styles, name), 0, 4)
        _get(styles, name).paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT

    # Contents on a page of its own after the title page.
    toc_heading = _get(styles, "TOC Heading")
    _font(toc_heading, SANS, 16, NAVY, True)
    toc_heading.paragraph_format.page_break_before = True
    toc1 = _paragraph_style(styles, "TOC 1", "Normal")
    _font(toc1, SANS, 10.5)
    _spacing(toc1, 0, 4)
    toc1.paragraph_format.tab_stops.add_tab_stop(
        Cm(17.0), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS
    )

    for name in ("Caption", "Table Caption", "Image Caption"):
        _font(_get(styles, name), SANS, 8.5, MUTED, False)
        _get(styles, name).font.italic = False
        _spacing(_get(styles, name), 2, 10)
    _get(styles, "Table Caption").paragraph_format.keep_with_next = True
    _font(_get(styles, "Table Caption"), SANS, 9, INK, True)
    figure_title = _paragraph_style(styles, "Figure Title", "Caption")
    _font(figure_title, SANS, 9.5, INK, True)
    _spacing(figure_title, 10, 4)
    figure_title.paragraph_format.keep_with_next = True
    _get(styles, "Captioned Figure").paragraph_format.keep_with_next = True
    _get(styles, "Figure").paragraph_format.keep_with_next = True

    _font(_get(styles, "Footnote Text"), SANS, 7 if brief else 8, INK)
    _spacing(_get(styles, "Footnote Text"), 0, 1, 1.0)
    _get(styles, "Hyperlink").font.color.rgb = NAVY
    _table_header_shading(styles)

    # Judgments: a label line and a box, kept together.
    label = _paragraph_style(styles, "Judgment Label", "Normal")
    _font(label, SANS, 8.5, NAVY)
    label.font.all_caps = True
    _spacing(label, 9, 2)
    label.paragraph_format.keep_with_next = True
    _box(label, opens=True)
    judgment = _paragraph_style(styles, "Judgment", "Normal")
    _spacing(judgment, 0, 4)
    judgment.paragraph_format.keep_together = True
    _box(judgment)

    furniture = _paragraph_style(styles, "Page Furniture", "Normal")
    _font(furniture, SANS, 8, MUTED)
    _spacing(furniture, 0, 0, 1.0)


def _page(document, title: str, brief: bool) -> None:
    """A4, 2 cm margins (1.5 cm for a brief), no furniture on the title page, title at the
    head, Page x of y below."""
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(1.5 if brief else 2.0)
    section.top_margin = section.bottom_margin = Cm(1.6 if brief else 2.2)
    section.header_distance = section.footer_distance = Cm(1.0)
    section.different_first_page_header_footer = True

    head = section.header.paragraphs[0]
    head.style = _get(document.styles, "Page Furniture")
    head.add_run(title)
    foot = section.footer.paragraphs[0]
    foot.style = _get(document.styles, "Page Furniture")
    foot.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    before, rest = LABELS["page"].split("{page}")
    middle, after = rest.split("{pages}")
    foot.add_run(before)
    _field(foot, "PAGE", "1")
    foot.add_run(middle)
    _field(foot, "NUMPAGES", "1")
    if after:
        foot.add_run(after)


@functools.cache
def reference_bytes(pandoc: str, title: str, brief: bool = False) -> bytes:
    default = subprocess.run(
        [pandoc, "--print-default-data-file", "reference.docx"], capture_output=True, check=True
    ).stdout
    document = Document(io.BytesIO(default))
    _styles(document, brief)
    _page(document, title, brief)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def write_reference(pandoc: str, folder: Path, title: str, brief: bool = False) -> Path:
    path = folder / ".reference.docx"
    path.write_bytes(reference_bytes(pandoc, title, brief))
    return path
