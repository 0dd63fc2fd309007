"""The Word reference document: pandoc's own default, adjusted to the briefing's house style.

Deriving it from the running pandoc (rather than committing a binary) keeps it in step with
pandoc's version. The changes: A4 pages with 2 cm margins (pandoc's default is US Letter),
footnotes numbered continuously through the document, headings in the navy of the HTML and PDF,
and a serif body face like the PDF's.
"""

from __future__ import annotations

import functools
import io
import re
import subprocess
import zipfile
from pathlib import Path

NAVY = "1F3A5F"
A4_SECTION = (
    '<w:sectPr><w:footnotePr><w:numRestart w:val="continuous" /></w:footnotePr>'
    '<w:pgSz w:w="11906" w:h="16838" />'
    '<w:pgMar w:top="1247" w:right="1134" w:bottom="1247" w:left="1134" w:header="567" '
    'w:footer="567" w:gutter="0" /></w:sectPr>'
)


# Judgments are boxed as in the HTML and PDF: a navy rule on the left over a pale tint.
JUDGMENT_STYLES = (
    '<w:style w:type="paragraph" w:customStyle="1" w:styleId="JudgmentLabel">'
    '<w:name w:val="Judgment Label" /><w:basedOn w:val="Normal" /><w:next w:val="Judgment" />'
    '<w:pPr><w:keepNext /><w:pBdr><w:left w:val="single" w:sz="24" w:space="8" w:color="1F3A5F" />'
    '</w:pBdr><w:shd w:val="clear" w:color="auto" w:fill="E8EDF3" />'
    '<w:spacing w:before="180" w:after="40" /><w:ind w:left="170" w:right="113" /></w:pPr>'
    '<w:rPr><w:caps /><w:color w:val="1F3A5F" /><w:sz w:val="17" /></w:rPr></w:style>'
    '<w:style w:type="paragraph" w:customStyle="1" w:styleId="Judgment">'
    '<w:name w:val="Judgment" /><w:basedOn w:val="Normal" />'
    '<w:pPr><w:keepLines /><w:pBdr><w:left w:val="single" w:sz="24" w:space="8" w:color="1F3A5F" />'
    '</w:pBdr><w:shd w:val="clear" w:color="auto" w:fill="E8EDF3" />'
    '<w:spacing w:before="0" w:after="80" /><w:ind w:left="170" w:right="113" /></w:pPr></w:style>'
)


def _styles(xml: str) -> str:
    xml = xml.replace("</w:styles>", JUDGMENT_STYLES + "</w:styles>", 1)
    # Headings: navy, as an explicit colour (a theme colour would override it).
    xml = re.sub(
        r'<w:color w:val="0F4761" w:themeColor="accent1"\s+w:themeShade="BF" />',
        f'<w:color w:val="{NAVY}" />',
        xml,
    )
    # Body text: a serif like the PDF's, with fallbacks Word resolves itself.
    xml = xml.replace(
        '<w:rFonts w:asciiTheme="minorHAnsi" w:eastAsiaTheme="minorEastAsia" w:hAnsiTheme="minorHAnsi" w:cstheme="minorBidi" />',
        '<w:rFonts w:ascii="Georgia" w:hAnsi="Georgia" w:eastAsiaTheme="minorEastAsia" w:cstheme="minorBidi" />',
        1,
    )
    return xml.replace(
        '<w:sz w:val="24" />\n        <w:szCs w:val="24" />',
        '<w:sz w:val="21" />\n        <w:szCs w:val="21" />',
        1,
    )


def _document(xml: str) -> str:
    return re.sub(r"<w:sectPr>.*?</w:sectPr>", A4_SECTION, xml, count=1, flags=re.S)


@functools.cache
def reference_bytes(pandoc: str) -> bytes:
    default = subprocess.run(
        [pandoc, "--print-default-data-file", "reference.docx"], capture_output=True, check=True
    ).stdout
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(default)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/styles.xml":
                data = _styles(data.decode("utf-8")).encode("utf-8")
            elif item.filename == "word/document.xml":
                data = _document(data.decode("utf-8")).encode("utf-8")
            dst.writestr(item, data)
    return out.getvalue()


def write_reference(pandoc: str, folder: Path) -> Path:
    path = folder / ".reference.docx"
    path.write_bytes(reference_bytes(pandoc))
    return path
