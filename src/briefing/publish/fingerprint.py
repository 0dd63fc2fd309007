"""One hash of everything that can change one report's output, so that an unchanged build can
stop before it imports a rendering library, and a change to what another report uses leaves
this one up to date.

What a report uses is read from its own files, never from every file under `data/` and
`templates/`:

- its definition, and the templates it renders: its section templates, the what-changed
  template, its layout, and whatever they include, import or extend, each found where the
  render finds it (the project's `templates/`, else the package's own); its stylesheets;
- the facts it uses, by their content (not the files they sit in): those its templates cite or
  name, those its charts select (every fact a selection by domain or tag could match), those its
  derived figures are computed from, and those its key judgments rest on. A template that reaches
  for the whole evidence base (the timeline, a loop over the facts) uses every fact;
- what it states about the whole evidence base: how many facts there are (`facts | length`),
  which sources each rests on (`source_share`, `sole_source`) and the date the information is
  current to (on every cover), as those values, not as the facts behind them;
- every source and domain (the document lists the sources; domains colour the charts);
- what shapes the output besides the report (shaping.py: the package's code, the fonts, every
  library that shapes one of the formats asked for, pandoc, the engine patches), and the output
  options: the formats asked for and the options each of them declares (writers.Option).

Which facts a template uses is found by reading its Jinja2 syntax tree, conservatively: a use the
analysis cannot pin to named facts counts as a use of all of them. The analysis of each template
is kept in the manifest beside its checksum, so a build whose templates have not changed reuses it
and never imports Jinja2.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefing.base import shaping, templating
from briefing.config.chartspec import strings
from briefing.config.load import UNDATED, ReportSpec, fact_files, parse_date
from briefing.writers import REGISTRY, chosen_options

WHAT_CHANGED = "sections/what-changed.md.j2"  # rendered into every edition after the first
ALL = "*"
# The context names that lead into the evidence (prose.py documents them).
COLLECTIONS = ("facts", "derived", "sources", "domains", "source_share", "sole_source")


@dataclass(frozen=True)
class Fingerprint:
    digest: str  # "sha256:<hex>"
    inputs: dict[str, Any]  # what the digest covers, for the manifest (see `fingerprint`)
    options: dict[str, object]
    facts: tuple[str, ...] = ()  # the facts the report uses, in the evidence's order
    # section id -> the facts its templates use, so a change can be placed in a section
    sections: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # fact id -> the data file it sits in, as the manifest names files (for reasons.py)
    fact_files: dict[str, str] = field(default_factory=dict)


file_sha256 = shaping.file_sha256


def _sha(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


@functools.cache
def _analyser() -> str:
    """This module's checksum: the template analyses it made are reused only by itself."""
    return file_sha256(Path(__file__))


# ---------------------------------------------------------------- templates -----------------------


def analyse(source: str, engine: bool = False) -> dict[str, list[str]]:
    """What one template uses, from its syntax tree. Keys (each present only when used):
    facts, charts, derived, judgments: ids named, or ["*"] for all; whole: the collections it
    uses as a whole ("facts", "fact-ids" for a count, "citations", "derived", "judgments");
    includes: templates it includes, imports or extends ("*" ends a name only known at run
    time: "layouts/blocks/*" for one computed inside that folder, "*" alone for any name).
    `engine`: the what-changed template, whose cited facts come from the comparison."""
    import jinja2
    from jinja2 import nodes

    try:
        tree = jinja2.Environment().parse(source)
    except jinja2.TemplateSyntaxError:
        return {"whole": ["facts", "citations", "derived", "judgments"], "includes": [ALL]}
    uses: dict[str, set[str]] = {}

    def add(key: str, *values: str) -> None:
        uses.setdefault(key, set()).update(values)

    def const(node: nodes.Node) -> str | None:
        return node.value if isinstance(node, nodes.Const) and isinstance(node.value, str) else None

    # Names bound to a collection ({% set f = facts %}), followed to a fixed point; scopes are
    # ignored, which can only count more uses, never fewer.
    aliases = {name: name for name in COLLECTIONS}
    assigns = [a for a in tree.find_all(nodes.Assign) if isinstance(a.target, nodes.Name)]
    grown = True
    while grown:
        grown = False
        for a in assigns:
            source = a.node.name if isinstance(a.node, nodes.Name) else None
            if source in aliases and a.target.name not in aliases:
                aliases[a.target.name] = aliases[source]
                grown = True
    accounted = {id(a.node) for a in assigns if isinstance(a.node, nodes.Name)}
    keyed = {"facts": "facts", "derived": "derived"}  # collections whose items are tracked
    for item in tree.find_all(nodes.Getitem):
        if isinstance(item.node, nodes.Name) and item.node.name in aliases:
            collection = aliases[item.node.name]
            key = const(item.arg)
            if collection in keyed and key is not None:
                add(keyed[collection], key)
                accounted.add(id(item.node))
            elif collection in ("sources", "domains"):
                accounted.add(id(item.node))  # every source and domain counts anyway
    for f in tree.find_all(nodes.Filter):
        if f.name in ("length", "count") and isinstance(f.node, nodes.Name):
            collection = aliases.get(f.node.name)
            if collection == "facts":
                add("whole", "fact-ids")
                accounted.add(id(f.node))
            elif collection in ("sources", "domains"):
                accounted.add(id(f.node))
    for call in tree.find_all(nodes.Call):
        if not isinstance(call.node, nodes.Name):
            continue
        args = [const(a) for a in call.args]
        named = [a for a in args if a is not None]
        dynamic = len(named) < len(args) or call.dyn_args is not None
        name = call.node.name
        if name == "cite" and not engine:
            add("facts", *named)
            if dynamic:
                add("whole", "facts")
        elif name == "chart":
            add("charts", *(named if not dynamic else [ALL]))
        elif name == "judgments":
            add("judgments", *(named if named and not dynamic else [ALL]))
        elif name == "timeline":
            add("whole", "facts")
    for name in tree.find_all(nodes.Name):
        if name.ctx == "load" and name.name in aliases and id(name) not in accounted:
            collection = aliases[name.name]
            if collection in ("source_share", "sole_source"):
                add("whole", "citations")
            elif collection in ("facts", "derived"):
                add("whole", collection)
    for node in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
        target = const(node.template)
        add("includes", target if target is not None else _prefix(node.template) + ALL)
    return {key: sorted(values) for key, values in sorted(uses.items())}


