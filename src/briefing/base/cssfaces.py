"""Which faces a page's stylesheet makes its text ask for: a cascade of the three properties
that choose a face (family, weight, style), over the page's own elements.

A page embeds only the faces it shows (webfonts.py), and what an element shows depends on the
cascade: `.edition dd { font-weight: 600 }` is sans because `.edition` is, `.source-line`'s
italic is sans because it sits in a caption. Reading declarations alone cannot tell; this does,
with tinycss2 (which parses the stylesheet as the print does) and cssselect2 (which matches its
selectors), both of them already what the PDF is made with.

It errs only towards more faces, never fewer, since a missing face is drawn from the wrong one:
a rule under @media (or one that needs :hover, :focus, :target) may or may not apply, so its
value is one more possibility beside the rule it would override, and a selector it cannot read
applies everywhere, as a possibility. An element's text asks for every combination of its
possible family, weight and style.
"""

from __future__ import annotations

import functools
import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser

import cssselect2
import tinycss2
from tinycss2 import ast

VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
HIDDEN = frozenset({"head", "title", "style", "script", "template"})
# A browser's own stylesheet: weights and styles an element has before the page's CSS.
UA_WEIGHT = {**dict.fromkeys(("h1", "h2", "h3", "h4", "h5", "h6", "th"), 700)}
UA_BOLDER = frozenset({"strong", "b"})
UA_ITALIC = frozenset({"em", "i", "cite", "var", "dfn", "address"})
# Pseudo-classes that hold for some moments of reading (cssselect2, being static, says never).
_DYNAMIC = re.compile(r":(?:hover|focus-visible|focus-within|focus|active|visited|target)\b")
_SIZES = frozenset(
    [
        "xx-small",
        "x-small",
        "small",
        "medium",
        "large",
        "x-large",
        "xx-large",
        "xxx-large",
        "larger",
        "smaller",
    ]
)
_SYSTEM_FONTS = frozenset(["caption", "icon", "menu", "message-box", "small-caption", "status-bar"])
_GENERATED = frozenset({"before", "after", "marker"})
# At-rules whose rules apply to the page's elements, under a condition.
GROUPS = frozenset({"media", "supports", "layer", "container", "document", "scope"})
_FONT_PROPERTIES = frozenset({"font-family", "font-weight", "font-style", "font", "content"})


