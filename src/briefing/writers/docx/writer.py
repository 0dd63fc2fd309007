"""The DOCX writer: the document as a pandoc AST, turned into Word by pandoc.

Building pandoc's JSON AST directly (rather than Markdown text) means no text from the data is
ever re-parsed as markup, notes become native Word footnotes, headings use Word's own Heading
styles, and figures and tables get Word captions. pandoc runs with --sandbox: charts travel as
data: URIs inside the AST, so it needs to read no file at all.
"""

from __future__ import annotations

import base64
import errno
import functools
import json
import os
import re
import signal
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypandoc

from briefing.base.model import (
    BulletList,
    Cite,
    Document,
    Emph,
    Figure,
    Inline,
    JudgmentList,
    Note,
    Paragraph,
    SourceList,
    Strong,
    Table,
    Text,
    long_date,
)
from briefing.base.wording import NoteStyle, label, source_entry

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


def note_blocks(note: Note, style: NoteStyle) -> list[dict]:
    inl: list[dict] = []
    for part in style(note):
        inl += words(part.separator)
        text = words(part.link_text)
        if part.linked:
            inl.append({"t": "Link", "c": [NO_ATTR, text, [f"#source-{part.source_id}", ""]]})
        else:
            inl += text
        inl += words(part.tail)
    return [{"t": "Para", "c": inl}]


def inlines(nodes: list[Inline], present: NoteStyle) -> list[dict]:
    out: list[dict] = []
    for n in nodes:
        match n:
            case Text():
                out += words(n.text)
            case Strong():
                out.append({"t": "Strong", "c": inlines(n.children, present)})
            case Emph():
                out.append({"t": "Emph", "c": inlines(n.children, present)})
            case Cite() if n.repeat:
                # Word numbers footnotes itself; a note met again shows its number as text.
                out.append({"t": "Superscript", "c": words(str(n.note.number))})
            case Cite():
                out.append({"t": "Note", "c": note_blocks(n.note, present)})
            case _:
                raise TypeError(f"the DOCX writer has no rule for {type(n).__name__} nodes")
    return out


# ---------------------------------------------------------------- blocks --------------------------


def _figure(fig: Figure, width: str = "100%") -> list[dict]:
    """As in the PDF: the numbered title above the chart, the caption and source below it."""
    chart = fig.chart
    uri = "data:image/png;base64," + base64.b64encode(chart.png).decode("ascii")
    image = {
        "t": "Image",
        "c": [[f"img-{chart.id}", [], [["width", width]]], words(chart.alt), [uri, ""]],
    }
    title = [
        {"t": "Strong", "c": words(label("figure", n=chart.number))},
        {"t": "Space"},
    ] + words(chart.title)
    caption = [{"t": "Plain", "c": words(f"{chart.caption} {chart.source_line}")}]
    return [
        _styled("Figure Title", [{"t": "Para", "c": title}]),
        {
            "t": "Figure",
            "c": [[f"figure-{chart.id}", [], []], [None, caption], [{"t": "Plain", "c": [image]}]],
        },
    ]


def _pandoc_table(
    ident: str,
    caption: list[dict],
    colspecs: list,
    columns: list[str],
    rows: list[list[list[dict]]],
) -> dict:
    """One pandoc Table node: a caption, a header row of plain words, body rows of inlines."""
    head = [NO_ATTR, [[NO_ATTR, [_cell(words(c)) for c in columns]]]]
    body = [[NO_ATTR, [_cell(cell) for cell in row]] for row in rows]
    return {
        "t": "Table",
        "c": [
            [ident, [], []],
            [None, [{"t": "Plain", "c": caption}]],
            colspecs,
            head,
            [[NO_ATTR, 0, [], body]],
            [NO_ATTR, []],
        ],
    }


def _chart_data(fig: Figure) -> list[dict]:
    """The plotted values under the figure, so no number lives only in the picture."""
    chart = fig.chart
    if not chart.data_rows or not chart.data_printed:  # a table of the document lists them
        return []
    colspecs = [[{"t": "AlignLeft"}, {"t": "ColWidthDefault"}] for _ in chart.data_columns]
    rows = [[words(cell) for cell in row] for row in chart.data_rows]
    caption = words(label("chart_data", n=chart.number))
    return [_pandoc_table(f"figure-{chart.id}-data", caption, colspecs, chart.data_columns, rows)]