def _prefix(name: Any) -> str:
    """The fixed start of a template name computed at run time ("layouts/blocks/" ~ kind ~
    ".html.j2" starts with "layouts/blocks/"), so that such an include counts the templates of
    that folder, not every template of the project; "" when nothing of it is fixed."""
    from jinja2 import nodes  # only where templates are analysed: an up-to-date build never is

    while isinstance(name, nodes.Concat | nodes.Add):
        name = name.nodes[0] if isinstance(name, nodes.Concat) else name.left
    return name.value if isinstance(name, nodes.Const) and isinstance(name.value, str) else ""


class _Templates:
    """Each template's checksum and analysis, reusing the analysis an earlier manifest kept
    for the same bytes under the same analyser."""

    def __init__(self, folder: Path, known: object, analyser: str):
        self.folder = folder
        self.analyser = analyser
        self.known = known if isinstance(known, dict) else {}
        self.seen: dict[str, dict[str, Any]] = {}
        # name -> the file as the manifest names it: the project's, or the package's own
        self.file: dict[str, str] = {}

    def get(self, name: str) -> dict[str, Any]:
        if name in self.seen:
            return self.seen[name]
        self.file[name] = f"templates/{name}"
        try:
            found = templating.locate(self.folder, name)  # where the render will find it
            if found is None:
                raise FileNotFoundError(name)
            self.file[name] = found.key
            data = found.path.read_bytes()
        except (OSError, templating.Outside):
            entry: dict[str, Any] = {"sha256": None}  # missing: the build will say so
        else:
            sha = hashlib.sha256(data).hexdigest()
            old = self.known.get(name)
            if isinstance(old, dict) and old.get("sha256") == sha:
                entry = old
            elif name.endswith(".css"):
                entry = {"sha256": sha}
            else:
                text = data.decode("utf-8", errors="replace")
                entry = {"sha256": sha, **analyse(text, engine=name == WHAT_CHANGED)}
        self.seen[name] = entry
        return entry

    def closure(self, names: Iterable[str]) -> tuple[list[str], dict[str, set[str]]]:
        """The templates `names` lead to (themselves, then what they include), and what they
        use together, by key."""
        order: list[str] = []
        used: dict[str, set[str]] = {}
        todo = list(names)
        while todo:
            name = todo.pop(0)
            if name in order:
                continue
            order.append(name)
            entry = self.get(name)
            for key, values in entry.items():
                if key != "sha256" and isinstance(values, list):
                    used.setdefault(key, set()).update(values)
            for target in entry.get("includes", []):
                if target.endswith(ALL):  # a name computed at run time: any that fits
                    prefix = target.removesuffix(ALL)
                    todo += [n for n in templating.names(self.folder) if n.startswith(prefix)]
                else:
                    todo.append(target)
        return order, used


# ---------------------------------------------------------------- evidence ------------------------


