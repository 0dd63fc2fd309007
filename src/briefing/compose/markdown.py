"""CommonMark (what prose templates render to) into the document's blocks and inlines.

markdown-it-py parses the text; each token becomes a node of the typed document. Placeholders
the helpers left (`[](cite:…)`, `[](method:)`, and `![](helper:arguments)` for a block, such as
`![](chart:…)` or `![](timeline:)`) become notes, method marks and the blocks the composer has
made. Anything else a template might
produce (headings, links, raw HTML) is refused with a message rather than passed through.
"""

from __future__ import annotations

from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.token import Token

from briefing.base.errors import Problems
from briefing.base.model import Block, BulletList, Cite, Emph, Inline, Paragraph, Strong, Text
from briefing.compose.notes import NoteBook

# A block placeholder's helper -> what makes its block from the placeholder's arguments.
BlockMaker = Callable[[str], Block]


class MarkdownReader:
    def __init__(self, notes: NoteBook, makers: dict[str, BlockMaker], problems: Problems):
        self.notes = notes
        self.makers = makers
        self.problems = problems
        self.md = MarkdownIt("commonmark", {"html": False, "typographer": True}).enable(
            ["replacements", "smartquotes"]
        )

    def blocks(self, text: str, shown: str) -> list[Block]:
        tokens = self.md.parse(text)
        blocks: list[Block] = []
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if tok.type == "paragraph_open":
                blocks.append(self._paragraph(tokens[i + 1], shown))
                i += 3
            elif tok.type == "bullet_list_open":
                items: list[list[Inline]] = []
                methods: list[bool] = []
                depth, j = 0, i
                while True:
                    t = tokens[j]
                    if t.type.endswith("list_open") or t.type.endswith("list_close"):
                        depth += t.nesting
                    if t.type == "inline":
                        inlines, method = self._inlines(t.children or [], shown)
                        items.append(inlines)
                        methods.append(method)
                    if t.type == "bullet_list_close" and depth == 0:
                        break
                    j += 1
                blocks.append(BulletList(items, methods))
                i = j + 1
            else:
                line = (tok.map[0] + 1) if tok.map else None
                self.problems.add(
                    shown,
                    None,
                    f"unsupported markup {tok.type!r} near rendered line {line}; "
                    "use paragraphs, '- ' bullets, **bold** and *italic*",
                )
                i += 1
        return blocks

    def _paragraph(self, inline: Token, shown: str) -> Block:
        children = inline.children or []
        if len(children) == 1 and children[0].type == "image":
            kind, _, name = (children[0].attrGet("src") or "").partition(":")
            if kind in self.makers:
                return self.makers[kind](name)
        inlines, method = self._inlines(children, shown)
        return Paragraph(inlines, method)

    def _inlines(self, tokens: list[Token], shown: str) -> tuple[list[Inline], bool]:
        """The inlines of one paragraph or bullet, and whether it was marked as method."""
        stack: list[list[Inline]] = [[]]
        wrappers: list[type] = []
        method = False
        for tok in tokens:
            href = (tok.attrGet("href") or "") if tok.type == "link_open" else ""
            if tok.type in ("text", "code_inline"):
                _append_text(stack[-1], tok.content)
            elif tok.type in ("softbreak", "hardbreak"):
                _append_text(stack[-1], " ")
            elif tok.type in ("strong_open", "em_open"):
                wrappers.append(Strong if tok.type == "strong_open" else Emph)
                stack.append([])
            elif tok.type in ("strong_close", "em_close"):
                children = stack.pop()
                stack[-1].append(wrappers.pop()(children))
            elif href.startswith("cite:") and href[5:] in self.notes.pending:
                stack[-1].append(Cite(self.notes.for_cite(href[5:])))
            elif href.startswith("cite:"):  # a placeholder written by hand, not made by cite()
                self.problems.add(
                    shown,
                    None,
                    f"[]({href}) is not a note cite() made; cite facts with cite('fact-id')",
                )
            elif href == "method:":
                method = True
            elif tok.type == "link_close":
                continue
            else:
                self.problems.add(
                    shown,
                    None,
                    f"unsupported inline markup {tok.type!r}; links and images are not allowed in prose",
                )
        return stack[0], method


def _append_text(into: list[Inline], text: str) -> None:
    if into and isinstance(into[-1], Text):
        into[-1].text += text
    else:
        into.append(Text(text))
