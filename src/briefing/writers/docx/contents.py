"""The Word file's contents list: a real TOC field whose result holds the entries themselves.

pandoc writes only an empty TOC field, which Word fills when the reader accepts its "update
fields" prompt, and which LibreOffice, previewers and phones show as an empty page. Here the
field's cached result is written out as Word would: one TOC 1 paragraph per section, a link to
a `_Toc` bookmark on the section's heading holding the title, a tab (the style's dot leader)
and a PAGEREF field to that bookmark showing the page. The field stays a TOC field, so Word
can still rebuild it.

The page numbers are written (`as_field`) only when a layout found them (layout.py). Without
one the entries stay plain PAGEREF fields with no result, which LibreOffice computes as it
opens the file and Word when the reader accepts the prompt that `w:updateFields` (set by
finish.py) brings up. A guessed number is never written.
"""

from __future__ import annotations

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from briefing.base.model import Document

TOC_STYLE = "TOC1"
TOC_HEADING_STYLE = "TOCHeading"
TOC_INSTRUCTION = ' TOC \\o "1-1" \\h \\z \\u '
BOOKMARK = "_TocBriefing{n:03d}"
BOOKMARK_IDS = 90000  # far above the ids pandoc gives its own bookmarks


def _run(*children) -> OxmlElement:
    r = OxmlElement("w:r")
    for child in children:
        r.append(child)
    return r


def _fld(kind: str) -> OxmlElement:
    el = OxmlElement("w:fldChar")
    el.set(qn("w:fldCharType"), kind)
    return el


def _text(value: str, tag: str = "w:t") -> OxmlElement:
    el = OxmlElement(tag)
    el.set(qn("xml:space"), "preserve")
    el.text = value
    return el


def _entry(anchor: str, title: str) -> OxmlElement:
    """A linked contents line: title, dot leader, the heading's page by PAGEREF (its result,
    the page number, left empty until `number` fills it)."""
    link = OxmlElement("w:hyperlink")
    link.set(qn("w:anchor"), anchor)
    link.set(qn("w:history"), "1")
    link.append(_run(_text(title)))
    link.append(_run(OxmlElement("w:tab")))
    link.append(_run(_fld("begin")))
    link.append(_run(_text(f" PAGEREF {anchor} \\h ", "w:instrText")))
    link.append(_run(_fld("separate")))
    link.append(_run(_text("")))
    link.append(_run(_fld("end")))
    return link


def _styled_paragraph(style_id: str) -> OxmlElement:
    p = OxmlElement("w:p")
    ppr = OxmlElement("w:pPr")
    ps = OxmlElement("w:pStyle")
    ps.set(qn("w:val"), style_id)
    ppr.append(ps)
    p.append(ppr)
    return p


def fill(d, doc: Document) -> list[str]:
    """Replace pandoc's contents block (a `w:sdt` holding an empty TOC field) with its heading
    and one entry per section, each a PAGEREF to a bookmark on the section's heading: the form
    LibreOffice computes as it paginates, and Word when its fields are updated. Returns the
    bookmark names in order (none when the file has no contents block)."""
    body = d.element.body
    sdt = body.find(qn("w:sdt"))
    if sdt is None:
        return []
    content = sdt.find(qn("w:sdtContent"))
    heading = next(
        p for p in content.findall(qn("w:p")) if p.find(".//" + qn("w:instrText")) is None
    )
    sdt.addprevious(heading)
    body.remove(sdt)
    anchors = _bookmark_headings(body, len(doc.sections))
    last = heading
    for anchor, section in zip(anchors, doc.sections, strict=True):
        para = _styled_paragraph(TOC_STYLE)
        para.append(_entry(anchor, section.title))
        last.addnext(para)
        last = para
    # The first section opens on a new page after the contents.
    first = last.getnext()
    while first is not None and first.tag != qn("w:p"):
        first = first.getnext()
    if first is not None:
        first.get_or_add_pPr().get_or_add_pageBreakBefore()
    return anchors


def as_field(d, pages: dict[str, int]) -> None:
    """Make the filled contents the cached result of a real TOC field, as Word writes one: the
    field opens in the first entry and closes in the last, inside a contents block, so Word
    can still rebuild it; each entry's PAGEREF result is the page `pages` gives its heading
    (by bookmark name, from a layout of this very file). LibreOffice shows a TOC field's
    cached result as it is, so it shows these numbers too."""
    entries = [p for p in d.element.body if _style(p) == TOC_STYLE]
    if not entries:
        return
    for entry in entries:
        _number(entry, pages)
    first = entries[0].find(qn("w:pPr"))
    for run in reversed(
        [_run(_fld("begin")), _run(_text(TOC_INSTRUCTION, "w:instrText")), _run(_fld("separate"))]
    ):
        first.addnext(run)
    entries[-1].append(_run(_fld("end")))
    heading = entries[0].getprevious()
    block = _contents_block()
    entries[0].addprevious(block)
    content = block.find(qn("w:sdtContent"))
    for p in ([heading] if _style(heading) == TOC_HEADING_STYLE else []) + entries:
        content.append(p)


def _contents_block() -> OxmlElement:
    """An empty `w:sdt` marked as the document's table of contents (as pandoc and Word make)."""
    sdt = OxmlElement("w:sdt")
    pr = OxmlElement("w:sdtPr")
    part = OxmlElement("w:docPartObj")
    gallery = OxmlElement("w:docPartGallery")
    gallery.set(qn("w:val"), "Table of Contents")
    part.append(gallery)
    part.append(OxmlElement("w:docPartUnique"))
    pr.append(part)
    sdt.append(pr)
    sdt.append(OxmlElement("w:sdtContent"))
    return sdt


def _style(p) -> str | None:
    style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    return None if style is None else style.get(qn("w:val"))


def _bookmark_headings(body, count: int) -> list[str]:
    """A `_Toc` bookmark around the text of each top-level heading, in document order."""
    names = []
    headings = [
        p
        for p in body.iter(qn("w:p"))
        if (style := p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")) is not None
        and style.get(qn("w:val")) == "Heading1"
    ]
    for n, p in enumerate(headings[:count], 1):
        name = BOOKMARK.format(n=n)
        start = OxmlElement("w:bookmarkStart")
        start.set(qn("w:id"), str(BOOKMARK_IDS + n))
        start.set(qn("w:name"), name)
        stop = OxmlElement("w:bookmarkEnd")
        stop.set(qn("w:id"), str(BOOKMARK_IDS + n))
        p.find(qn("w:pPr")).addnext(start)
        p.append(stop)
        names.append(name)
    return names


def _number(entry, pages: dict[str, int]) -> None:
    """The entry's PAGEREF result (the run after the field's separator) becomes its page."""
    for link in entry.iter(qn("w:hyperlink")):
        runs = link.findall(qn("w:r"))
        separate = next(i for i, r in enumerate(runs) if _is_fld(r, "separate"))
        runs[separate + 1].find(qn("w:t")).text = str(pages[link.get(qn("w:anchor"))])


def _is_fld(run, kind: str) -> bool:
    fld = run.find(qn("w:fldChar"))
    return fld is not None and fld.get(qn("w:fldCharType")) == kind