def _read(path: Path) -> tuple[Any, str | None]:
    """A data file's content, or None and the file's checksum when it cannot be read as YAML
    (then the build's validation will name the problem)."""
    from briefing.config.yamlfile import read_yaml

    try:
        return read_yaml(path, path.name), None
    except Exception:  # noqa: BLE001 - anything unreadable counts by its bytes
        try:
            return None, file_sha256(path)
        except OSError:
            return None, "missing"


@dataclass
class _Evidence:
    facts: dict[str, list[Any]]  # fact id -> its entries (two if the id is duplicated)
    unreadable: dict[str, str]  # file or entry -> checksum: counted for every report
    where: dict[str, str] = field(default_factory=dict)  # fact id -> its file, as shown

    def ids(self) -> list[str]:
        return list(self.facts)


def _evidence(spec: ReportSpec, root: Path) -> _Evidence:
    ev = _Evidence({}, {})
    for path in fact_files(spec.facts_paths):
        data, bad = _read(path)
        shown = _shown(path, root)
        if bad is not None or (data is not None and not isinstance(data, list)):
            ev.unreadable[shown] = bad or _sha(data)
            continue
        for n, entry in enumerate(data or []):
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                ev.facts.setdefault(entry["id"], []).append(entry)
                ev.where.setdefault(entry["id"], shown)
            else:
                ev.unreadable[f"{shown}#{n}"] = _sha(entry)
    return ev


def _derivations(ev: _Evidence) -> dict[str, set[str]]:
    """Derived figure id -> the facts it is declared on and computed from."""
    out: dict[str, set[str]] = {}
    for fid, entries in ev.facts.items():
        for entry in entries:
            for d in entry.get("derived") or []:
                if not isinstance(d, dict):
                    continue
                facts = {fid}
                for op in d.get("inputs") or []:
                    if isinstance(op, str) and "." in op:
                        facts.add(op.split(".", 1)[0])
                out.setdefault(str(d.get("id")), set()).update(facts)
    return out


def _chart_facts(chart: Any, ev: _Evidence, derivations: dict[str, set[str]]) -> set[str]:
    sel = chart.select
    if sel.facts:
        chosen = set(sel.facts)
    else:
        chosen = set()
        for fid, entries in ev.facts.items():
            for e in entries:
                tags = e.get("tags") if isinstance(e.get("tags"), list) else []
                if (not sel.domains or e.get("domain") in sel.domains) and (
                    not sel.tags or set(map(str, tags)) & set(sel.tags)
                ):
                    chosen.add(fid)  # dated or not: a date can be added later
    for text in strings(chart.options):
        if text in derivations:
            chosen |= derivations[text]
        head = text.split(".", 1)[0]
        if head in ev.facts:
            chosen.add(head)
    return chosen


def _judgment_facts(spec: ReportSpec, wanted: set[str]) -> tuple[set[str], str]:
    """The facts the named key judgments (all, for "*") rest on, and the judgments' checksum."""
    if spec.judgments_file is None:
        return set(), "none"
    data, bad = _read(spec.judgments_file)
    if bad is not None or not isinstance(data, list):
        return {ALL}, bad or _sha(data)
    facts: set[str] = set()
    for entry in data:
        if isinstance(entry, dict) and (ALL in wanted or entry.get("id") in wanted):
            basis = entry.get("basis")
            facts.update(str(b) for b in basis) if isinstance(basis, list) else facts.add(ALL)
    return facts, _sha(data)


def _current_to(ev: _Evidence) -> dict[str, Any]:
    """The newest date of the evidence base (as compose.current_to finds it), which every
    cover shows; dates that do not read are listed, so the build gets to name them."""
    newest = None
    unread = []
    for entries in ev.facts.values():
        for e in entries:
            raw = e.get("date")
            if raw is None or str(raw).strip() == UNDATED:
                continue
            parsed = parse_date(e["until"] if e.get("until") is not None else raw)
            if isinstance(parsed, str):
                unread.append(str(raw))
            elif newest is None or (parsed.latest, parsed.earliest) > (
                newest.latest,
                newest.earliest,
            ):
                newest = parsed
    shown = None if newest is None else f"{newest.iso()}|{newest.year}|{newest.month}|{newest.day}"
    return {"newest": shown, "unread": unread}


# ---------------------------------------------------------------- the fingerprint -----------------


