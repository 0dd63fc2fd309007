"""Read reports/ and data/, validate everything at the door, and build typed evidence.

Every problem is reported with `path:line` and a hint, and all of them in one run, before any
rendering starts, so a bad edit never reaches (or replaces) a published file.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .errors import Problems
from .model import DOMAINS, Citation, Fact, PartialDate, Quantity, Quote, Source
from .units import UNITS
from .yamlfile import LocatedDict, read_yaml

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
DATE_RE = re.compile(r"^(?P<y>\d{4})(?:-(?P<m>\d{1,2})(?:-(?P<d>\d{1,2}))?)?$")
DECADE_RE = re.compile(r"^(?P<y>\d{3}0)s$")
UNDATED = "undated"
RESERVED_SECTION = "what-changed"  # composed by the engine for every edition after the first


@dataclass(frozen=True)
class SectionSpec:
    id: str
    title: str
    template: str
    origin: str


@dataclass(frozen=True)
class ChartSpec:
    id: str
    kind: str
    caption: str
    origin: str


@dataclass(frozen=True)
class ReportSpec:
    """A report definition from reports/<id>.yaml, paths already resolved."""

    id: str
    path: Path
    title: str
    subtitle: str
    author: str
    subject: str
    keywords: tuple[str, ...]
    language: str
    sources_file: Path
    facts_paths: tuple[Path, ...]
    sections: tuple[SectionSpec, ...]
    charts: tuple[ChartSpec, ...]


@dataclass(frozen=True)
class Evidence:
    sources: dict[str, Source]
    facts: dict[str, Fact]


# ---------------------------------------------------------------- helpers -------------------------


class _Checker:
    """Field access that records a problem (with file and line) instead of raising."""

    def __init__(self, problems: Problems, shown: str):
        self.problems = problems
        self.shown = shown

    def mapping(self, value: Any, line: int, what: str) -> LocatedDict | None:
        if isinstance(value, LocatedDict):
            return value
        self.problems.add(self.shown, line, f"{what} must be a mapping of fields (key: value)")
        return None

    def unknown_keys(self, entry: LocatedDict, allowed: set[str], what: str) -> None:
        for key in entry:
            if key not in allowed:
                hint = difflib.get_close_matches(str(key), sorted(allowed), n=1)
                tip = (
                    f"; did you mean {hint[0]!r}?"
                    if hint
                    else f"; allowed: {', '.join(sorted(allowed))}"
                )
                self.problems.add(
                    self.shown, entry.line_of(key), f"unknown field {key!r} in {what}{tip}"
                )

    def text(self, entry: LocatedDict, key: str, what: str, required: bool = True) -> str | None:
        if key not in entry or entry[key] is None:
            if required:
                self.problems.add(
                    self.shown, entry.line, f"{what} is missing required field {key!r}"
                )
            return None
        value = entry[key]
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.problems.add(self.shown, entry.line_of(key), f"{key!r} in {what} must be text")
            return None
        value = str(value).strip()
        if not value and required:
            self.problems.add(self.shown, entry.line_of(key), f"{key!r} in {what} is empty")
            return None
        return value

    def ident(self, entry: LocatedDict, key: str, what: str) -> str | None:
        value = self.text(entry, key, what)
        if value is not None and not ID_RE.match(value):
            self.problems.add(
                self.shown,
                entry.line_of(key),
                f"{key} {value!r} in {what} must use lower-case letters, digits and hyphens",
            )
            return None
        return value


def parse_date(raw: Any) -> PartialDate | str:
    """A PartialDate, or an explanation of why the text is not one."""
    if isinstance(raw, bool):
        return "a date must be YYYY, YYYY-MM, YYYY-MM-DD, a decade like 1960s, or 'undated'"
    text = str(raw).strip()
    if m := DECADE_RE.match(text):
        return PartialDate(int(m["y"]), decade=True)
    m = DATE_RE.match(text)
    if not m:
        return f"date {text!r} is not YYYY, YYYY-MM, YYYY-MM-DD, a decade like 1960s, or 'undated'"
    year, month, day = int(m["y"]), m["m"], m["d"]
    try:
        date(year, int(month or 1), int(day or 1))
    except ValueError as exc:
        return f"date {text!r} is impossible ({exc})"
    return PartialDate(year, int(month) if month else None, int(day) if day else None)


# ---------------------------------------------------------------- sources -------------------------

SOURCE_FIELDS = {
    "id",
    "short",
    "outlet",
    "title",
    "published",
    "byline",
    "file",
    "advocate",
    "perspective",
}


def load_sources(path: Path, shown: str, problems: Problems) -> dict[str, Source]:
    data = read_yaml(path, shown)
    check = _Checker(problems, shown)
    sources: dict[str, Source] = {}
    lines: dict[str, int] = {}
    if not isinstance(data, list):
        problems.add(shown, getattr(data, "line", 1), "the sources file must be a list of sources")
        return sources
    for raw in data:
        entry = check.mapping(raw, getattr(data, "line", 1), "each source")
        if entry is None:
            continue
        what = f"source {entry.get('id', '?')!r}"
        check.unknown_keys(entry, SOURCE_FIELDS, what)
        sid = check.ident(entry, "id", "a source")
        outlet = check.text(entry, "outlet", what)
        title = check.text(entry, "title", what)
        file = check.text(entry, "file", what)
        perspective = check.text(entry, "perspective", what)
        byline = check.text(entry, "byline", what, required=False)
        short = check.text(entry, "short", what, required=False) or ""
        published = None
        if "published" not in entry:
            problems.add(shown, entry.line, f"{what} is missing required field 'published'")
        else:
            parsed = parse_date(entry["published"])
            if isinstance(parsed, str):
                problems.add(shown, entry.line_of("published"), parsed)
            else:
                published = parsed
        advocate = entry.get("advocate")
        if not isinstance(advocate, bool):
            problems.add(
                shown,
                entry.line_of("advocate"),
                f"{what} needs 'advocate: true' or 'advocate: false' (does the outlet argue one side?)",
            )
        if sid and sid in sources:
            problems.add(
                shown,
                entry.line_of("id"),
                f"duplicate source id {sid!r} (first on line {lines[sid]})",
            )
            continue
        if (
            sid
            and outlet
            and title
            and file
            and perspective
            and published
            and isinstance(advocate, bool)
        ):
            sources[sid] = Source(
                sid, outlet, title, published, byline, file, advocate, perspective, short
            )
            lines[sid] = entry.line_of("id")
    return sources


# ---------------------------------------------------------------- facts ---------------------------

FACT_FIELDS = {
    "id",
    "date",
    "until",
    "domain",
    "summary",
    "claimant",
    "quantities",
    "quote",
    "citations",
}


def _fact(entry: LocatedDict, check: _Checker, sources: dict[str, Source]) -> Fact | None:
    problems, shown = check.problems, check.shown
    before = len(problems.items)
    what = f"fact {entry.get('id', '?')!r}"
    check.unknown_keys(entry, FACT_FIELDS, what)
    fid = check.ident(entry, "id", "a fact")
    summary = check.text(entry, "summary", what)
    claimant = check.text(entry, "claimant", what)

    when: PartialDate | None = None
    if "date" not in entry:
        problems.add(
            shown,
            entry.line,
            f"{what} is missing required field 'date' (use 'undated' if it has none)",
        )
    elif str(entry["date"]).strip() != UNDATED:
        parsed = parse_date(entry["date"])
        if isinstance(parsed, str):
            problems.add(shown, entry.line_of("date"), parsed)
        else:
            when = parsed
    until: PartialDate | None = None
    if entry.get("until") is not None:
        parsed = parse_date(entry["until"])
        if isinstance(parsed, str):
            problems.add(shown, entry.line_of("until"), parsed)
        elif when is None:
            problems.add(shown, entry.line_of("until"), f"{what} has 'until' but no start date")
        elif parsed.latest <= when.latest:
            problems.add(
                shown, entry.line_of("until"), f"'until' {parsed} is not after the date {when}"
            )
        else:
            until = parsed

    domain = check.text(entry, "domain", what)
    if domain and domain not in DOMAINS:
        hint = difflib.get_close_matches(domain, list(DOMAINS), n=1)
        tip = f"did you mean {hint[0]!r}?" if hint else f"use one of {', '.join(DOMAINS)}"
        problems.add(shown, entry.line_of("domain"), f"unknown domain {domain!r}; {tip}")

    quantities: dict[str, Quantity] = {}
    raw_q = entry.get("quantities")
    if raw_q is not None:
        qmap = check.mapping(raw_q, entry.line_of("quantities"), f"'quantities' of {what}")
        for name, raw in (qmap or {}).items():
            q = check.mapping(raw, qmap.line_of(name), f"quantity {name!r} of {what}")
            if q is None:
                continue
            check.unknown_keys(q, {"value", "unit"}, f"quantity {name!r}")
            value, unit = q.get("value"), q.get("unit")
            if isinstance(value, bool) or not isinstance(value, int | float):
                problems.add(shown, q.line, f"quantity {name!r} of {what} needs a numeric 'value'")
                continue
            if unit not in UNITS:
                problems.add(
                    shown,
                    q.line_of("unit"),
                    f"unknown unit {unit!r}; known units: {', '.join(sorted(UNITS))}",
                )
                continue
            quantities[str(name)] = Quantity(float(value), unit)

    quote = None
    if entry.get("quote") is not None:
        q = check.mapping(entry["quote"], entry.line_of("quote"), f"'quote' of {what}")
        if q is not None:
            check.unknown_keys(q, {"speaker", "text"}, f"quote of {what}")
            speaker = check.text(q, "speaker", f"quote of {what}")
            text = check.text(q, "text", f"quote of {what}")
            if speaker and text:
                quote = Quote(speaker, text)

    citations: list[Citation] = []
    raw_c = entry.get("citations")
    if not isinstance(raw_c, list) or not raw_c:
        problems.add(
            shown,
            entry.line_of("citations"),
            f"{what} needs 'citations': a list of {{source: <id>, locator: <where in the source>}}",
        )
    else:
        for raw in raw_c:
            c = check.mapping(raw, getattr(raw_c, "line", entry.line), f"a citation of {what}")
            if c is None:
                continue
            check.unknown_keys(c, {"source", "locator"}, f"citation of {what}")
            sid = check.text(c, "source", f"a citation of {what}")
            locator = check.text(c, "locator", f"a citation of {what}")
            if sid and sid not in sources:
                hint = difflib.get_close_matches(sid, list(sources), n=1)
                tip = f"did you mean {hint[0]!r}?" if hint else "add it to the sources file first"
                problems.add(shown, c.line_of("source"), f"unknown source id {sid!r}; {tip}")
            elif sid and locator:
                citations.append(Citation(sources[sid], locator))

    if len(problems.items) > before or not (fid and summary and claimant and domain):
        return None
    return Fact(
        id=fid,
        date=when,
        until=until,
        domain=domain,
        summary=summary,
        claimant=claimant,
        citations=tuple(citations),
        quantities=quantities,
        quote=quote,
        origin=f"{shown}:{entry.line}",
    )


def fact_files(paths: tuple[Path, ...]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in {".yaml", ".yml"}))
        else:
            files.append(path)
    return files


def load_evidence(spec: ReportSpec, root: Path, problems: Problems) -> Evidence:
    sources = load_sources(spec.sources_file, _shown(spec.sources_file, root), problems)
    facts: dict[str, Fact] = {}
    for path in fact_files(spec.facts_paths):
        shown = _shown(path, root)
        data = read_yaml(path, shown)
        if data is None:
            continue
        if not isinstance(data, list):
            problems.add(shown, getattr(data, "line", 1), "a facts file must be a list of facts")
            continue
        check = _Checker(problems, shown)
        for raw in data:
            entry = check.mapping(raw, data.line, "each fact")
            if entry is None:
                continue
            fact = _fact(entry, check, sources)
            if fact is None:
                continue
            if fact.id in facts:
                problems.add(
                    shown,
                    entry.line_of("id"),
                    f"duplicate fact id {fact.id!r} (first defined at {facts[fact.id].origin}); "
                    "give one of them a new id",
                )
                continue
            facts[fact.id] = fact
    return Evidence(sources, facts)


# ---------------------------------------------------------------- reports -------------------------

REPORT_FIELDS = {
    "id",
    "title",
    "subtitle",
    "author",
    "subject",
    "keywords",
    "language",
    "data",
    "sections",
    "charts",
}


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def report_files(root: Path) -> list[Path]:
    folder = root / "reports"
    return sorted(p for p in folder.glob("*.y*ml") if p.suffix in {".yaml", ".yml"})


def load_report(
    path: Path, root: Path, problems: Problems, chart_kinds: set[str]
) -> ReportSpec | None:
    shown = _shown(path, root)
    data = read_yaml(path, shown)
    check = _Checker(problems, shown)
    entry = check.mapping(data, 1, "a report definition")
    if entry is None:
        return None
    before = len(problems.items)
    check.unknown_keys(entry, REPORT_FIELDS, "the report")
    rid = check.ident(entry, "id", "the report")
    if rid and rid != path.stem:
        problems.add(
            shown, entry.line_of("id"), f"report id {rid!r} must match the file name {path.stem!r}"
        )
    title = check.text(entry, "title", "the report")
    subtitle = check.text(entry, "subtitle", "the report", required=False) or ""
    author = check.text(entry, "author", "the report")
    subject = check.text(entry, "subject", "the report", required=False) or (title or "")
    language = check.text(entry, "language", "the report", required=False) or "en"
    keywords = tuple(str(k) for k in entry.get("keywords") or [])

    data_entry = check.mapping(
        entry.get("data"), entry.line_of("data"), "'data' (sources: and facts:)"
    )
    sources_file, facts_paths = root / "data/sources.yaml", (root / "data/facts",)
    if data_entry is not None:
        check.unknown_keys(data_entry, {"sources", "facts"}, "'data'")
        if s := check.text(data_entry, "sources", "'data'"):
            sources_file = root / s
            if not sources_file.is_file():
                problems.add(
                    shown, data_entry.line_of("sources"), f"sources file {s!r} does not exist"
                )
        raw_facts = data_entry.get("facts")
        listed = raw_facts if isinstance(raw_facts, list) else [raw_facts] if raw_facts else []
        facts_paths = tuple(root / str(p) for p in listed)
        for p in facts_paths:
            if not p.exists():
                problems.add(
                    shown,
                    data_entry.line_of("facts"),
                    f"facts path {_shown(p, root)!r} does not exist",
                )
        if not listed:
            problems.add(
                shown, data_entry.line, "'data' needs 'facts': a folder or a list of YAML files"
            )

    sections: list[SectionSpec] = []
    raw_sections = entry.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        problems.add(shown, entry.line_of("sections"), "'sections' must list the sections in order")
    else:
        seen: set[str] = set()
        for raw in raw_sections:
            sec = check.mapping(raw, raw_sections.line, "each section")
            if sec is None:
                continue
            check.unknown_keys(sec, {"id", "title", "template"}, "a section")
            sid = check.ident(sec, "id", "a section")
            stitle = check.text(sec, "title", f"section {sid!r}")
            template = check.text(sec, "template", f"section {sid!r}")
            if sid in seen:
                problems.add(shown, sec.line_of("id"), f"duplicate section id {sid!r}")
            if sid == RESERVED_SECTION:
                problems.add(
                    shown,
                    sec.line_of("id"),
                    f"section id {sid!r} is reserved for the section that opens every later "
                    "edition with what changed; choose another id",
                )
            seen.add(sid or "")
            if template and not (root / "templates" / template).is_file():
                problems.add(
                    shown,
                    sec.line_of("template"),
                    f"template 'templates/{template}' does not exist",
                )
            if sid and stitle and template:
                sections.append(SectionSpec(sid, stitle, template, f"{shown}:{sec.line}"))

    charts: list[ChartSpec] = []
    seen_charts: set[str] = set()
    for raw in entry.get("charts") or []:
        ch = check.mapping(raw, entry.line_of("charts"), "each chart")
        if ch is None:
            continue
        check.unknown_keys(ch, {"id", "kind", "caption"}, "a chart")
        cid = check.ident(ch, "id", "a chart")
        kind = check.text(ch, "kind", f"chart {cid!r}")
        caption = check.text(ch, "caption", f"chart {cid!r}")
        if kind and kind not in chart_kinds:
            problems.add(
                shown,
                ch.line_of("kind"),
                f"unknown chart kind {kind!r}; known: {', '.join(sorted(chart_kinds))}",
            )
        if cid in seen_charts:
            problems.add(shown, ch.line_of("id"), f"duplicate chart id {cid!r}")
        seen_charts.add(cid or "")
        if cid and kind and caption:
            charts.append(ChartSpec(cid, kind, caption, f"{shown}:{ch.line}"))

    if len(problems.items) > before or not (rid and title and author):
        return None
    return ReportSpec(
        id=rid,
        path=path,
        title=title,
        subtitle=subtitle,
        author=author,
        subject=subject,
        keywords=keywords,
        language=language,
        sources_file=sources_file,
        facts_paths=facts_paths,
        sections=tuple(sections),
        charts=tuple(charts),
    )
