"""Read reports/ and data/, validate everything at the door, and build typed evidence.

Every problem is reported with `path:line` and a hint, and all of them in one run, before any
rendering starts, so a bad edit never reaches (or replaces) a published file.
"""

from __future__ import annotations

import difflib
import math
import re
from datetime import date
from pathlib import Path
from typing import Any

from briefing.base.clock import generated_date
from briefing.base.derive import (
    OPERATIONS,
    DerivedSpec,
    DeriveError,
    Operand,
    compute,
    declarations,
)
from briefing.base.errors import InputError, Problems
from briefing.base.model import (
    RELIABILITY,
    Citation,
    Domain,
    Fact,
    Judgment,
    PartialDate,
    Quantity,
    Quote,
    Reliability,
    Source,
)
from briefing.base.units import UNITS
from briefing.config.chartspec import ChartSpec, parse_chart
from briefing.config.fieldcheck import ID_RE, Checker
from briefing.config.judgments import load as load_judgments
from briefing.config.specs import RESERVED_SECTION, UNDATED, Evidence, ReportSpec, SectionSpec
from briefing.config.yamlfile import MAX_FILE_BYTES, LocatedDict, read_yaml

DATE_RE = re.compile(r"^(?P<y>\d{4})(?:-(?P<m>\d{1,2})(?:-(?P<d>\d{1,2}))?)?$")
DECADE_RE = re.compile(r"^(?P<y>\d{3}0)s$")
# ---------------------------------------------------------------- helpers -------------------------


MAX_MAGNITUDE = 1e15  # beyond any quantity a briefing reports; catches typos and overflow
RANGES = {"percent": (0.0, 100.0), "rank": (1.0, 1000.0)}


def number_problem(value: int | float, unit: object, signed: bool = False) -> str | None:
    """Why a number cannot be published as a quantity in `unit`, or None."""
    if isinstance(value, int) and abs(value) > MAX_MAGNITUDE:
        return (
            f"is {len(str(abs(value)))} digits long; quantities are limited to ±{MAX_MAGNITUDE:.0e}"
        )
    if not math.isfinite(value):
        return f"is {value!r}; a quantity must be a finite number"
    if abs(value) > MAX_MAGNITUDE:
        return f"is {value:.3g}; quantities are limited to ±{MAX_MAGNITUDE:.0e}"
    low, high = RANGES.get(str(unit), (None, None))
    if low is not None and not low <= value <= high:
        return f"is {value:g} {unit}; it must lie between {low:g} and {high:g}"
    if value < 0 and not signed:
        return f"is negative ({value:g}); add 'signed: true' to the quantity if that is meant"
    return None


def parse_date(raw: Any) -> PartialDate | str:
    """A PartialDate, or an explanation of why the text is not one.

    'by 2023' (or 'by 2026-01-18') is a date the source gives only as a limit: the event
    happened no later than that, and it reads that way wherever the date is shown."""
    if isinstance(raw, bool):
        return "a date must be YYYY, YYYY-MM, YYYY-MM-DD, a decade like 1960s, or 'undated'"
    text = str(raw).strip()
    if text.startswith("by "):
        parsed = parse_date(text[3:])
        if isinstance(parsed, str) or parsed.decade:
            return f"date {text!r} is not 'by' followed by YYYY, YYYY-MM or YYYY-MM-DD"
        return PartialDate(parsed.year, parsed.month, parsed.day, by=True)
    if m := DECADE_RE.match(text):
        if int(m["y"]) < 1:  # no calendar here has a year 0 (the dates library's first is 1)
            return f"date {text!r} is impossible (the first decade that can be dated is 0010s)"
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
    "name",
    "reliability",
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
    check = Checker(problems, shown)
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
        name = check.text(entry, "name", what)
        reliability = _reliability(entry, check, what)
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
            and name
            and reliability
        ):
            sources[sid] = Source(
                sid,
                outlet,
                title,
                published,
                byline,
                file,
                advocate,
                perspective,
                name,
                reliability,
            )
            lines[sid] = entry.line_of("id")
    return sources