def fingerprint(
    spec: ReportSpec,
    root: Path,
    formats: tuple[str, ...],
    options: Mapping[str, str] | None = None,
    known: object = None,
) -> Fingerprint:
    """`options`: the formats' options given (writers.Option), by name; only those of the
    formats asked for count, each at its default unless given. `known`: the newest edition's
    manifest "inputs", whose template analyses are reused.

    The manifest's "inputs" read: files (whole files counted by checksum: the definition,
    templates, stylesheets, sources, domains), templates (what each template uses), facts (each
    fact used -> the checksum of its content), evidence (the whole-base values the report states)
    analyser (the checksum of this module, which made the analyses) and shaping (each item of
    shaping.py that shapes the formats asked for, with its value here)."""
    analyser = _analyser()
    templates = root / "templates"
    cache = _Templates(
        templates,
        known.get("templates")
        if isinstance(known, dict) and known.get("analyser") == analyser
        else None,
        analyser,
    )
    # Per section, what its template (and what that includes) uses.
    per_section: dict[str, dict[str, set[str]]] = {}
    names: list[str] = []
    for section in spec.sections:
        order, used = cache.closure([section.template])
        per_section[section.id] = used
        names += order
    order, engine = cache.closure([WHAT_CHANGED, spec.layout])
    names += order
    everything: dict[str, set[str]] = {}
    for used in [*per_section.values(), engine]:
        for key, values in used.items():
            everything.setdefault(key, set()).update(values)

    ev = _evidence(spec, root)
    derivations = _derivations(ev)
    charts = {c.id: c for c in spec.charts}
    judged: dict[str, str] = {}

    def facts_of(used: dict[str, set[str]]) -> set[str]:
        whole = used.get("whole", set())
        if "facts" in whole:
            return set(ev.facts)
        out = set(used.get("facts", ()))
        wanted = used.get("derived", set())
        if "derived" in whole:
            wanted = set(derivations)
        for did in wanted:
            out |= derivations.get(did, set())
        chosen = used.get("charts", set())
        for cid in charts if ALL in chosen else chosen:
            if cid in charts:
                out |= _chart_facts(charts[cid], ev, derivations)
        if used.get("judgments"):
            basis, judged["sha256"] = _judgment_facts(spec, set(used["judgments"]))
            if ALL in basis:
                return set(ev.facts)
            out |= basis
        return out

    sections = {sid: facts_of(used) for sid, used in per_section.items()}
    used_facts = set().union(*sections.values(), facts_of(engine))
    chosen = chosen_options(formats, options or {})
    if any(REGISTRY[f].carries_evidence(chosen) for f in formats):
        used_facts = set(ev.facts)  # a format that embeds the evidence carries it whole
    # Named but absent facts count too (as absent), so adding one later is a change.
    facts = {fid: _sha(ev.facts[fid]) if fid in ev.facts else None for fid in ev.ids()}
    facts = {fid: sha for fid, sha in facts.items() if fid in used_facts}
    facts.update({fid: None for fid in sorted(used_facts - set(ev.facts))})

    whole = everything.get("whole", set())
    evidence: dict[str, Any] = {"current_to": _current_to(ev)}
    if "fact-ids" in whole:
        evidence["fact_ids"] = _sha(sorted(ev.facts))
    if "citations" in whole:
        cites = {
            fid: sorted(
                {
                    str(c.get("source"))
                    for e in entries
                    for c in e.get("citations") or []
                    if isinstance(c, dict)
                }
            )
            for fid, entries in sorted(ev.facts.items())
        }
        evidence["citations"] = _sha(cites)
    if judged:
        evidence["judgments"] = judged["sha256"]
    if ev.unreadable:
        evidence["unreadable"] = ev.unreadable

    files: dict[str, str | None] = {_shown(spec.path, root): file_sha256(spec.path)}
    for name in [*dict.fromkeys(names), *spec.stylesheets]:
        sha = cache.get(name).get("sha256")
        files[cache.file[name]] = sha
    for path in (spec.sources_file, spec.domains_file):
        data, bad = _read(path)
        files[_shown(path, root)] = bad or _sha(data)

    inputs = {
        "files": files,
        "facts": facts,
        "evidence": evidence,
        "templates": {name: cache.get(name) for name in dict.fromkeys(names)},
        "analyser": analyser,
        # What shaped the output besides the report, readable, so a rebuild can be explained.
        "shaping": shaping.values(formats),
    }
    options = {"formats": sorted(formats), **chosen}
    whole_digest = {
        "files": files,
        "facts": list(facts.items()),  # in the evidence's order, which ties in a timeline keep
        "evidence": evidence,
        "shaping": shaping.digest(formats),  # code, fonts, libraries, pandoc, patches
        "options": options,
    }
    digest = hashlib.sha256(json.dumps(whole_digest, sort_keys=True).encode()).hexdigest()
    order = [fid for fid in facts]
    return Fingerprint(
        f"sha256:{digest}",
        inputs,
        options,
        tuple(order),
        {sid: tuple(f for f in order if f in used) for sid, used in sections.items()},
        ev.where,
    )