def _cell(content: list[dict]) -> list:
    return [NO_ATTR, {"t": "AlignDefault"}, 1, 1, [{"t": "Plain", "c": content}]]


def _table(t: Table, present: NoteStyle) -> dict:
    colspecs = [[{"t": "AlignLeft"}, {"t": "ColWidth", "c": w}] for w in t.widths]
    rows = [[inlines(cell, present) for cell in row] for row in t.rows]
    caption = [{"t": "Strong", "c": words(label("table", n=t.number))}, {"t": "Space"}]
    caption += words(t.caption)
    return _pandoc_table(f"table-{t.number}", caption, colspecs, t.columns, rows)


def _sources(block: SourceList) -> list[dict]:
    out = []
    for s in block.sources:
        e = source_entry(s)
        head = words(e.heading) + (words(f" ({e.badge})") if e.badge else [])
        out.append(
            {
                "t": "Div",
                "c": [
                    [f"source-{s.id}", [], []],
                    [
                        {"t": "Para", "c": [{"t": "Strong", "c": head}]},
                        {"t": "Para", "c": words(e.reference)},
                        {"t": "Para", "c": [{"t": "Emph", "c": words(e.perspective)}]},
                        *(
                            [
                                {
                                    "t": "Para",
                                    "c": [{"t": "Strong", "c": words(e.grade)}, {"t": "Space"}]
                                    + words(e.grade_reason),
                                }
                            ]
                            if e.grade
                            else []
                        ),
                    ],
                ],
            }
        )
    return out


def _styled(style: str, content: list[dict]) -> dict:
    """A Div whose paragraphs take a named Word style from the reference document."""
    return {"t": "Div", "c": [["", [], [["custom-style", style]]], content]}


def _judgments(block: JudgmentList, style: NoteStyle) -> list[dict]:
    out = []
    for item in block.items:
        j = item.judgment
        head = label("judgment", n=item.number) if item.number else label("alternative")
        tags = " · ".join(
            [
                head,
                label("likelihood", term=j.likelihood.capitalize(), band=item.band),
                label("confidence", level=j.confidence.capitalize()),
            ]
        )
        body = [
            {
                "t": "Para",
                "c": [{"t": "Strong", "c": words(f"{j.title}.")}, {"t": "Space"}]
                + inlines(item.statement, style),
            }
        ]
        for lead, text in (
            (label("why_confidence"), j.confidence_reason),
            (label("less_likely"), j.less_likely_because),
            (label("would_change"), j.would_change),
        ):
            if text:
                body.append(
                    {
                        "t": "Para",
                        "c": [{"t": "Strong", "c": words(lead)}, {"t": "Space"}] + words(text),
                    }
                )
        out.append(
            _styled("Judgment Label", [{"t": "Para", "c": [{"t": "Strong", "c": words(tags)}]}])
        )
        out.append(_styled("Judgment", body))
    return out


@dataclass(frozen=True)
class Context:
    """What a block's rule sees besides the block: the document and how its notes read."""

    doc: Document
    present: NoteStyle


Rule = Callable[[Any, Context], list[dict]]
# A block's type -> its Word rule: the pandoc blocks it becomes. A block with none is an error.
RULES: dict[type, Rule] = {
    Paragraph: lambda b, c: [{"t": "Para", "c": inlines(b.inlines, c.present)}],
    BulletList: lambda b, c: [
        {"t": "BulletList", "c": [[{"t": "Para", "c": inlines(i, c.present)}] for i in b.items]}
    ],
    # A brief (no contents) sets its charts smaller, as its PDF does.
    Figure: lambda b, c: _figure(b, "100%" if c.doc.contents else "65%") + _chart_data(b),
    Table: lambda b, c: [_table(b, c.present)],
    SourceList: lambda b, c: _sources(b),
    JudgmentList: lambda b, c: _judgments(b, c.present),
}


def blocks(doc: Document) -> list[dict]:
    context = Context(doc, NoteStyle(doc.notes, {s.id for s in doc.sources}))
    out: list[dict] = []
    for section in doc.sections:
        out.append({"t": "Header", "c": [1, [section.id, [], []], words(section.title)]})
        for b in section.blocks:
            rule = RULES.get(type(b))
            if rule is None:
                raise TypeError(
                    f"the DOCX writer has no rule for {type(b).__name__} blocks; add one to "
                    "RULES in writers/docx/writer.py"
                )
            out += rule(b, context)
    return out


