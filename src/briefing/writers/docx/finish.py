"""What pandoc leaves for Word to do, done before the file leaves the build (with python-docx).

- The contents list is filled in (contents.py): pandoc writes only an empty TOC field, so
  LibreOffice, previewers and phones show an empty page. Each section becomes a linked entry
  with a PAGEREF to its heading. When LibreOffice is at hand the finished file is laid out with
  it (layout.py), each entry gets the page its heading landed on and the entries become a TOC
  field's result, which Word and LibreOffice show as it is; otherwise `updateFields` asks Word
  to compute the pages as the file opens (LibreOffice computes PAGEREFs itself).
- The first section starts on a new page after the contents.
- Footnotes are numbered once through the document: pandoc's reference document restarts them
  at each section (LibreOffice reads that as each chapter), while the text's repeated note
  numbers count from the start. One setting, the same in settings.xml and in every section.
- No table row splits across pages; header rows repeat.
- The document properties carry the title, subject, language, keywords, author, the tool's
  version and the edition date as created and modified (pandoc's --sandbox writes 1970).
- The house typefaces are embedded, subset to the characters used, so Word and LibreOffice
  show the same type as the PDF on a machine that lacks them.
- Zip entries get fixed timestamps, so identical inputs still give identical bytes.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from datetime import UTC, datetime, time
from pathlib import Path

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from lxml import etree

from briefing import __version__
from briefing.base import fonts
from briefing.base.fontsubset import subset
from briefing.base.model import Document
from briefing.writers.docx import contents, layout
from briefing.writers.docx.reference import NAVY_HEX, shading

# Kept in every subset, so a reader who edits a number or a date finds its digits and marks.
ALWAYS_KEPT = "0123456789 .,;:‐-–—'’“”()·"
FONT_TYPE = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
FONT_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"
# (family, weight, italic) -> the fontTable slot Word reads it from
EMBED = {
    (fonts.SERIF, 400, False): "w:embedRegular",
    (fonts.SERIF, 700, False): "w:embedBold",
    (fonts.SERIF, 400, True): "w:embedItalic",
    (fonts.SERIF, 700, True): "w:embedBoldItalic",
    (fonts.SANS, 400, False): "w:embedRegular",
    (fonts.SANS, 700, False): "w:embedBold",
}


def finish(target: Path, doc: Document) -> None:
    d = docx.Document(str(target))
    _properties(d, doc)
    anchors = contents.fill(d, doc) if doc.contents else []
    if not doc.contents:
        # No title page and contents: a masthead at the top of the first page instead, and
        # the first page carries the furniture like the rest.
        d.sections[0].different_first_page_header_footer = False
        for paragraph in d.paragraphs[:4]:
            if paragraph.style.name in ("Title", "Subtitle"):
                paragraph.paragraph_format.space_before = Pt(0)
                paragraph.paragraph_format.space_after = Pt(4)
    _footnote_numbering(d)
    _rows(d)
    _embed_fonts(d)
    data = _saved(d, doc)
    if anchors:
        pages = layout.pages(data, anchors)
        if pages is None:
            _ask_for_update(d)
        else:
            contents.as_field(d, pages)
        data = _saved(d, doc)
    target.write_bytes(data)


def _saved(d, doc: Document) -> bytes:
    out = io.BytesIO()
    d.save(out)
    return _fixed_zip(out.getvalue(), doc)


# ---------------------------------------------------------------- properties ---------------------


def _properties(d, doc: Document) -> None:
    when = datetime.combine(doc.generated, time(), tzinfo=UTC).replace(tzinfo=None)
    p = d.core_properties
    p.title = doc.title
    p.subject = doc.subject
    p.author = p.last_modified_by = doc.author
    p.keywords = ", ".join(doc.keywords)
    p.language = doc.language
    p.created = p.modified = when
    p.version = f"briefing {__version__}"
    p.revision = 1
    p.comments = ""


# ---------------------------------------------------------------- contents -----------------------


def _ask_for_update(d) -> None:
    """`updateFields`: Word offers to compute the fields (the contents' page numbers) as the
    file opens. Set only when no layout gave the numbers."""
    if d.settings.element.find(qn("w:updateFields")) is None:
        update = OxmlElement("w:updateFields")
        update.set(qn("w:val"), "true")
        _insert_setting(d.settings.element, update, _SETTINGS_AFTER_UPDATE)


# ---------------------------------------------------------------- footnotes ----------------------

# A footnotePr's numbering children, in the schema's order (any w:footnote children follow).
_NUMBERING = (("w:numFmt", "decimal"), ("w:numStart", "1"), ("w:numRestart", "continuous"))
_NUMBERING_TAGS = {qn(t) for t in ("w:pos", "w:numFmt", "w:numStart", "w:numRestart")}
# sectPr children that the schema puts before footnotePr
_SECTION_BEFORE_NOTES = {qn("w:headerReference"), qn("w:footerReference")}


def _numbered(pr) -> None:
    """`pr` (a footnotePr) numbers decimally from 1 and never restarts; other children (the
    separator notes settings.xml may name) stay."""
    for child in [c for c in pr if c.tag in _NUMBERING_TAGS]:
        pr.remove(child)
    for n, (tag, val) in enumerate(_NUMBERING):
        el = OxmlElement(tag)
        el.set(qn("w:val"), val)
        pr.insert(n, el)


def _footnote_numbering(d) -> None:
    """One footnote numbering for the whole document, in settings.xml and in every section
    (the body's last sectPr and any inside a paragraph), each section holding one footnotePr."""
    settings = d.settings.element
    found = settings.findall(qn("w:footnotePr"))
    for extra in found[1:]:
        settings.remove(extra)
    if not found:
        found = [OxmlElement("w:footnotePr")]
        _insert_setting(settings, found[0], _SETTINGS_AFTER_NOTES)
    _numbered(found[0])
    for sect in d.element.body.iter(qn("w:sectPr")):
        prs = sect.findall(qn("w:footnotePr"))
        for extra in prs[1:]:
            sect.remove(extra)
        if prs:
            pr = prs[0]
        else:
            pr = OxmlElement("w:footnotePr")
            refs = [c for c in sect if c.tag in _SECTION_BEFORE_NOTES]
            (refs[-1].addnext(pr) if refs else sect.insert(0, pr))
        _numbered(pr)


# ---------------------------------------------------------------- tables -------------------------


def _rows(d) -> None:
    """Rows never split across pages; header rows repeat and are navy with white type."""
    for table in d.tables:
        for row in table.rows:
            tr_pr = row._tr.get_or_add_trPr()
            header = tr_pr.find(qn("w:tblHeader"))
            if tr_pr.find(qn("w:cantSplit")) is None:
                keep = OxmlElement("w:cantSplit")
                (header.addprevious(keep) if header is not None else tr_pr.append(keep))
            if header is not None:
                for cell in row.cells:
                    _header_cell(cell)


def _header_cell(cell) -> None:
    cell._tc.get_or_add_tcPr().append(shading(NAVY_HEX))
    for paragraph in cell.paragraphs:
        for run in paragraph.runs:
            run.font.bold = True
            run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
            run.font.size = Pt(8.5)


# ---------------------------------------------------------------- fonts --------------------------


def _used_text(d) -> str:
    parts = [d.element.xml]
    for rel in d.part.rels.values():
        if not rel.is_external and rel.target_part.partname.endswith(".xml"):
            parts.append(rel.target_part.blob.decode("utf-8", "ignore"))
    return "".join(parts)


def _obfuscate(data: bytes, key: uuid.UUID) -> bytes:
    """ECMA-376 font obfuscation: the first 32 bytes XORed with the key's bytes, reversed."""
    k = bytes.fromhex(key.hex)[::-1]
    head = bytes(b ^ k[i % 16] for i, b in enumerate(data[:32]))
    return head + data[32:]


def _embed_fonts(d) -> None:
    font_part = next(r.target_part for r in d.part.rels.values() if r.reltype == RT.FONT_TABLE)
    table = docx.oxml.parse_xml(font_part.blob)
    text = _used_text(d)
    for n, face in enumerate(f for f in fonts.faces() if (f.family, f.weight, f.italic) in EMBED):
        key = uuid.uuid5(uuid.NAMESPACE_URL, f"briefing-font:{face.path.name}")
        blob = _obfuscate(subset(face.path, set(text) | set(ALWAYS_KEPT)), key)
        part = Part(PackURI(f"/word/fonts/font{n + 1}.odttf"), FONT_TYPE, blob, d.part.package)
        rid = font_part.relate_to(part, FONT_REL)
        entry = _font_entry(table, face.family)
        slot = OxmlElement(EMBED[(face.family, face.weight, face.italic)])
        slot.set(qn("r:id"), rid)
        slot.set(qn("w:fontKey"), "{" + str(key).upper() + "}")
        entry.append(slot)
    font_part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)
    settings = d.settings.element
    if settings.find(qn("w:embedTrueTypeFonts")) is None:
        anchor = None
        for child in settings:
            if child.tag in _SETTINGS_BEFORE:
                anchor = child
        flags = [OxmlElement("w:embedTrueTypeFonts"), OxmlElement("w:saveSubsetFonts")]
        for flag in reversed(flags):
            (anchor.addnext(flag) if anchor is not None else settings.insert(0, flag))


def _insert_setting(settings, element, later: set[str]) -> None:
    """Put `element` before the first child the schema orders after it (Word is strict)."""
    for child in settings:
        if child.tag in later:
            child.addprevious(element)
            return
    settings.append(element)


# settings.xml children that the schema puts after updateFields
_SETTINGS_AFTER_UPDATE = {
    qn(f"w:{t}")
    for t in [
        "hdrShapeDefaults",
        "footnotePr",
        "endnotePr",
        "compat",
        "docVars",
        "rsids",
        "attachedSchema",
        "themeFontLang",
        "clrSchemeMapping",
        "doNotIncludeSubdocsInStats",
        "doNotAutoCompressPictures",
        "forceUpgrade",
        "captions",
        "readModeInkLockDown",
        "smartTagType",
        "shapeDefaults",
        "doNotEmbedSmartTags",
        "decimalSymbol",
        "listSeparator",
    ]
} | {"{http://schemas.openxmlformats.org/officeDocument/2006/math}mathPr"}

# settings.xml children that the schema puts after footnotePr
_SETTINGS_AFTER_NOTES = _SETTINGS_AFTER_UPDATE - {qn("w:hdrShapeDefaults"), qn("w:footnotePr")}

# settings.xml children that the schema puts before embedTrueTypeFonts
_SETTINGS_BEFORE = {
    qn(f"w:{t}")
    for t in [
        "writeProtection",
        "view",
        "zoom",
        "removePersonalInformation",
        "removeDateAndTime",
        "doNotDisplayPageBoundaries",
        "displayBackgroundShape",
        "printPostScriptOverText",
        "printFractionalCharacterWidth",
        "printFormsData",
    ]
}


def _font_entry(table, family: str):
    for font in table.findall(qn("w:font")):
        if font.get(qn("w:name")) == family:
            return font
    font = OxmlElement("w:font")
    font.set(qn("w:name"), family)
    table.append(font)
    return font


# ---------------------------------------------------------------- package ------------------------


def _fixed_zip(data: bytes, doc: Document) -> bytes:
    stamp = (doc.generated.year, doc.generated.month, doc.generated.day, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=max(stamp, (1980, 1, 1, 0, 0, 0)))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()
