"""Read reports/ and data/, validate everything at the door, and build typed evidence.

Every problem is reported with `path:line` and a hint, and all of them in one run, before any
rendering starts, so a bad edit never reaches (or replaces) a published file. Each file's
fields are declared once below as a `schema.Schema`; what a table cannot say (a date range, who
makes a claim, the paths of a report's data) is checked after it, beside the table.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import replace
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
from briefing.config import schema as sc
from briefing.config.chartspec import ChartSpec, parse_chart
from briefing.config.fieldcheck import Checker
from briefing.config.judgments import load as load_judgments
from briefing.config.schema import Field, Ref, Schema, Scope
from briefing.config.specs import RESERVED_SECTION, UNDATED, Evidence, ReportSpec, SectionSpec
from briefing.config.yamlfile import MAX_FILE_BYTES, LocatedDict, read_yaml

DATE_RE = re.compile(r"^(?P<y>\d{4})(?:-(?P<m>\d{1,2})(?:-(?P<d>\d{1,2}))?)?$")
DECADE_RE = re.compile(r"^(?P<y>\d{3}0)s$")
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


def date_kind(s: Scope, e: LocatedDict, k: str, w: str) -> PartialDate | None:
    parsed = parse_date(e[k])
    if isinstance(parsed, str):
        s.add(e.line_of(k), parsed)
        return None
    return parsed


def unit_kind(s: Scope, e: LocatedDict, k: str, w: str) -> str | None:
    unit = s.checker.text(e, k, w)
    return unit if unit and s.checker.known_unit(unit, e.line_of(k)) else None


# ---------------------------------------------------------------- sources -------------------------

SCALE = ", ".join(f"{g} ({m})" for g, m in RELIABILITY.items())
GRADE = Schema(
    "a grade",
    "",
    (
        Field(
            "grade", sc.one_of(RELIABILITY, "grade {value!r} is not on the scale: " + SCALE), True
        ),
        Field("reason", sc.text(), True),
    ),
    Reliability,
)
UNGRADED = "{what} needs 'reliability: {{grade: <A-F>, reason: ...}}', graded on the "
ADVOCATE = "{what} needs 'advocate: true' or 'advocate: false' (does the outlet argue one side?)"
SOURCE = Schema(
    "a source",
    "source {id!r}",
    (
        Field("id", sc.ident, True, unique="source id"),
        Field("name", sc.text(), True),
        Field("reliability", sc.mapping(GRADE), UNGRADED + "Admiralty scale: " + SCALE),
        Field("outlet", sc.text(), True),
        Field("title", sc.text(), True),
        Field("published", date_kind, True),
        Field("byline", sc.text(required=False)),
        Field("file", sc.text(), True),
        Field("advocate", sc.boolean(ADVOCATE), ADVOCATE),
        Field("perspective", sc.text(), True),
    ),
    Source,
)


def load_sources(path: Path, shown: str, scope: Scope) -> dict[str, Source]:
    whole = "the sources file must be a list of sources"
    found = (
        sc.check(scope, e, SOURCE)
        for e in sc.entries(scope, read_yaml(path, shown), whole, "each source")
    )
    return {source.id: source for source in found if source is not None}


# ---------------------------------------------------------------- domains -------------------------

PALETTE_SLOTS = 8
WHOLE = "the domains file must be a list of domains"
SLOT = f"{{what}} needs 'slot': a palette position from 0 to {PALETTE_SLOTS - 1}"
DOMAIN = Schema(
    "a domain",
    "domain {id!r}",
    (
        Field("id", sc.ident, True, unique="domain id"),
        Field("label", sc.text(), True),
        Field("slot", sc.whole(0, PALETTE_SLOTS - 1, SLOT), SLOT),
    ),
    Domain,
)


def load_domains(path: Path, shown: str, scope: Scope) -> dict[str, Domain]:
    data = read_yaml(path, shown) or None  # an empty list declares no domain: refused
    found = (sc.check(scope, e, DOMAIN) for e in sc.entries(scope, data, WHOLE, "each domain"))
    return {domain.id: domain for domain in found if domain is not None}


# ---------------------------------------------------------------- facts ---------------------------


def fact_date(s: Scope, e: LocatedDict, k: str, w: str) -> PartialDate | str | None:
    """A fact's date: UNDATED, or a date no later than the edition's."""
    if str(e[k]).strip() == UNDATED:
        return UNDATED
    parsed = date_kind(s, e, k, w)
    if parsed is not None and parsed.earliest > generated_date():
        s.add(
            e.line_of(k),
            f"date {parsed} is after the edition date ({generated_date().isoformat()}); "
            "a fact cannot have happened yet",
        )
        return None
    return parsed


def quantities_kind(s: Scope, e: LocatedDict, k: str, w: str) -> dict[str, Quantity] | None:
    qmap = s.checker.mapping(e[k], e.line_of(k), f"'quantities' of {w}")
    if qmap is None:
        return None
    before, out = len(s.problems.items), {}
    for name, raw in qmap.items():
        what = f"quantity {name!r} of {w}"
        q = s.checker.mapping(raw, qmap.line_of(name), what)
        if q is None:
            continue
        s.checker.unknown_keys(q, {"value", "unit", "signed"}, f"quantity {name!r}")
        value, unit = q.get("value"), q.get("unit")
        if isinstance(value, bool) or not isinstance(value, int | float):
            s.add(q.line, f"{what} needs a numeric 'value'")
        elif why := number_problem(value, unit, bool(q.get("signed", False))):
            s.add(q.line_of("value"), f"{what} {why}")
        elif s.checker.known_unit(unit, q.line_of("unit")):
            out[str(name)] = Quantity(float(value), unit)
    return out if len(s.problems.items) == before else None


def inputs_kind(s: Scope, e: LocatedDict, k: str, w: str) -> tuple[Operand, ...] | None:
    """A derived figure's inputs: 'quantity' (of its own fact, filled in by `_fact`),
    'fact-id.quantity', or a constant {value, unit}."""
    raw = e[k]
    if not isinstance(raw, list) or not raw:
        s.add(e.line_of(k), INPUTS.format(what=w))
        return None
    before, out = len(s.problems.items), []
    for item in raw:
        if isinstance(item, LocatedDict):
            s.checker.unknown_keys(item, {"value", "unit"}, f"a constant of {w}")
            value, cunit = item.get("value"), item.get("unit")
            if isinstance(value, bool) or not isinstance(value, int | float) or cunit not in UNITS:
                s.add(item.line, f"a constant of {w} needs a numeric 'value' and a known 'unit'")
            else:
                out.append(Operand(constant=Quantity(float(value), cunit)))
        elif isinstance(item, str) and item.strip():
            other, _, name = item.strip().rpartition(".")
            out.append(Operand(fact=other or None, quantity=name))
        else:
            s.add(e.line_of(k), f"an input of {w} must be text or a constant")
    return tuple(out) if len(s.problems.items) == before else None


def derived_spec(s: Scope, v: dict[str, Any], d: LocatedDict) -> DerivedSpec | None:
    what, operation, inputs = f"derived figure {v['id']!r}", v["operation"], v["inputs"]
    if operation == "convert" and len(inputs) != 1:
        s.add(d.line_of("inputs"), f"{what}: 'convert' takes exactly one input")
    elif operation != "convert" and len(inputs) < 2:
        s.add(d.line_of("inputs"), f"{what}: {operation!r} needs two or more inputs")
    else:
        return DerivedSpec(
            v["id"], operation, inputs, v["unit"], v["decimals"], v["method"], f"{s.shown}:{d.line}"
        )
    return None


INPUTS = (
    "{what} needs 'inputs': quantities of this fact, 'fact-id.quantity', "
    "or {{value: 100, unit: percent}}"
)
DERIVED = Schema(
    "a derived figure",
    "derived figure {id!r}",
    (
        Field("id", sc.ident, True, unique="derived figure id"),
        Field(
            "operation",
            sc.one_of(
                OPERATIONS, "unknown operation {value!r}; use one of " + ", ".join(OPERATIONS)
            ),
            True,
        ),
        Field("inputs", inputs_kind, INPUTS),
        Field("unit", unit_kind, True),
        Field("decimals", sc.whole(0, 6, "'decimals' of {what} must be 0 to 6"), default=0),
        Field("method", sc.text(), True),
    ),
)
CITATIONS = "{what} needs 'citations': a list of {{source: <id>, locator: <where in the source>}}"
CITATION = Schema(
    "a citation",
    "",
    (
        Field(
            "source",
            sc.text(),
            True,
            refers_to=Ref("sources", "source id", "add it to the sources file first"),
        ),
        Field("locator", sc.text(), True),
    ),
)
FACT = Schema(
    "a fact",
    "fact {id!r}",
    (
        Field("id", sc.ident, True, unique="fact id"),
        Field(
            "date",
            fact_date,
            "{what} is missing required field 'date' (use 'undated' if it has none)",
        ),
        Field("until", date_kind),
        Field("domain", sc.text(), True, refers_to=Ref("domains", "domain")),
        Field("summary", sc.text(), True),
        Field("claimant", sc.text(required=False)),
        Field("quantities", quantities_kind, default={}),
        Field(
            "quote",
            sc.mapping(
                Schema(
                    "a quote",
                    "",
                    (Field("speaker", sc.text(), True), Field("text", sc.text(), True)),
                    Quote,
                )
            ),
        ),
        Field(
            "citations",
            sc.listed(CITATION, "a citation of {what}", lambda s, v, c: v, empty=CITATIONS),
            CITATIONS,
        ),
        Field("derived", sc.listed(DERIVED, "each derived figure", derived_spec), default=()),
        Field(
            "tags",
            sc.id_list("'tags' of {what} must be a list of lower-case words joined by hyphens"),
            default=(),
        ),
    ),
)


def _fact(
    entry: LocatedDict, scope: Scope, sources: dict[str, Source], domains: dict[str, Domain]
) -> Fact | None:
    before = len(scope.problems.items)
    what = FACT.what(entry)
    v = sc.check(scope, entry, FACT)
    if v is None:
        return None
    when = None if v["date"] == UNDATED else v["date"]
    until = v["until"]
    if until is not None and when is None:
        scope.add(entry.line_of("until"), f"{what} has 'until' but no start date")
    elif until is not None and until.latest <= when.latest:
        scope.add(entry.line_of("until"), f"'until' {until} is not after the date {when}")
    citations = [Citation(sources[c["source"]], c["locator"]) for c in v["citations"]]
    names = list(dict.fromkeys(c.source.name for c in citations))
    claimant = v["claimant"]
    if claimant is None and len(names) == 1:
        claimant = names[0]  # the source itself makes the claim
    elif claimant is None and all(c.source.advocate for c in citations):
        scope.add(
            entry.line,
            f"{what} rests only on advocate sources, so it needs 'claimant': who makes the claim, "
            "as readers will see it named",
        )
    elif claimant is None:
        claimant = " and ".join(names)
    if len(scope.problems.items) > before:
        return None
    own = v["id"]
    derived = tuple(
        replace(
            d,
            inputs=tuple(
                replace(o, fact=o.fact or own) if o.constant is None else o for o in d.inputs
            ),
        )
        for d in v["derived"]
    )
    return Fact(
        id=own,
        date=when,
        until=until,
        domain=v["domain"],
        summary=v["summary"],
        claimant=claimant,
        citations=tuple(citations),
        quantities=v["quantities"],
        quote=v["quote"],
        origin=f"{scope.shown}:{entry.line}",
        derived=derived,
        domain_label=domains[v["domain"]].label,
        tags=v["tags"],
    )


def check_derived(facts: dict[str, Fact], problems: Problems) -> None:
    """Compute every declared figure once at the door, so a unit mismatch or a missing input
    is a `path:line` problem before any rendering."""
    for spec in declarations(facts):
        try:
            compute(spec, facts)
        except DeriveError as exc:
            path, _, line = spec.origin.rpartition(":")
            problems.add(path, int(line), str(exc))


def fact_files(paths: tuple[Path, ...]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in {".yaml", ".yml"}))
        else:
            files.append(path)
    return files


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
    ids = sc.Ids()  # one register for the whole evidence base: a fact id is unique across files

    def scope(path: Path, **known) -> Scope:
        return Scope(Checker(problems, _shown(path, root)), known, ids, root)

    sources = load_sources(
        spec.sources_file, _shown(spec.sources_file, root), scope(spec.sources_file)
    )
    domains = load_domains(
        spec.domains_file, _shown(spec.domains_file, root), scope(spec.domains_file)
    )
    facts: dict[str, Fact] = {}
    for path in fact_files(spec.facts_paths):
        fs = scope(path, sources=sources, domains=domains)
        data = read_yaml(path, fs.shown)
        if data is None:
            continue
        for entry in sc.entries(fs, data, "a facts file must be a list of facts", "each fact"):
            if (fact := _fact(entry, fs, sources, domains)) is not None and fact.id not in facts:
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


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def report_files(root: Path) -> list[Path]:
    folder = root / "reports"
    return sorted(p for p in folder.glob("*.y*ml") if p.suffix in {".yaml", ".yml"})


def path_kind(exists: Callable[[Path], bool], message: str) -> sc.Kind:
    """A path under the project root that must exist (`exists`: Path.is_file or Path.exists)."""

    def read(s: Scope, e: LocatedDict, k: str, w: str) -> Path | None:
        name = s.checker.text(e, k, w)
        if name is None:
            return None
        if not exists(s.root / name):
            s.add(e.line_of(k), message.format(value=_shown(s.root / name, s.root)))
            return None
        return s.root / name

    return read


def facts_kind(s: Scope, e: LocatedDict, k: str, w: str) -> tuple[Path, ...] | None:
    """'facts': a folder or file, or a list of them."""
    listed = e[k] if isinstance(e[k], list) else [e[k]]
    paths = tuple(s.root / str(p) for p in listed)
    missing = [p for p in paths if not p.exists()]
    for p in missing:
        s.add(e.line_of(k), f"facts path {_shown(p, s.root)!r} does not exist")
    if not listed:
        s.add(e.line, FACTS)
    return None if missing or not listed else paths


def sheets_kind(s: Scope, e: LocatedDict, k: str, w: str) -> tuple[str, ...] | None:
    raw = e[k]
    sheets = [str(x) for x in raw] if isinstance(raw, list) else []
    if not sheets:
        s.add(e.line_of(k), "'stylesheets' must list one or more files under templates/")
    for name in sheets:
        if why := sc.template_problem(s.root, name):
            s.add(e.line_of(k), why)
    return (
        tuple(sheets)
        if sheets and not any(sc.template_problem(s.root, n) for n in sheets)
        else None
    )


def chart_kind(s: Scope, e: LocatedDict, k: str, w: str) -> tuple[ChartSpec, ...] | None:
    """The chart declarations, each read by chartspec.parse_chart; a chart's id is unique."""
    raw = e[k]
    if not isinstance(raw, list):
        s.add(e.line_of(k), "'charts' must be a list of chart declarations")
        return None
    before, charts = len(s.problems.items), []
    for item in raw:
        ch = s.checker.mapping(item, e.line_of(k), "each chart")
        if ch is not None and (chart := parse_chart(ch, s.shown, s.problems, s.checker)):
            s.ids.claim(s.problems, "chart id", chart.id, s.shown, ch.line_of("id"))
            charts.append(chart)
    return tuple(charts) if len(s.problems.items) == before else None


