"""Validation at the door for a report's templates, layout and stylesheet.

Before anything renders, every section template and the layout (with the parts it may import,
the project's or the package's) are parsed by Jinja2 and the stylesheet by tinycss2 (the CSS
parser WeasyPrint itself uses), and every problem found is reported together as `path:line`. A
typo in the tenth template then costs one run, not ten.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from briefing.base.errors import Problems
from briefing.config.specs import ReportSpec

WHAT_CHANGED = "sections/what-changed.md.j2"
# A template that includes itself, directly or through others, recurses until Python stops it.
RECURSION = (
    "template error: it includes itself, directly or through the templates it includes, and "
    "would never end; remove the include that leads back to it"
)


def include_circles(
    trees: dict[str, tuple[str, Any]], roots: list[str]
) -> list[tuple[str, str, int]]:
    """Each template the `roots` lead to whose includes (or imports, or extends) by a fixed
    name lead back to it, directly or through the others parsed, as (name, name as shown, line of its first include
    that leads back). Found from the syntax trees before anything renders: rendering such a
    template recurses until Python stops it, which takes seconds and names no line. A name
    computed at run time is left to the render, which still catches the recursion."""
    from jinja2 import nodes

    kinds = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)
    edges = {
        name: [
            (node.template.value, node.lineno)
            for node in tree.find_all(kinds)
            if isinstance(node.template, nodes.Const) and node.template.value in trees
        ]
        for name, (_, tree) in trees.items()
    }

    def reach(start: str) -> set[str]:
        seen: set[str] = set()
        todo = [start]
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo += [target for target, _ in edges[name]]
        return seen

    used = set().union(*(reach(root) for root in roots if root in trees))
    found = []
    for name in (n for n in edges if n in used):
        line = next((line for target, line in edges[name] if name in reach(target)), None)
        if line is not None:
            found.append((name, trees[name][0], line))
    return found


def check_templates(spec: ReportSpec, root: Path, problems: Problems, later_edition: bool) -> None:
    import jinja2

    from briefing.base.templating import PACKAGED, Outside, locate

    templates = root / "templates"
    # The layout and the partials it may import: everything under layouts/, the project's and
    # the package's (a project file of the same name overrides the packaged one).
    layouts = sorted(
        p.relative_to(folder).as_posix()
        for folder in (templates, PACKAGED)
        for p in (folder / "layouts").glob("*.j2")
    )
    names = [s.template for s in spec.sections] + [spec.layout, *layouts]
    if later_edition:
        names.append(WHAT_CHANGED)
    trees: dict[str, tuple[str, Any]] = {}  # name -> (as messages show it, syntax tree)
    for name in dict.fromkeys(names):
        shown = f"templates/{name}"
        try:
            found = locate(templates, name)
        except Outside:
            problems.add(shown, None, "leads outside the templates folder, which is not allowed")
            continue
        if found is None:
            problems.add(shown, None, "missing; restore it or change the report definition")
            continue
        shown = found.shown
        try:
            source = found.path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            problems.add(shown, None, f"not valid UTF-8 ({exc.reason}); save it as UTF-8")
            continue
        try:
            trees[name] = (shown, _parsed(templates, source, name, str(found.path)))
        except jinja2.TemplateSyntaxError as exc:
            problems.add(shown, exc.lineno, f"template syntax error: {exc.message}")
    roots = [s.template for s in spec.sections] + [spec.layout]
    for name, shown, line in include_circles(trees, roots + [WHAT_CHANGED] * later_edition):
        layout = name.startswith("layouts/")
        problems.add(
            shown, line, RECURSION.replace("template", "layout", 1) if layout else RECURSION
        )
    for sheet in spec.stylesheets:
        check_stylesheet(templates / sheet, f"templates/{sheet}", problems)


@functools.lru_cache(maxsize=256)
def _parsed(templates: Path, source: str, name: str, filename: str) -> Any:
    """A template's syntax tree, kept for the life of the process while its source is the same
    (`briefing preview` checks the same templates on every save). Syntax errors are raised."""
    from briefing.base.templating import environment

    return environment(templates).parse(source, name, filename)


def check_stylesheet(path: Path, shown: str, problems: Problems) -> None:
    try:
        css = path.read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError) as exc:
        problems.add(
            shown, None, f"cannot be read ({exc}); restore it or fix the report's 'stylesheets'"
        )
        return
    for line, message in _css_problems(css):
        problems.add(shown, line, message)


@functools.lru_cache(maxsize=32)
def _css_problems(css: str) -> tuple[tuple[int, str], ...]:
    """A stylesheet's syntax errors, by line (kept while its text is the same)."""
    import tinycss2

    found: list[tuple[int, str]] = []

    def rules(nodes, nested: bool) -> None:
        for node in nodes:
            if node.type == "error":
                found.append((node.source_line, f"CSS syntax error: {node.message}"))
                continue
            if node.type not in ("qualified-rule", "at-rule"):
                continue
            for token in node.prelude or []:
                if token.type == "error":
                    found.append(
                        (
                            token.source_line,
                            f"CSS syntax error: {token.message} (an unmatched brace?)",
                        )
                    )
            if node.content is None:
                continue
            if node.type == "at-rule" and node.lower_at_keyword in (
                "media",
                "supports",
                "document",
            ):
                rules(tinycss2.parse_rule_list(node.content, True, True), True)
                continue
            for item in tinycss2.parse_blocks_contents(node.content, True, True):
                if item.type == "error":
                    found.append((item.source_line, f"CSS syntax error: {item.message}"))
                elif item.type in ("qualified-rule", "at-rule"):
                    rules([item], True)

    rules(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True), False)
    return tuple(found)