def _reliability(entry: LocatedDict, check: Checker, what: str) -> Reliability | None:
    """The source's grade on the Admiralty scale, with the reason an analyst would give."""
    raw = entry.get("reliability")
    scale = ", ".join(f"{g} ({m})" for g, m in RELIABILITY.items())
    if raw is None:
        check.problems.add(
            check.shown,
            entry.line,
            f"{what} needs 'reliability: {{grade: <A-F>, reason: ...}}', graded on the "
            f"Admiralty scale: {scale}",
        )
        return None
    r = check.mapping(raw, entry.line_of("reliability"), f"'reliability' of {what}")
    if r is None:
        return None
    check.unknown_keys(r, {"grade", "reason"}, f"'reliability' of {what}")
    grade = check.text(r, "grade", f"'reliability' of {what}")
    reason = check.text(r, "reason", f"'reliability' of {what}")
    if grade is not None and grade not in RELIABILITY:
        check.problems.add(
            check.shown, r.line_of("grade"), f"grade {grade!r} is not on the scale: {scale}"
        )
        return None
    return Reliability(grade, reason) if grade and reason else None


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
    "derived",
    "tags",
}
DERIVED_FIELDS = {"id", "operation", "inputs", "unit", "decimals", "method"}


def _derived(entry: LocatedDict, check: Checker, fid: str | None) -> tuple[DerivedSpec, ...]:
    """The `derived:` declarations of one fact; inputs default to that fact's quantities."""
    problems, shown = check.problems, check.shown
    raw_list = entry.get("derived")
    if raw_list is None:
        return ()
    if not isinstance(raw_list, list):
        problems.add(shown, entry.line_of("derived"), "'derived' must be a list of declarations")
        return ()
    specs = []
    for raw in raw_list:
        d = check.mapping(raw, raw_list.line, "each derived figure")
        if d is None:
            continue
        before = len(problems.items)
        check.unknown_keys(d, DERIVED_FIELDS, "a derived figure")
        did = check.ident(d, "id", "a derived figure")
        what = f"derived figure {did!r}"
        operation = check.text(d, "operation", what)
        if operation and operation not in OPERATIONS:
            problems.add(
                shown,
                d.line_of("operation"),
                f"unknown operation {operation!r}; use one of {', '.join(OPERATIONS)}",
            )
        unit = check.text(d, "unit", what)
        if unit:
            check.known_unit(unit, d.line_of("unit"))
        method = check.text(d, "method", what)
        decimals = d.get("decimals", 0)
        if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 6:
            problems.add(shown, d.line_of("decimals"), f"'decimals' of {what} must be 0 to 6")
        operands: list[Operand] = []
        raw_inputs = check.items(
            d,
            "inputs",
            f"{what} needs 'inputs': quantities of this fact, 'fact-id.quantity', "
            "or {value: 100, unit: percent}",
        )
        for item in raw_inputs:
            if isinstance(item, LocatedDict):
                check.unknown_keys(item, {"value", "unit"}, f"a constant of {what}")
                value, cunit = item.get("value"), item.get("unit")
                if (
                    isinstance(value, bool)
                    or not isinstance(value, int | float)
                    or cunit not in UNITS
                ):
                    problems.add(
                        shown,
                        item.line,
                        f"a constant of {what} needs a numeric 'value' and a known 'unit'",
                    )
                    continue
                operands.append(Operand(constant=Quantity(float(value), cunit)))
            elif isinstance(item, str) and item.strip():
                other, _, name = item.strip().rpartition(".")
                operands.append(Operand(fact=other or fid, quantity=name))
            else:
                problems.add(
                    shown, d.line_of("inputs"), f"an input of {what} must be text or a constant"
                )
        if operation == "convert" and len(operands) != 1:
            problems.add(shown, d.line_of("inputs"), f"{what}: 'convert' takes exactly one input")
        elif operation in OPERATIONS and operation != "convert" and len(operands) < 2:
            problems.add(
                shown, d.line_of("inputs"), f"{what}: {operation!r} needs two or more inputs"
            )
        if len(problems.items) == before and did and operation and unit and method:
            specs.append(
                DerivedSpec(
                    did, operation, tuple(operands), unit, decimals, method, f"{shown}:{d.line}"
                )
            )
    return tuple(specs)


