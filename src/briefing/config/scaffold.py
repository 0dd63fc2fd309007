"""A new report's starting files (`briefing new`): the report file, its section templates and,
when asked, a layout of its own, all commented, that build at once and pass every check.

The texts are package data (`starter/`), filled in with `string.Template` (`${name}`, which
neither YAML nor Jinja2 uses). A plain report opens with the newest fact of the evidence its
project's first report draws on and closes with the sources; `like` starts from an existing
report's shape instead (its layout, stylesheets, data, charts and sections, each section's
template copied as a start). Everything is checked before anything is written, and the files
are created together or not at all (base/files.create_all).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from briefing.base.errors import InputError, Problem, Problems
from briefing.base.files import create_all
from briefing.base.templating import Outside, locate
from briefing.base.wording import descriptive
from briefing.config.fieldcheck import ID_RE
from briefing.config.load import load_evidence, load_report, report_files, report_id_problem
from briefing.config.specs import ReportSpec

STARTER = resources.files("briefing.config") / "starter"
DEFAULT_DATA = {
    "sources": "data/sources.yaml",
    "facts": "data/facts",
    "domains": "data/domains.yaml",
    "judgments": "data/judgments.yaml",
}


@dataclass(frozen=True)
class Scaffold:
    """The files to create, by path under the project, with their text."""

    report: str
    files: dict[str, str]


def _text(name: str, **values: str) -> str:
    return string.Template((STARTER / name).read_text(encoding="utf-8")).substitute(values)


def _flow(value: object) -> str:
    """One YAML value on one line, quoted where YAML needs it."""
    text = yaml.safe_dump(
        value, default_flow_style=True, allow_unicode=True, width=10_000, sort_keys=False
    )
    return text.removesuffix("\n").removesuffix("\n...").strip()


def title_of(report_id: str) -> str:
    """A placeholder title from the id: 'trade-brief' -> 'Trade brief'."""
    return report_id.replace("-", " ").capitalize()


def _refuse(path: str, message: str) -> InputError:
    return InputError.one(path, None, message)


def _raw(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def _loaded(path: Path, root: Path) -> ReportSpec:
    """An existing report, which must itself pass the loader to be a model."""
    problems = Problems()
    spec = load_report(path, root, problems)
    if spec is None or problems:
        raise InputError(problems.items or [Problem(path.name, None, "not a report definition")])
    return spec


def plan(root: Path, report_id: str, like: str | None = None, layout: bool = False) -> Scaffold:
    """The files of a new report `report_id`, checked against what exists; raises InputError
    (nothing is written) for a bad or taken id, or an unknown `like`."""
    if not ID_RE.match(report_id):
        raise _refuse(
            report_id,
            "not a report id: use lower-case letters, digits and hyphens, starting with a "
            "letter or digit (it names the report's file and its output files)",
        )
    if (why := report_id_problem(report_id)) is not None:
        raise _refuse(report_id, why)
    existing = {p.stem: p for p in report_files(root)}
    if report_id in existing:
        shown = existing[report_id].relative_to(root).as_posix()
        raise _refuse(shown, f"a report named {report_id!r} exists; choose another id")
    if like is not None and like not in existing:
        available = ", ".join(sorted(existing)) or "none (reports/ holds no report)"
        raise _refuse("reports/", f"no report named {like!r} to start from; available: {available}")
    model = existing.get(like) if like is not None else next(iter(existing.values()), None)
    spec = _loaded(model, root) if model is not None else None
    raw = _raw(model) if model is not None else {}
    files: dict[str, str] = {}
    folder = f"templates/sections/{report_id}"
    if like is not None and spec is not None:
        sections, files = _copied_sections(root, report_id, spec, folder, raw)
        charts = raw.get("charts") or []
    else:
        sections, files = _starter_sections(root, report_id, spec, folder)
        charts = []
    # A plain report takes the house layout and stylesheet where the project has them; a report
    # started like another takes that one's.
    shape = spec if spec is not None and (like is not None or not _house(root)) else None
    layout_name = shape.layout if shape is not None else ReportSpec.layout
    if layout:
        copied = _copied_layout(root, report_id, layout_name)
        layout_name = f"layouts/{report_id}.html.j2"
        files[f"templates/{layout_name}"] = copied
    data = raw.get("data") if isinstance(raw.get("data"), dict) else None
    if data is None:
        data = {k: v for k, v in DEFAULT_DATA.items() if (root / v).exists() or k != "judgments"}
    kicker = spec.kicker if like is not None and spec is not None else ""
    charts_text = (
        "charts:\n"
        + _indented(
            yaml.safe_dump(
                charts, sort_keys=False, allow_unicode=True, default_flow_style=None, width=96
            )
        )
        if charts
        else "charts: []\n"
    )
    report = _text(
        "report.yaml",
        id=report_id,
        like_note=f" in the shape of {like!r}" if like else "",
        title=_flow(title_of(report_id)),
        kicker_comment=(
            "# The label over the title on the cover or masthead, and in the mail ('In Focus'):\n"
            "# the report names what it is, never the layout. Left out: the house label.\n"
        ),
        kicker=f"kicker: {_flow(kicker)}\n" if kicker else "# kicker: In Focus\n",
        author=_flow(spec.author if spec is not None else "Briefing desk"),
        language=_flow(spec.language if spec is not None else "en"),
        layout=_flow(layout_name),
        stylesheets=_flow(list(shape.stylesheets if shape is not None else ReportSpec.stylesheets)),
        contents=_flow(shape.contents if shape is not None else ReportSpec.contents),
        data="".join(f"  {key}: {_flow(value)}\n" for key, value in data.items()).rstrip("\n"),
        sections="\n".join(
            "  - " + _flow({"id": s, "title": t, "template": p}) for s, t, p in sections
        ),
        charts=charts_text.rstrip("\n"),
    )
    files = {f"reports/{report_id}.yaml": report, **files}
    for path in files:
        if (root / path).exists() or (root / path).is_symlink():
            raise _refuse(path, "exists already; `briefing new` never overwrites a file")
    if (root / folder).exists():
        raise _refuse(folder + "/", "exists already; choose another id or remove the folder")
    return Scaffold(report_id, files)


def _house(root: Path) -> bool:
    """Whether the project has the house layout and stylesheet (ReportSpec's defaults)."""
    names = [ReportSpec.layout, *ReportSpec.stylesheets]
    try:
        return all(locate(root / "templates", name) is not None for name in names)
    except Outside:
        return False


def _indented(text: str) -> str:
    return "".join(f"  {line}\n" if line else "\n" for line in text.splitlines())


def _starter_sections(
    root: Path, report_id: str, spec: ReportSpec | None, folder: str
) -> tuple[list[tuple[str, str, str]], dict[str, str]]:
    """An opening section on the newest fact of the evidence, and the sources."""
    fact, judged, article = "", False, ""
    if spec is not None:
        problems = Problems()
        ev = load_evidence(spec, root, problems)
        if problems:
            raise InputError(problems.items)
        dated = [f for f in ev.facts.values() if f.date is not None] or list(ev.facts.values())
        if dated:
            newest = max(dated, key=lambda f: (f.date.latest, f.date.earliest) if f.date else ())
            fact = newest.id
            # A name that describes ('January wire report') takes 'the' to open a sentence.
            article = "The " if descriptive(newest.claimant or "") else ""
        judged = bool(ev.judgments)
    if not fact:
        raise _refuse(
            "data/",
            "no facts to start from: a new report opens with one; add sources and facts "
            "(docs/facts.md) and a report that draws on them first",
        )
    sections = [
        ("bottom-line", "Bottom line", f"{folder.removeprefix('templates/')}/bottom-line.md.j2"),
        ("sources", "Sources", f"{folder.removeprefix('templates/')}/sources.md.j2"),
    ]
    files = {
        f"{folder}/bottom-line.md.j2": _text(
            "sections/bottom-line.md.j2",
            id=report_id,
            fact=fact,
            article=article,
            bottom_line=" {{ bottom_line() }}" if judged else "",
        ),
        f"{folder}/sources.md.j2": _text("sections/sources.md.j2", id=report_id),
    }
    return sections, files


def _copied_sections(
    root: Path, report_id: str, spec: ReportSpec, folder: str, raw: dict
) -> tuple[list[tuple[str, str, str]], dict[str, str]]:
    """Each section of `spec`, its template copied under the new report's folder with a note;
    its title as the model's file writes it (the loader sets its quotation marks)."""
    written = {
        s.get("id"): s.get("title")
        for s in raw.get("sections") or []
        if isinstance(s, dict) and isinstance(s.get("title"), str)
    }
    sections, files = [], {}
    for section in spec.sections:
        found = _find(root, section.template)
        name = Path(section.template).name
        if f"{folder}/{name}" in files:  # two templates of one name from different folders
            name = f"{section.id}.md.j2"
        note = _text("copied-section.txt", id=report_id, origin=f"templates/{section.template}")
        files[f"{folder}/{name}"] = note + found.read_text(encoding="utf-8")
        title = written.get(section.id, section.title)
        sections.append((section.id, title, f"{folder.removeprefix('templates/')}/{name}"))
    return sections, files


def _copied_layout(root: Path, report_id: str, name: str) -> str:
    note = _text("layout.txt", id=report_id, origin=f"templates/{name}")
    return note + _find(root, name).read_text(encoding="utf-8")


def _find(root: Path, name: str) -> Path:
    try:
        found = locate(root / "templates", name)
    except Outside:
        found = None
    if found is None:
        raise _refuse(f"templates/{name}", "missing; `briefing check` names what is wrong")
    return found.path


def write(root: Path, scaffold: Scaffold) -> list[Path]:
    """Create the scaffold's files, all or none; their paths, in order."""
    targets = {root / path: text.encode("utf-8") for path, text in scaffold.files.items()}
    try:
        create_all(targets)
    except FileExistsError as exc:
        shown = Path(exc.filename).relative_to(root).as_posix() if exc.filename else "reports/"
        raise _refuse(shown, "exists already; `briefing new` never overwrites a file") from None
    return list(targets)
