"""The one way templates are loaded and run: Jinja2's sandboxed environment, with a loader that
stays inside `templates/`.

Templates are trusted content, but contained: the sandbox keeps them to the data and helpers
they are given (no attribute starting with an underscore, no calling what they were not
handed), and the loader refuses a name or a symbolic link that leads outside the templates
folder, so a template cannot include `/etc/passwd` or a file elsewhere in the project.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment


class ContainedLoader(jinja2.FileSystemLoader):
    def __init__(self, root: Path):
        super().__init__(root)
        self.root = root.resolve()

    def get_source(self, environment: jinja2.Environment, template: str):
        source, filename, uptodate = super().get_source(environment, template)
        if not Path(filename).resolve().is_relative_to(self.root):
            raise jinja2.TemplateNotFound(
                f"{template} (it leads outside the templates folder, which is not allowed)"
            )
        return source, filename, uptodate


def environment(templates: Path, **options: Any) -> SandboxedEnvironment:
    return SandboxedEnvironment(loader=ContainedLoader(templates), **options)


def kind(node: object) -> str:
    """A document node's type name, for layouts (the sandbox hides __class__)."""
    return type(node).__name__