def _meta_inlines(text: str) -> dict:
    return {"t": "MetaInlines", "c": words(text)}


def meta(doc: Document) -> dict:
    # The age of the information, when stale, sits on the title page as the cover's does.
    aged = (
        {
            "abstract": _meta_inlines(doc.age_note),
            "abstract-title": _meta_inlines(label("age_title")),
        }
        if doc.age_note
        else {}
    )
    return {
        **aged,
        "title": _meta_inlines(doc.title),
        "subtitle": _meta_inlines(doc.subtitle),
        "author": {"t": "MetaList", "c": [_meta_inlines(doc.author)]},
        "date": _meta_inlines(
            f"{label('current_to')} {doc.current_to} · {label('generated')} {long_date(doc.generated)}"
        ),
        "subject": {"t": "MetaString", "c": doc.subject},
        "description": {"t": "MetaString", "c": doc.subject},
        "keywords": {"t": "MetaList", "c": [_meta_inlines(k) for k in doc.keywords]},
        "lang": {"t": "MetaString", "c": doc.language},
        "toc-title": _meta_inlines(label("contents")),
    }


def to_ast(doc: Document) -> dict:
    return {"pandoc-api-version": api_version(), "meta": meta(doc), "blocks": blocks(doc)}


PANDOC_RTS = "-H1m -A1m"


def write_docx(doc: Document, target: Path) -> None:
    from briefing.writers.docx.finish import finish
    from briefing.writers.docx.reference import write_reference

    reference = write_reference(pandoc_path(), target.parent, doc.title, brief=not doc.contents)
    args = [
        pandoc_path(),
        "--sandbox",
        "-f",
        "json",
        "-t",
        "docx",
        *(["--toc", "--toc-depth=1"] if doc.contents else []),
        f"--reference-doc={reference}",
        "-o",
        str(target),
    ]
    env = {**os.environ}
    env.setdefault("SOURCE_DATE_EPOCH", _epoch(doc))
    # pandoc's runtime reserves a 64 MB heap up front; it needs far less for a briefing, and it
    # runs beside the PDF engine. Same output, about 60 MB less at the build's peak.
    env.setdefault("GHCRTS", PANDOC_RTS)
    try:
        run_pandoc(args, json.dumps(to_ast(doc)).encode("utf-8"), env, target)
    finally:
        reference.unlink(missing_ok=True)
    finish(target, doc)


# What the user's machine can cause when pandoc writes: reported like the same error met by
# our own writes (exit 2 naming the folder), not as a failure of briefing.
_PANDOC_OS_ERRORS = (
    errno.ENOSPC,
    errno.EDQUOT,
    errno.EFBIG,
    errno.EROFS,
    errno.EACCES,
    errno.EPERM,
)


def run_pandoc(args: list[str], data: bytes, env: dict[str, str], target: Path) -> None:
    """pandoc, with a failure to write its output raised as the OSError it is: pandoc reports
    it as `<path>: withBinaryFile: resource exhausted (No space left on device)`, or is stopped
    by SIGXFSZ when the file size limit is reached."""
    result = subprocess.run(args, input=data, capture_output=True, env=env)
    if result.returncode == 0:
        return
    if result.returncode == -signal.SIGXFSZ:
        # Over the file size limit (ulimit -f), the kernel stops pandoc before it can say so
        # (subprocess restores the signal's default, which Python itself ignores).
        raise OSError(errno.EFBIG, os.strerror(errno.EFBIG), str(target))
    stderr = result.stderr.decode(errors="replace")
    for code in _PANDOC_OS_ERRORS:
        if f"({os.strerror(code)})" in stderr:
            raise OSError(code, os.strerror(code), str(target))
    raise RuntimeError(f"pandoc failed ({result.returncode}): {stderr}")


def _epoch(doc: Document) -> str:
    from datetime import UTC, datetime, time

    return str(int(datetime.combine(doc.generated, time(), tzinfo=UTC).timestamp()))


class DocxWriter:
    """Word, through pandoc, from an AST built directly from the document."""

    def write(self, doc: Document, target: Path, ctx: object) -> None:
        write_docx(doc, target)