def _fact(
    entry: LocatedDict, check: Checker, sources: dict[str, Source], domains: dict[str, Domain]
) -> Fact | None:
    problems, shown = check.problems, check.shown
    before = len(problems.items)
    what = f"fact {entry.get('id', '?')!r}"
    check.unknown_keys(entry, FACT_FIELDS, what)
    fid = check.ident(entry, "id", "a fact")
    summary = check.text(entry, "summary", what)
    claimant = check.text(entry, "claimant", what, required=False)

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
        elif parsed.earliest > generated_date():
            problems.add(
                shown,
                entry.line_of("date"),
                f"date {parsed} is after the edition date ({generated_date().isoformat()}); "
                "a fact cannot have happened yet",
            )
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
    if domain and domain not in domains:
        hint = difflib.get_close_matches(domain, list(domains), n=1)
        tip = f"did you mean {hint[0]!r}?" if hint else f"use one of {', '.join(domains)}"
        problems.add(shown, entry.line_of("domain"), f"unknown domain {domain!r}; {tip}")

    quantities: dict[str, Quantity] = {}
    raw_q = entry.get("quantities")
    if raw_q is not None:
        qmap = check.mapping(raw_q, entry.line_of("quantities"), f"'quantities' of {what}")
        for name, raw in (qmap or {}).items():
            q = check.mapping(raw, qmap.line_of(name), f"quantity {name!r} of {what}")
            if q is None:
                continue
            check.unknown_keys(q, {"value", "unit", "signed"}, f"quantity {name!r}")
            value, unit = q.get("value"), q.get("unit")
            if isinstance(value, bool) or not isinstance(value, int | float):
                problems.add(shown, q.line, f"quantity {name!r} of {what} needs a numeric 'value'")
                continue
            if why := number_problem(value, unit, bool(q.get("signed", False))):
                problems.add(shown, q.line_of("value"), f"quantity {name!r} of {what} {why}")
                continue
            if not check.known_unit(unit, q.line_of("unit")):
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
    raw_c = check.items(
        entry,
        "citations",
        f"{what} needs 'citations': a list of {{source: <id>, locator: <where in the source>}}",
    )
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

    derived = _derived(entry, check, fid)
    raw_tags = entry.get("tags") or []
    tags = tuple(str(t) for t in raw_tags) if isinstance(raw_tags, list) else ()
    if not isinstance(raw_tags, list) or not all(ID_RE.match(t) for t in tags):
        problems.add(
            shown,
            entry.line_of("tags"),
            f"'tags' of {what} must be a list of lower-case words joined by hyphens",
        )
    names = list(dict.fromkeys(c.source.name for c in citations))
    if claimant is None and len(names) == 1:
        claimant = names[0]  # the source itself makes the claim
    elif claimant is None and citations and all(c.source.advocate for c in citations):
        problems.add(
            shown,
            entry.line,
            f"{what} rests only on advocate sources, so it needs 'claimant': who makes the claim, "
            "as readers will see it named",
        )
    elif claimant is None:
        claimant = " and ".join(names)
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
        derived=derived,
        domain_label=domains[domain].label,
        tags=tags,
    )


def check_derived(facts: dict[str, Fact], problems: Problems) -> None:
    """Compute every declared figure once at the door, so a unit mismatch or a missing input
    is a `path:line` problem before any rendering."""
    seen: dict[str, str] = {}
    for spec in declarations(facts):
        path, _, line = spec.origin.rpartition(":")
        if spec.id in seen:
            problems.add(
                path,
                int(line),
                f"duplicate derived figure id {spec.id!r} (first at {seen[spec.id]})",
            )
            continue
        seen[spec.id] = spec.origin
        try:
            compute(spec, facts)
        except DeriveError as exc:
            problems.add(path, int(line), str(exc))


def fact_files(paths: tuple[Path, ...]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in {".yaml", ".yml"}))
        else:
            files.append(path)
    return files


DOMAIN_FIELDS = {"id", "label", "slot"}
PALETTE_SLOTS = 8