DOMAINS = (
    "domains file {value!r} does not exist; declare the evidence base's domains (id, label, "
    "slot) there"
)
FACTS = "'data' needs 'facts': a folder or a list of YAML files"
DATA = Schema(
    "'data'",
    "",
    (
        Field("sources", path_kind(Path.is_file, "sources file {value!r} does not exist"), True),
        Field("facts", facts_kind, FACTS),
        Field("domains", path_kind(Path.is_file, DOMAINS)),
        Field("judgments", path_kind(Path.is_file, "judgments file {value!r} does not exist")),
    ),
)
SECTION = Schema(
    "a section",
    "section {id!r}",
    (
        Field("id", sc.ident, True, unique="section id"),
        Field("title", sc.text(), True),
        Field("template", sc.template, True),
    ),
)


def _section(s: Scope, v: dict[str, Any], sec: LocatedDict) -> SectionSpec | None:
    if v["id"] == RESERVED_SECTION:
        s.add(
            sec.line_of("id"),
            f"section id {v['id']!r} is reserved for the section that opens every later "
            "edition with what changed; choose another id",
        )
        return None
    return SectionSpec(v["id"], v["title"], v["template"], f"{s.shown}:{sec.line}")


SECTIONS = "'sections' must list the sections in order"
REPORT = Schema(
    "the report",
    "the report",
    (
        Field("id", sc.ident, True),
        # These four reach mail headers (the subject is made from the title) and file properties.
        Field("title", sc.text(header=True), True),
        Field("subtitle", sc.text(header=True, required=False), default=""),
        Field("author", sc.text(header=True), True),
        Field("subject", sc.text(header=True, required=False)),
        Field("keywords", sc.texts, default=()),
        Field("language", sc.text(required=False), default="en"),
        Field(
            "data",
            sc.mapping(DATA),
            "'data' (sources: and facts:) must be a mapping of fields (key: value)",
        ),
        Field("sections", sc.listed(SECTION, "each section", _section, empty=SECTIONS), SECTIONS),
        Field("charts", chart_kind, default=()),
        Field("layout", sc.template, default=ReportSpec.layout),
        Field("stylesheets", sheets_kind, default=ReportSpec.stylesheets),
        Field(
            "contents", sc.boolean("'contents' must be true or false"), default=ReportSpec.contents
        ),
    ),
)