class _Tree(HTMLParser):
    """The page as an ElementTree, each element's own text kept beside it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = ET.Element("document")
        self.stack = [self.root]
        self.css: list[str] = []
        self.texts: dict[ET.Element, bool] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = ET.SubElement(self.stack[-1], tag, {k: v or "" for k, v in attrs})
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        ET.SubElement(self.stack[-1], tag, {k: v or "" for k, v in attrs})

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        here = self.stack[-1]
        if here.tag == "style":
            self.css.append(data)
        elif data.strip():
            self.texts[here] = True


@dataclass(frozen=True)
class _Declaration:
    name: str  # font-family, font-weight, font-style, font, content
    value: list  # tinycss2 component values, whitespace and comments dropped
    conditional: bool
    important: bool


def _values(tokens: list) -> list:
    return [t for t in tokens if t.type not in ("whitespace", "comment")]


def _rules(nodes: list, conditional: bool, order: Iterator[int]) -> Iterator[tuple]:
    """(selector text, its order, declarations, conditional) for each style rule, at-rules'
    rules included and marked conditional; @font-face, @page and the like hold no element's
    style."""
    for node in nodes:
        if node.type == "qualified-rule":
            decls = [
                d
                for d in tinycss2.parse_blocks_contents(node.content, True, True)
                if d.type == "declaration"
            ]
            yield tinycss2.serialize(node.prelude).strip(), next(order), decls, conditional
        elif (
            node.type == "at-rule" and node.content is not None and node.lower_at_keyword in GROUPS
        ):
            inner = tinycss2.parse_rule_list(node.content, True, True)
            yield from _rules(inner, True, order)


class Styles:
    """The page's rules, matched against its elements."""

    def __init__(self, css: str) -> None:
        self.matcher = cssselect2.Matcher()
        self.everywhere: list[tuple[tuple, int, str | None, list[_Declaration]]] = []
        self.custom: dict[str, list[list]] = {}
        nodes = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
        for prelude, order, decls, conditional in _rules(nodes, False, itertools.count()):
            kept = []
            for d in decls:
                if d.name.startswith("--"):
                    self.custom.setdefault(d.name, []).append(_values(d.value))
                elif d.lower_name in _FONT_PROPERTIES:
                    kept.append(_Declaration(d.lower_name, _values(d.value), False, d.important))
            if not kept:
                continue
            dynamic = _DYNAMIC.search(prelude) is not None
            text = _DYNAMIC.sub(":is(*)", prelude)
            maybe = conditional or dynamic
            kept = [_Declaration(d.name, d.value, maybe, d.important) for d in kept]
            try:
                selectors = cssselect2.compile_selector_list(text)
            except cssselect2.SelectorError:
                # Unreadable: it may apply anywhere, to the element or its generated text.
                unsure = [_Declaration(d.name, d.value, True, d.important) for d in kept]
                for pseudo in (None, *_GENERATED):
                    self.everywhere.append(((0, 0, 0), order, pseudo, unsure))
                continue
            for selector in selectors:
                self.matcher.add_selector(selector, (order, kept))

    def matches(self, wrapper) -> dict[str | None, list[_Declaration]]:
        """The declarations that apply to an element and to its generated boxes, in cascade
        order (importance, specificity, order)."""
        found = [(s, o, p, d) for s, o, p, (_, d) in self.matcher.match(wrapper)]
        found += self.everywhere
        found.sort(key=lambda m: (m[0], m[1]))
        by_pseudo: dict[str | None, list[tuple[bool, int, _Declaration]]] = {}
        for rank, (_spec, _order, pseudo, decls) in enumerate(found):
            for d in decls:
                by_pseudo.setdefault(pseudo, []).append((d.important, rank, d))
        return {
            p: [d for *_, d in sorted(ds, key=lambda x: (x[0], x[1]))]
            for p, ds in by_pseudo.items()
        }

    def resolve(self, tokens: list) -> list[list]:
        """The token lists `tokens` may stand for once each var() is replaced (one list per
        definition of the custom property; a few at most)."""
        results: list[list] = [[]]
        for token in tokens:
            if token.type == "function" and token.lower_name == "var":
                args = _values(token.arguments)
                name = args[0].value if args and args[0].type == "ident" else ""
                fallback = [_values(args[2:])] if len(args) > 2 else [[]]  # var(--x, fallback)
                options = self.custom.get(name) or fallback
                results = [r + o for r in results for o in options][:16]
            else:
                results = [r + [token] for r in results]
        return results


def _families(tokens: list) -> tuple[str, ...]:
    """The families of a font-family list, quoted or not, in order. All of them, not the
    first alone: a browser that lacks the first goes on down the list."""
    names, words = [], []
    for token in [*tokens, ast.LiteralToken(0, 0, ",")]:
        if token.type == "string" or token.type == "ident":
            words.append(token.value)
        elif token.type == "literal" and token.value == ",":
            if words:
                names.append(" ".join(words))
            words = []
    return tuple(names)


def _weight(token, parent: int) -> int | None:
    if token.type == "number" and token.int_value is not None and 1 <= token.int_value <= 1000:
        return token.int_value
    if token.type != "ident":
        return None
    word = token.lower_value
    if word == "normal":
        return 400
    if word == "bold":
        return 700
    if word == "bolder":
        return _bolder(parent)
    if word == "lighter":
        return 100 if parent < 550 else 400 if parent < 750 else 700
    return None


@dataclass(frozen=True)
class Font:
    families: tuple[str, ...]
    weight: int
    italic: bool


def _bolder(weight: int) -> int:
    return 400 if weight < 350 else 700 if weight < 550 else 900