def load_domains(path: Path, shown: str, problems: Problems) -> dict[str, Domain]:
    data = read_yaml(path, shown)
    check = Checker(problems, shown)
    domains: dict[str, Domain] = {}
    if not isinstance(data, list) or not data:
        problems.add(shown, getattr(data, "line", 1), "the domains file must be a list of domains")
        return domains
    for raw in data:
        entry = check.mapping(raw, data.line, "each domain")
        if entry is None:
            continue
        check.unknown_keys(entry, DOMAIN_FIELDS, "a domain")
        did = check.ident(entry, "id", "a domain")
        label = check.text(entry, "label", f"domain {did!r}")
        slot = entry.get("slot")
        if isinstance(slot, bool) or not isinstance(slot, int) or not 0 <= slot < PALETTE_SLOTS:
            problems.add(
                shown,
                entry.line_of("slot"),
                f"domain {did!r} needs 'slot': a palette position from 0 to {PALETTE_SLOTS - 1}",
            )
            continue
        if did in domains:
            problems.add(shown, entry.line_of("id"), f"duplicate domain id {did!r}")
        elif did and label:
            domains[did] = Domain(did, label, slot)
    return domains


MAX_EVIDENCE_BYTES = 2048 * 1024  # every data file of one report together (see yamlfile.py)
# What bounds a build's time and memory is the number of facts (each dated one a row of the
# timeline), more than their bytes.
MAX_FACTS = 2500


def load_evidence(spec: ReportSpec, root: Path, problems: Problems) -> Evidence:
    files = [spec.sources_file, spec.domains_file, *fact_files(spec.facts_paths)]
    sizes = [p.stat().st_size for p in files if p.is_file()]
    total = sum(sizes)
    # A single file over its own limit is named by read_yaml, more precisely than this.
    if total > MAX_EVIDENCE_BYTES and max(sizes) <= MAX_FILE_BYTES:
        raise InputError.one(
            spec.path.name,
            None,
            f"its evidence base is {total // 1024:,} KB; the limit for one report is "
            f"{MAX_EVIDENCE_BYTES // 1024:,} KB (about eighty times the bundled briefing's), "
            "which keeps a build within the time and memory the README states",
        )
    sources = load_sources(spec.sources_file, _shown(spec.sources_file, root), problems)
    domains = load_domains(spec.domains_file, _shown(spec.domains_file, root), problems)
    facts: dict[str, Fact] = {}
    for path in fact_files(spec.facts_paths):
        shown = _shown(path, root)
        data = read_yaml(path, shown)
        if data is None:
            continue
        if not isinstance(data, list):
            problems.add(shown, getattr(data, "line", 1), "a facts file must be a list of facts")
            continue
        check = Checker(problems, shown)
        for raw in data:
            entry = check.mapping(raw, data.line, "each fact")
            if entry is None:
                continue
            fact = _fact(entry, check, sources, domains)
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
    check_derived(facts, problems)
    judgments: tuple[Judgment, ...] = ()
    if spec.judgments_file is not None and facts and not problems:
        judgments = load_judgments(
            spec.judgments_file, _shown(spec.judgments_file, root), facts, problems
        )
    if not problems:
        shown = ", ".join(_shown(p, root) for p in spec.facts_paths)
        if not facts:
            problems.add(shown, None, "the evidence base has no facts; add some before building")
        elif len(facts) > MAX_FACTS:
            problems.add(
                shown,
                None,
                f"the evidence base has {len(facts):,} facts; one report may draw on at most "
                f"{MAX_FACTS:,} (about sixty times the bundled briefing's), which keeps a build "
                "within the time and memory the README states; split it into several reports",
            )
        elif not any(f.date for f in facts.values()):
            problems.add(
                shown,
                None,
                "no fact is dated; date at least one, since the briefing states what its "
                "information is current to",
            )
    return Evidence(sources, facts, domains, judgments)


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
    "layout",
    "stylesheets",
    "contents",
}


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def template_problem(root: Path, name: str) -> str | None:
    """Why `name` cannot be a template, layout or stylesheet of a report, or None. It must be a
    file inside templates/, symbolic links resolved: a stylesheet is read into the page, so a
    name such as '../data/x' or a link to a file elsewhere would publish that file."""
    folder = (root / "templates").resolve()
    path = (folder / name).resolve()
    if not path.is_relative_to(folder):
        return f"'templates/{name}' leads outside the templates folder, which is not allowed"
    if not path.is_file():
        return f"'templates/{name}' does not exist"
    return None


