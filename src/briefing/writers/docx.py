"""The DOCX writer: the document as a pandoc AST, turned into Word by pandoc.

Building pandoc's JSON AST directly (rather than Markdown text) means no text from the data is
ever re-parsed as markup, notes become native Word footnotes, headings use Word's own Heading
styles, and figures and tables get Word captions. pandoc runs with --sandbox: charts travel as
data: URIs inside the AST, so it needs to read no file at all.
"""

from __future__ import annotations

import base64
import functools
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pypandoc

from ..model import (
    BulletList,
    Cite,
    Document,
    Emph,
    Figure,
    Inline,
    Note,
    Paragraph,
    SourceList,
    Strong,
    Table,
    Text,
    long_date,
)

NO_ATTR: list[Any] = ["", [], []]
_SPACE = re.compile(r"(\s+)")


@functools.cache
def pandoc_path() -> str:
    return pypandoc.get_pandoc_path()


@functools.cache
def api_version() -> list[int]:
    """The AST version this pandoc speaks, asked once rather than assumed."""
    out = subprocess.run(
        [pandoc_path(), "--sandbox", "-f", "markdown", "-t", "json"],
        input=b"",
        capture_output=True,
        check=True,
    )
    return json.loads(out.stdout)["pandoc-api-version"]


# ---------------------------------------------------------------- inlines -------------------------


def words(text: str) -> list[dict]:
    out: list[dict] = []
    for piece in _SPACE.split(text):
        if not piece:
            continue
        out.append({"t": "Space"} if piece.isspace() else {"t": "Str", "c": piece})
    return out


def note_blocks(note: Note) -> list[dict]:
    inl: list[dict] = []
    for i, fact in enumerate(note.facts):
        if i:
            inl.append({"t": "Space"})
        for j, c in enumerate(fact.citations):
            if j:
                inl += words("; ")
            link_text = words(c.source.label)
            inl.append({"t": "Link", "c": [NO_ATTR, link_text, [f"#source-{c.source.id}", ""]]})
            inl += words(f", {c.source.published}, {c.locator}")
        inl += words(".")
    return [{"t": "Para", "c": inl}]


def inlines(nodes: list[Inline]) -> list[dict]:
    out: list[dict] = []
    for n in nodes:
        if isinstance(n, Text):
            out += words(n.text)
        elif isinstance(n, Strong):
            out.append({"t": "Strong", "c": inlines(n.children)})
        elif isinstance(n, Emph):
            out.append({"t": "Emph", "c": inlines(n.children)})
        elif isinstance(n, Cite):
            out.append({"t": "Note", "c": note_blocks(n.note)})
    return out


# ---------------------------------------------------------------- blocks --------------------------


def _figure(fig: Figure) -> dict:
    chart = fig.chart
    uri = "data:image/png;base64," + base64.b64encode(chart.png).decode("ascii")
    image = {
        "t": "Image",
        "c": [[f"img-{chart.id}", [], [["width", "100%"]]], words(chart.alt), [uri, ""]],
    }
    caption = [
        {
            "t": "Plain",
            "c": [
                {"t": "Strong", "c": words(f"Figure {chart.number}. {chart.title}.")},
                {"t": "Space"},
            ]
            + words(f"{chart.caption} {chart.source_line}"),
        }
    ]
    return {
        "t": "Figure",
        "c": [[f"figure-{chart.id}", [], []], [None, caption], [{"t": "Plain", "c": [image]}]],
    }


def _cell(content: list[dict]) -> list:
    return [NO_ATTR, {"t": "AlignDefault"}, 1, 1, [{"t": "Plain", "c": content}]]