def _shorthand(tokens: list, parent: Font) -> Font | None:
    """A `font` declaration: style and weight before the size, the families after it."""
    if len(tokens) == 1 and tokens[0].type == "ident" and tokens[0].lower_value in _SYSTEM_FONTS:
        return Font((), 400, False)
    weight, italic = 400, False
    for i, token in enumerate(tokens):
        if token.type in ("dimension", "percentage") or (
            token.type == "ident" and token.lower_value in _SIZES
        ):
            rest = tokens[i + 1 :]
            if rest and rest[0].type == "literal" and rest[0].value == "/":
                rest = rest[2:]
            return Font(_families(rest), weight, italic)
        if token.type == "ident" and token.lower_value in ("italic", "oblique"):
            italic = True
        elif (w := _weight(token, parent.weight)) is not None:
            weight = w
    return None


def _apply(styles: Styles, decls: list[_Declaration], parents: set[Font], tag: str) -> set[Font]:
    """The fonts an element (or a generated box) may have: its parent's, its browser
    defaults, then its declarations in cascade order, each conditional one a possibility
    beside the value it would replace."""
    current = set()
    for parent in parents:
        weight, italic = parent.weight, parent.italic
        if tag in UA_WEIGHT:
            weight = UA_WEIGHT[tag]
        if tag in UA_BOLDER:
            weight = _bolder(weight)
        current.add(Font(parent.families, weight, italic or tag in UA_ITALIC))
    for d in decls:
        if d.name == "content":
            continue
        after = set()
        for font in current:
            for tokens in styles.resolve(d.value):
                after.add(_declare(d.name, tokens, font, parents))
        after.discard(None)
        if not after:
            continue
        current = current | after if d.conditional else after
    return current


def _declare(name: str, tokens: list, font: Font, parents: set[Font]) -> Font | None:
    if not tokens:
        return None
    keyword = tokens[0].lower_value if tokens[0].type == "ident" and len(tokens) == 1 else ""
    if keyword in ("inherit", "unset", "initial", "revert", "revert-layer"):
        return None  # as inherited (or near enough: the possibilities are kept)
    if name == "font-family":
        return Font(_families(tokens), font.weight, font.italic)
    if name == "font-weight":
        parent = max((p.weight for p in parents), default=400)
        w = _weight(tokens[0], parent)
        return Font(font.families, w, font.italic) if w is not None else None
    if name == "font-style":
        return Font(font.families, font.weight, keyword in ("italic", "oblique"))
    return _shorthand(tokens, font)


def _has_content(decls: list[_Declaration]) -> bool:
    shown = [d for d in decls if d.name == "content"]
    return bool(shown) and any(
        not (
            len(d.value) == 1
            and d.value[0].type == "ident"
            and d.value[0].lower_value in ("none", "normal")
        )
        for d in shown
    )


@functools.lru_cache(maxsize=8)
def _styles(css: str) -> Styles:
    """The rules of a stylesheet, read once while its text is the same (a preview renders the
    same stylesheet on every save)."""
    return Styles(css)


def asked_fonts(html: str) -> set[Font]:
    """Every family, weight and style that some text of `html` (its own, a list marker's,
    or what its CSS generates) may ask for."""
    tree = _Tree()
    tree.feed(html)
    tree.close()
    styles = _styles("\n".join(tree.css))
    asked: set[Font] = set()
    start = {Font((), 400, False)}
    fonts_of: dict[ET.Element, set[Font]] = {}
    hidden: set[ET.Element] = set()
    top = next((e for e in tree.root if e.tag == "html"), tree.root)
    for wrapper in cssselect2.ElementWrapper.from_html_root(top).iter_subtree():
        element = wrapper.etree_element
        parent = wrapper.parent.etree_element if wrapper.parent is not None else None
        matched = styles.matches(wrapper)
        inherited = fonts_of.get(parent, start) if parent is not None else start
        mine = _apply(styles, matched.get(None, []), inherited, element.tag)
        fonts_of[element] = mine
        if element.tag in HIDDEN or parent in hidden:
            hidden.add(element)
            continue
        if tree.texts.get(element) or element.tag == "li":
            asked |= mine
        for pseudo in _GENERATED:
            decls = matched.get(pseudo, [])
            if pseudo == "marker" and element.tag == "li" or _has_content(decls):
                asked |= _apply(styles, decls, mine, "")
    return asked