def report_files(root: Path) -> list[Path]:
    folder = root / "reports"
    return sorted(p for p in folder.glob("*.y*ml") if p.suffix in {".yaml", ".yml"})


def load_report(path: Path, root: Path, problems: Problems) -> ReportSpec | None:
    shown = _shown(path, root)
    data = read_yaml(path, shown)
    check = Checker(problems, shown)
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
    # These four reach mail headers (the subject is made from the title) and file properties.
    title = check.text(entry, "title", "the report", header=True)
    subtitle = check.text(entry, "subtitle", "the report", required=False, header=True) or ""
    author = check.text(entry, "author", "the report", header=True)
    subject = check.text(entry, "subject", "the report", required=False, header=True) or (
        title or ""
    )
    language = check.text(entry, "language", "the report", required=False) or "en"
    keywords = check.texts(entry, "keywords", "the report")

    data_entry = check.mapping(
        entry.get("data"), entry.line_of("data"), "'data' (sources: and facts:)"
    )
    sources_file, facts_paths = root / "data/sources.yaml", (root / "data/facts",)
    domains_file = root / "data/domains.yaml"
    judgments_file: Path | None = None
    if data_entry is not None:
        check.unknown_keys(data_entry, {"sources", "facts", "domains", "judgments"}, "'data'")
        if j := check.text(data_entry, "judgments", "'data'", required=False):
            judgments_file = root / j
            if not judgments_file.is_file():
                problems.add(
                    shown,
                    data_entry.line_of("judgments"),
                    f"judgments file {j!r} does not exist",
                )
        if d := check.text(data_entry, "domains", "'data'", required=False):
            domains_file = root / d
        if not domains_file.is_file():
            problems.add(
                shown,
                data_entry.line_of("domains"),
                f"domains file {_shown(domains_file, root)!r} does not exist; declare the "
                "evidence base's domains (id, label, slot) there",
            )
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
    raw_sections = check.items(entry, "sections", "'sections' must list the sections in order")
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
        if template and (why := template_problem(root, template)):
            problems.add(shown, sec.line_of("template"), why)
            template = None
        if sid and stitle and template:
            sections.append(SectionSpec(sid, stitle, template, f"{shown}:{sec.line}"))

    charts: list[ChartSpec] = []
    seen_charts: set[str] = set()
    raw_charts = entry.get("charts") or []
    if not isinstance(raw_charts, list):
        problems.add(
            shown, entry.line_of("charts"), "'charts' must be a list of chart declarations"
        )
        raw_charts = []
    for raw in raw_charts:
        ch = check.mapping(raw, entry.line_of("charts"), "each chart")
        if ch is None:
            continue
        chart = parse_chart(ch, shown, problems, check)
        if chart is None:
            continue
        if chart.id in seen_charts:
            problems.add(shown, ch.line_of("id"), f"duplicate chart id {chart.id!r}")
        seen_charts.add(chart.id)
        charts.append(chart)

    presentation: dict = {}
    if layout := check.text(entry, "layout", "the report", required=False):
        presentation["layout"] = layout
    raw_sheets = entry.get("stylesheets")
    if raw_sheets is not None:
        sheets = [str(x) for x in raw_sheets] if isinstance(raw_sheets, list) else []
        if not sheets:
            problems.add(
                shown,
                entry.line_of("stylesheets"),
                "'stylesheets' must list one or more files under templates/",
            )
        presentation["stylesheets"] = tuple(sheets)
    # The defaults too: a stylesheet is read into the page, so one linked out is refused.
    layout = presentation.get("layout", ReportSpec.layout)
    for name in [layout, *presentation.get("stylesheets", ReportSpec.stylesheets)]:
        if name and (why := template_problem(root, name)):
            problems.add(
                shown,
                entry.line_of("layout" if name == layout else "stylesheets"),
                why,
            )
    if "contents" in entry:
        if not isinstance(entry["contents"], bool):
            problems.add(shown, entry.line_of("contents"), "'contents' must be true or false")
        else:
            presentation["contents"] = entry["contents"]

    if len(problems.items) > before or not (rid and title and author):
        return None
    return ReportSpec(
        **presentation,
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
        domains_file=domains_file,
        sections=tuple(sections),
        charts=tuple(charts),
        judgments_file=judgments_file,
    )