def _table(t: Table) -> dict:
    colspecs = [[{"t": "AlignLeft"}, {"t": "ColWidth", "c": w}] for w in t.widths]
    head = [NO_ATTR, [[NO_ATTR, [_cell(words(c)) for c in t.columns]]]]
    rows = [[NO_ATTR, [_cell(inlines(cell)) for cell in row]] for row in t.rows]
    caption = [
        None,
        [
            {
                "t": "Plain",
                "c": [{"t": "Strong", "c": words(f"Table {t.number}.")}, {"t": "Space"}]
                + words(t.caption),
            }
        ],
    ]
    return {
        "t": "Table",
        "c": [
            [f"table-{t.number}", [], []],
            caption,
            colspecs,
            head,
            [[NO_ATTR, 0, [], rows]],
            [NO_ATTR, []],
        ],
    }


def _sources(block: SourceList) -> list[dict]:
    out = []
    for s in block.sources:
        head = words(s.outlet) + (words(" (advocate source)") if s.advocate else [])
        ref = words(
            f"“{s.title}”"
            + (f", by {s.byline}" if s.byline else "")
            + f". Published {s.published}. "
            f"Reference copy: {s.file}."
        )
        out.append(
            {
                "t": "Div",
                "c": [
                    [f"source-{s.id}", [], []],
                    [
                        {"t": "Para", "c": [{"t": "Strong", "c": head}]},
                        {"t": "Para", "c": ref},
                        {"t": "Para", "c": [{"t": "Emph", "c": words(s.perspective)}]},
                    ],
                ],
            }
        )
    return out


def blocks(doc: Document) -> list[dict]:
    out: list[dict] = []
    for section in doc.sections:
        out.append({"t": "Header", "c": [1, [section.id, [], []], words(section.title)]})
        for b in section.blocks:
            if isinstance(b, Paragraph):
                out.append({"t": "Para", "c": inlines(b.inlines)})
            elif isinstance(b, BulletList):
                out.append(
                    {"t": "BulletList", "c": [[{"t": "Para", "c": inlines(i)}] for i in b.items]}
                )
            elif isinstance(b, Figure):
                out.append(_figure(b))
            elif isinstance(b, Table):
                out.append(_table(b))
            elif isinstance(b, SourceList):
                out += _sources(b)
    return out


def _meta_inlines(text: str) -> dict:
    return {"t": "MetaInlines", "c": words(text)}


def meta(doc: Document) -> dict:
    return {
        "title": _meta_inlines(doc.title),
        "subtitle": _meta_inlines(doc.subtitle),
        "author": {"t": "MetaList", "c": [_meta_inlines(doc.author)]},
        "date": _meta_inlines(
            f"Information current to {doc.current_to} · Edition generated {long_date(doc.generated)}"
        ),
        "subject": {"t": "MetaString", "c": doc.subject},
        "description": {"t": "MetaString", "c": doc.subject},
        "keywords": {"t": "MetaList", "c": [_meta_inlines(k) for k in doc.keywords]},
        "lang": {"t": "MetaString", "c": doc.language},
        "toc-title": _meta_inlines("Contents"),
    }


def to_ast(doc: Document) -> dict:
    return {"pandoc-api-version": api_version(), "meta": meta(doc), "blocks": blocks(doc)}


def write_docx(doc: Document, target: Path) -> None:
    from .docx_reference import write_reference

    reference = write_reference(pandoc_path(), target.parent)
    args = [
        pandoc_path(),
        "--sandbox",
        "-f",
        "json",
        "-t",
        "docx",
        "--toc",
        "--toc-depth=1",
        f"--reference-doc={reference}",
        "-o",
        str(target),
    ]
    env = {**os.environ}
    env.setdefault("SOURCE_DATE_EPOCH", _epoch(doc))
    try:
        result = subprocess.run(
            args, input=json.dumps(to_ast(doc)).encode("utf-8"), capture_output=True, env=env
        )
    finally:
        reference.unlink(missing_ok=True)
    if result.returncode != 0:
        raise RuntimeError(
            f"pandoc failed ({result.returncode}): {result.stderr.decode(errors='replace')}"
        )


def _epoch(doc: Document) -> str:
    from datetime import UTC, datetime, time

    return str(int(datetime.combine(doc.generated, time(), tzinfo=UTC).timestamp()))
