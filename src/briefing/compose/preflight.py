"""Validation at the door for a report's templates, layout and stylesheet.

Before anything renders, every section template and the layout (with the parts it may import,
the project's or the package's) are parsed by Jinja2 and the stylesheet by tinycss2 (the CSS
parser WeasyPrint itself uses), and every problem found is reported together as `path:line`. A
typo in the tenth template then costs one run, not ten.
"""

from __future__ import annotations

from pathlib import Path

from briefing.base.errors import Problems
from briefing.config.specs import ReportSpec

WHAT_CHANGED = "sections/what-changed.md.j2"


def check_templates(spec: ReportSpec, root: Path, problems: Problems, later_edition: bool) -> None:
    import jinja2

    from briefing.base.templating import PACKAGED, Outside, environment, locate

    templates = root / "templates"
    env = environment(templates)
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
            env.parse(source, name, str(found.path))
        except jinja2.TemplateSyntaxError as exc:
            problems.add(shown, exc.lineno, f"template syntax error: {exc.message}")
    for sheet in spec.stylesheets:
        check_stylesheet(templates / sheet, f"templates/{sheet}", problems)


def check_stylesheet(path: Path, shown: str, problems: Problems) -> None:
    import tinycss2

    try:
        css = path.read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError) as exc:
        problems.add(
            shown, None, f"cannot be read ({exc}); restore it or fix the report's 'stylesheets'"
        )
        return

    def rules(nodes, nested: bool) -> None:
        for node in nodes:
            if node.type == "error":
                problems.add(shown, node.source_line, f"CSS syntax error: {node.message}")
                continue
            if node.type not in ("qualified-rule", "at-rule"):
                continue
            for token in node.prelude or []:
                if token.type == "error":
                    problems.add(
                        shown,
                        token.source_line,
                        f"CSS syntax error: {token.message} (an unmatched brace?)",
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
                    problems.add(shown, item.source_line, f"CSS syntax error: {item.message}")
                elif item.type in ("qualified-rule", "at-rule"):
                    rules([item], True)

    rules(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True), False)