def load_report(path: Path, root: Path, problems: Problems) -> ReportSpec | None:
    shown = _shown(path, root)
    data = read_yaml(path, shown)
    scope = Scope(Checker(problems, shown), root=root)
    entry = scope.checker.mapping(data, 1, "a report definition")
    if entry is None:
        return None
    before = len(problems.items)
    v = sc.check(scope, entry, REPORT)
    rid = entry.get("id")
    if isinstance(rid, str) and rid != path.stem:
        scope.add(entry.line_of("id"), f"report id {rid!r} must match the file name {path.stem!r}")
    # The defaults too: a stylesheet is read into the page, so one linked out is refused.
    for key, names in (("layout", (ReportSpec.layout,)), ("stylesheets", ReportSpec.stylesheets)):
        for name in names if key not in entry else ():
            if why := sc.template_problem(root, name):
                scope.add(entry.line_of(key), why)
    data = (v or {}).get("data") or {}
    domains = data.get("domains") or root / "data/domains.yaml"
    if (
        isinstance(entry.get("data"), LocatedDict)
        and "domains" not in entry["data"]
        and not domains.is_file()
    ):
        scope.add(entry["data"].line_of("domains"), DOMAINS.format(value=_shown(domains, root)))
    if v is None or len(problems.items) > before:
        return None
    return ReportSpec(
        id=v["id"],
        path=path,
        title=v["title"],
        subtitle=v["subtitle"],
        author=v["author"],
        subject=v["subject"] or v["title"],
        keywords=v["keywords"],
        language=v["language"],
        sources_file=data["sources"],
        facts_paths=data["facts"],
        domains_file=domains,
        sections=v["sections"],
        charts=v["charts"],
        judgments_file=data["judgments"],
        layout=v["layout"],
        stylesheets=v["stylesheets"],
        contents=v["contents"],
    )
