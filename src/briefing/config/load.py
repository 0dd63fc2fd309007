"""Read reports/ and data/, validate everything at the door, and build typed evidence.

Every problem is reported with `path:line` and a hint, and all of them in one run, before any
rendering starts, so a bad edit never reaches (or replaces) a published file. Each file's
fields are declared once below as a `schema.Schema` (the kinds they share are in `fieldkinds.py`);
what a table cannot say (a date range, who makes a claim, the paths of a report's data) is
checked after it, beside the table.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from briefing.base.derive import OPERATIONS, DerivedSpec, DeriveError, compute, declarations
from briefing.base.errors import InputError, Problems
from briefing.base.model import (
    RELIABILITY,
    Citation,
    Domain,
    Fact,
    Judgment,
    Quote,
    Reliability,
    Source,
)
from briefing.base.wording import STRENGTHS
from briefing.config import fieldkinds as kinds
from briefing.config import numbers
from briefing.config import schema as sc
from briefing.config.chartspec import charts
from briefing.config.fieldkinds import parse_date, shown
from briefing.config.judgments import load as load_judgments
from briefing.config.schema import Field, Ref, Schema, Scope
from briefing.config.specs import (
    RESERVED_REPORT_IDS,
    RESERVED_SECTION,
    UNDATED,
    Evidence,
    ReportSpec,
    SectionSpec,
)
from briefing.config.yamlfile import MAX_FILE_BYTES, LocatedDict, read_yaml

__all__ = ["UNDATED", "Evidence", "ReportSpec", "fact_files", "load_evidence", "load_report"]
__all__ += ["parse_date", "report_files"]

# ---------------------------------------------------------------- sources and domains -----------

SCALE = ", ".join(f"{g} ({m})" for g, m in RELIABILITY.items())
OFF_SCALE = sc.one_of(RELIABILITY, "grade {value!r} is not on the scale: " + SCALE)
GRADE = Schema(
    "a grade", "", (Field("grade", OFF_SCALE, True), Field("reason", sc.text(), True)), Reliability
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
        Field("published", kinds.when, True),
        Field("byline", sc.text(required=False)),
        Field("file", sc.text(), True),
        Field("advocate", sc.boolean(ADVOCATE), ADVOCATE),
        Field("perspective", sc.text(), True),
    ),
    Source,
)
PALETTE_SLOTS = 8
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

# ---------------------------------------------------------------- facts ---------------------------


def derived_spec(s: Scope, v: dict, d: LocatedDict) -> DerivedSpec | None:
    """A derived figure; the number of inputs its operation takes is a rule across fields."""
    what, operation, inputs = f"derived figure {v['id']!r}", v["operation"], v["inputs"]
    if operation == "convert" and len(inputs) != 1:
        s.add(d.line_of("inputs"), f"{what}: 'convert' takes exactly one input")
    elif operation != "convert" and len(inputs) < 2:
        s.add(d.line_of("inputs"), f"{what}: {operation!r} needs two or more inputs")
    else:
        return DerivedSpec(**v, origin=f"{s.shown}:{d.line}")
    return None


OPERATION = "unknown operation {value!r}; use one of " + ", ".join(OPERATIONS)
DERIVED = Schema(
    "a derived figure",
    "derived figure {id!r}",
    (
        Field("id", sc.ident, True, unique="derived figure id"),
        Field("operation", sc.one_of(OPERATIONS, OPERATION), True),
        Field("inputs", kinds.operands, kinds.INPUTS),
        Field("unit", kinds.unit, True),
        Field("decimals", sc.whole(0, 6, "'decimals' of {what} must be 0 to 6"), default=0),
        Field("method", sc.text(), True),
    ),
)
CITATIONS = "{what} needs 'citations': a list of {{source: <id>, locator: <where in the source>}}"
CITED_IN = "a citation of {what}"
CITED = Ref("sources", "source id", "add it to the sources file first")
CITATION = Schema(
    "a citation",
    "",
    (Field("source", sc.text(), True, refers_to=CITED), Field("locator", sc.text(), True)),
)
QUOTE = Schema(
    "a quote", "", (Field("speaker", sc.text(), True), Field("text", sc.text(), True)), Quote
)
UNDATED_TOO = "{what} is missing required field 'date' (use 'undated' if it has none)"
TAGS = "'tags' of {what} must be a list of lower-case words joined by hyphens"
STRENGTH = (
    "unknown strength {value!r}; use the one that matches the source's own verb: "
    + ", ".join(STRENGTHS)
)


def _citation(s: Scope, v: dict, c: LocatedDict) -> Citation:
    return Citation(s.known["sources"][v["source"]], v["locator"])


FACT = Schema(
    "a fact",
    "fact {id!r}",
    (
        Field("id", sc.ident, True, unique="fact id"),
        Field("date", kinds.happened, UNDATED_TOO),
        Field("until", kinds.when),
        Field("domain", sc.text(), True, refers_to=Ref("domains", "domain")),
        Field("summary", sc.text(), True),
        Field("claimant", sc.text(required=False)),
        Field("quantities", kinds.quantities, default={}),
        Field("quote", sc.mapping(QUOTE)),
        Field("citations", sc.listed(CITATION, CITED_IN, _citation, CITATIONS), CITATIONS),
        Field("derived", sc.listed(DERIVED, "each derived figure", derived_spec), default=()),
        Field("tags", sc.id_list(TAGS), default=()),
        Field("strength", sc.one_of(tuple(STRENGTHS), STRENGTH), default="says"),
        Field("corroborates", sc.ident),
    ),
)


def _fact(scope: Scope, entry: LocatedDict) -> Fact | None:
    """One fact, held to the rules across its fields: a range runs forward, and someone makes
    the claim (the one source, or a 'claimant' when only advocates carry it)."""
    before, what = len(scope.problems.items), FACT.what(entry)
    v = sc.check(scope, entry, FACT)
    if v is None:
        return None
    v["date"] = when = None if v["date"] == UNDATED else v["date"]
    if (until := v["until"]) is not None and when is None:
        scope.add(entry.line_of("until"), f"{what} has 'until' but no start date")
    elif until is not None and until.latest <= when.latest:
        scope.add(entry.line_of("until"), f"'until' {until} is not after the date {when}")
    names = list(dict.fromkeys(c.source.name for c in v["citations"]))
    if v["claimant"] is None and len(names) == 1:
        v["claimant"] = names[0]  # the source itself makes the claim
    elif v["claimant"] is None and all(c.source.advocate for c in v["citations"]):
        scope.add(
            entry.line,
            f"{what} rests only on advocate sources, so it needs 'claimant': who makes the claim, "
            "as readers will see it named",
        )
    elif v["claimant"] is None:
        v["claimant"] = " and ".join(names)
    summary, faults = numbers.fill(v["summary"], v["quantities"], when, until)
    for fault in faults:
        scope.add(entry.line_of("summary"), f"summary of {what}: {fault}")
    v["summary"] = summary
    for d in v["derived"]:
        for figure in numbers.typed(d.method):
            path, _, line = d.origin.rpartition(":")
            scope.add(
                int(line),
                f"'method' of derived figure {d.id!r} types the number {figure!r}; say how the "
                "figure is computed in words, and leave the figures to the data",
            )
    if len(scope.problems.items) > before:
        return None
    # An input named by its quantity alone is one of this fact's own.
    own = [[replace(o, fact=o.fact or v["id"]) for o in d.inputs] for d in v["derived"]]
    v["derived"] = tuple(
        replace(d, inputs=tuple(i)) for d, i in zip(v["derived"], own, strict=True)
    )
    label = scope.known["domains"][v["domain"]].label
    return Fact(**v, origin=f"{scope.shown}:{entry.line}", domain_label=label)


def check_corroborations(facts: dict[str, Fact], problems: Problems) -> None:
    """A fact 'corroborates' another only from a different source: it is how a point both
    sources support is counted when they word it differently."""
    for fact in facts.values():
        if fact.corroborates is None:
            continue
        path, _, line = fact.origin.rpartition(":")
        other = facts.get(fact.corroborates)
        if other is None:
            problems.add(
                path, int(line), f"fact {fact.id!r} corroborates unknown fact {fact.corroborates!r}"
            )
        elif {c.source.id for c in fact.citations} == {c.source.id for c in other.citations}:
            problems.add(
                path,
                int(line),
                f"fact {fact.id!r} corroborates {other.id!r}, which rests on the same source; "
                "corroboration needs another source",
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
TOO_MANY = (
    "the evidence base has {n:,} facts; one report may draw on at most {most:,} (about sixty "
    "times the bundled briefing's), which keeps a build within the time and memory the README "
    "states; split it into several reports"
)
NONE_DATED = (
    "no fact is dated; date at least one, since the briefing states what its information is "
    "current to"
)


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

    def read(path: Path, build, whole: str, each: str, accept=(), **known) -> dict:
        scope = Scope(problems, shown(path, root), known, ids, root)
        data = read_yaml(path, scope.shown)
        return {x.id: x for x in sc.built(scope, data, build, whole, each, accept)}

    whole = "the sources file must be a list of sources"
    sources = read(spec.sources_file, SOURCE.read, whole, "each source", ([],))
    whole = "the domains file must be a list of domains"  # an empty list declares none
    domains = read(spec.domains_file, DOMAIN.read, whole, "each domain")
    facts: dict[str, Fact] = {}
    for path in fact_files(spec.facts_paths):
        whole = "a facts file must be a list of facts"
        known = {"sources": sources, "domains": domains}
        facts |= read(path, _fact, whole, "each fact", (None, []), **known)
    check_derived(facts, problems)
    check_corroborations(facts, problems)
    judgments: tuple[Judgment, ...] = ()
    if spec.judgments_file is not None and facts and not problems:
        where = shown(spec.judgments_file, root)
        judgments = load_judgments(spec.judgments_file, where, facts, problems)
    where = ", ".join(shown(p, root) for p in spec.facts_paths)
    if problems:
        pass
    elif not facts:
        problems.add(where, None, "the evidence base has no facts; add some before building")
    elif len(facts) > MAX_FACTS:
        problems.add(where, None, TOO_MANY.format(n=len(facts), most=MAX_FACTS))
    elif not any(f.date for f in facts.values()):
        problems.add(where, None, NONE_DATED)
    return Evidence(sources, facts, domains, judgments)


# ---------------------------------------------------------------- reports -------------------------


def report_files(root: Path) -> list[Path]:
    folder = root / "reports"
    return sorted(p for p in folder.glob("*.y*ml") if p.suffix in {".yaml", ".yml"})


DOMAINS = (
    "domains file {value!r} does not exist; declare the evidence base's domains (id, label, "
    "slot) there"
)
FACTS = "'data' needs 'facts': a folder or a list of YAML files"
DATA = Schema(
    "'data'",
    "",
    (
        Field("sources", kinds.path(Path.is_file, "sources file {value!r} does not exist"), True),
        Field("facts", kinds.paths(FACTS), FACTS),
        Field("domains", kinds.path(Path.is_file, DOMAINS), implied="data/domains.yaml"),
        Field("judgments", kinds.path(Path.is_file, "judgments file {value!r} does not exist")),
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
RESERVED = (
    "section id {id!r} is reserved for the section that opens every later edition with what "
    "changed; choose another id"
)


def _section(s: Scope, v: dict, sec: LocatedDict) -> SectionSpec | None:
    if v["id"] != RESERVED_SECTION:
        return SectionSpec(**v, origin=f"{s.shown}:{sec.line}")
    s.add(sec.line_of("id"), RESERVED.format(id=v["id"]))
    return None


SECTIONS = "'sections' must list the sections in order"
NO_DATA = "'data' (sources: and facts:) must be a mapping of fields (key: value)"
CONTENTS = "'contents' must be true or false"
SHEETS = "'stylesheets' must list one or more files under templates/"
REPORT = Schema(
    "the report",
    "the report",
    (
        Field("id", sc.ident, True),
        # These four reach mail headers (the subject is made from the title) and file properties.
        Field("title", sc.text(header=True), True),
        Field("subtitle", sc.text(header=True, required=False), default=""),
        # The label over the title ("In Focus"): the report names what it is, not the layout.
        Field("kicker", sc.text(header=True, required=False), default=""),
        Field("author", sc.text(header=True), True),
        Field("subject", sc.text(header=True, required=False)),
        Field("keywords", sc.texts, default=()),
        Field("language", sc.text(required=False), default="en"),
        Field("data", sc.mapping(DATA), NO_DATA),
        Field("sections", sc.listed(SECTION, "each section", _section, SECTIONS), SECTIONS),
        Field("charts", charts, default=()),
        # The defaults too: a stylesheet is read into the page, so one linked out is refused.
        Field("layout", sc.template, implied=ReportSpec.layout),
        Field("stylesheets", kinds.templates(SHEETS), implied=list(ReportSpec.stylesheets)),
        Field("contents", sc.boolean(CONTENTS), default=ReportSpec.contents),
    ),
)


def report_id_problem(report_id: str) -> str | None:
    """What is wrong with a report id that is well formed but taken by the output folder."""
    if report_id in RESERVED_REPORT_IDS:
        return (
            f"report id {report_id!r} is reserved: {RESERVED_REPORT_IDS[report_id]}, which its "
            "files would clash with; choose another id (and file name)"
        )
    return None


def load_report(path: Path, root: Path, problems: Problems) -> ReportSpec | None:
    scope = Scope(problems, shown(path, root), root=root)
    entry = scope.checker.mapping(read_yaml(path, scope.shown), 1, "a report definition")
    if entry is None:
        return None
    before = len(problems.items)
    v = sc.check(scope, entry, REPORT)
    if isinstance(rid := entry.get("id"), str) and rid != path.stem:
        scope.add(entry.line_of("id"), f"report id {rid!r} must match the file name {path.stem!r}")
    elif isinstance(rid, str) and (why := report_id_problem(rid)) is not None:
        scope.add(entry.line_of("id"), why)
    if v is None or len(problems.items) > before:
        return None
    v["subject"], data = v["subject"] or v["title"], v.pop("data")
    files = {"sources_file": data["sources"], "facts_paths": data["facts"]}
    files |= {"domains_file": data["domains"], "judgments_file": data["judgments"]}
    return ReportSpec(**v, path=path, **files)
