"""The one way templates are found, loaded and run: two folders, looked in in order, and Jinja2's
sandboxed environment.

The project's `templates/` comes first, then the package's own (`briefing/templates/`), which
holds the templates the engine cannot work without: the parts every layout shares
(`layouts/_parts.html.j2`: a rule for each document block), the what-changed section, the mail
(`email/`) and the output folder's index (`layouts/index.html.j2`). A project file with the
same name overrides the packaged one; removing it brings the packaged one back. Report content
(layouts, section templates, stylesheets) lives in the project only.

Templates are trusted content, but contained: the sandbox keeps them to the data and helpers
they are given (no attribute starting with an underscore, no calling what they were not
handed), and a name or a symbolic link that leads outside the folder it was found in is
refused, so a template cannot include `/etc/passwd` or a file elsewhere in the project.

Finding a file (`locate`) does not import Jinja2: the up-to-date decision reads templates'
checksums through it before anything renders.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

PACKAGED = Path(__file__).resolve().parent.parent / "templates"
OUTSIDE = "it leads outside the templates folder, which is not allowed"


class Outside(Exception):
    """A template name or link that leads outside the folder it was looked up in."""


@dataclass(frozen=True)
class Found:
    name: str  # as templates name it: "layouts/_parts.html.j2"
    path: Path  # the file, as found (not resolved)
    packaged: bool  # from the package, not the project

    @property
    def shown(self) -> str:
        """The file as messages name it: `templates/<name>` in the project, the packaged file's
        own path otherwise (so a line number leads to the file that has it)."""
        return str(self.path) if self.packaged else f"templates/{self.name}"

    @property
    def key(self) -> str:
        """The file as a manifest names it: the same wherever the package is installed."""
        return f"briefing/templates/{self.name}" if self.packaged else f"templates/{self.name}"


def _pieces(name: str) -> list[str]:
    """`name` split as Jinja2's own file loader splits it: no `..`, no system separators."""
    pieces = []
    for piece in name.split("/"):
        if os.sep in piece or (os.altsep and os.altsep in piece) or piece == os.pardir:
            raise Outside(name)
        if piece and piece != ".":
            pieces.append(piece)
    return pieces


def folders(templates: Path) -> tuple[tuple[Path, bool], ...]:
    """Where templates are looked for, in order, each with whether it is the package's."""
    return ((templates, False), (PACKAGED, True))


def locate(templates: Path, name: str) -> Found | None:
    """The file `name` stands for: the project's (under `templates`) if it has one, else the
    packaged one; None if neither exists. Raises Outside for a name or link leading out."""
    pieces = _pieces(name)
    for root, packaged in folders(templates):
        path = root.joinpath(*pieces)
        if path.is_file():
            if not path.resolve().is_relative_to(root.resolve()):
                raise Outside(name)
            return Found("/".join(pieces), path, packaged)
    return None


def names(templates: Path) -> list[str]:
    """Every template name either folder holds (hidden files and caches aside)."""
    found: set[str] = set()
    for root, _packaged in folders(templates):
        if root.is_dir():
            found.update(
                p.relative_to(root).as_posix()
                for p in root.rglob("*")
                if p.is_file()
                and not any(
                    part.startswith(".") or part == "__pycache__"
                    for part in p.relative_to(root).parts
                )
            )
    return sorted(found)


def shown(filename: str, templates: Path) -> str:
    """A loaded template's file (as Jinja2 holds it) as messages name it."""
    path = Path(filename)
    for root, packaged in folders(templates):
        if path.is_relative_to(root):
            name = path.relative_to(root).as_posix()
            return Found(name, path, packaged).shown
    return filename


def shown_as(name: str, filename: str | None) -> str:
    """A loaded template (its name, and its file as Jinja2 holds it) as messages name it."""
    packaged = filename is not None and Path(filename).is_relative_to(PACKAGED)
    return Found(name, Path(filename or name), packaged).shown


def place(exc: BaseException, templates: Path) -> tuple[str | None, int | None]:
    """The template file and line an error arose at, as messages name them: the innermost
    template in the traceback (a layout's error may be in the parts it imports), or the file
    a syntax error names; (None, None) when no template is involved."""
    filename, line = getattr(exc, "filename", None), getattr(exc, "lineno", None)
    if filename and line:
        return shown(filename, templates), line
    tb, where = exc.__traceback__, (None, None)
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".j2"):
            where = (shown(tb.tb_frame.f_code.co_filename, templates), tb.tb_lineno)
        tb = tb.tb_next
    return where


def environment(templates: Path, **options: Any) -> SandboxedEnvironment:
    """A sandboxed environment whose templates come from the project's `templates`, then the
    package."""
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    def load(name: str):
        try:
            found = locate(templates, name)
        except Outside:
            raise jinja2.TemplateNotFound(f"{name} ({OUTSIDE})") from None
        if found is None:
            return None
        source = found.path.read_text(encoding="utf-8")
        mtime = found.path.stat().st_mtime

        def uptodate() -> bool:
            try:
                return locate(templates, name) == found and found.path.stat().st_mtime == mtime
            except (OSError, Outside):
                return False

        return source, str(found.path), uptodate

    return SandboxedEnvironment(
        loader=jinja2.FunctionLoader(load), bytecode_cache=_compiled(options), **options
    )


# Compiled templates, kept for the life of the process: one store per set of environment
# options (autoescaping, for one, changes the code a template compiles to).
_COMPILED: dict[str, Any] = {}


def _compiled(options: dict[str, Any]) -> Any:
    """The store of compiled templates for environments made with `options`. Jinja2 reuses a
    template's code only while its source is the same (it compares checksums), so a process that
    renders the same templates again (`briefing preview`, on every save) compiles only what
    changed; a one-shot build pays one dictionary more."""
    import jinja2

    class Compiled(jinja2.BytecodeCache):
        def __init__(self) -> None:
            self.code: dict[str, bytes] = {}

        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            if (code := self.code.get(bucket.key)) is not None:
                bucket.bytecode_from_string(code)

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            self.code[bucket.key] = bucket.bytecode_to_string()

    key = repr(sorted(options.items()))
    if key not in _COMPILED:
        _COMPILED[key] = Compiled()
    return _COMPILED[key]


def kind(node: object) -> str:
    """A document node's type name, for layouts (the sandbox hides __class__)."""
    return type(node).__name__
