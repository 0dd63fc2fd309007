"""Why a report is, or is not, up to date: its new fingerprint's parts (fingerprint.py) set
against those its newest edition's manifest recorded, told part by part for `build --verbose`.

The parts, as a user knows them: the report (its definition), data (the facts it uses, by the
file each sits in; the sources and domains files; what it states about the whole evidence base),
templates, styles, the tool (briefing's code, its fonts and engine patches, Python, the libraries
and programs that shape the formats), the formats asked for and their options. An edition made
before manifests kept the parts says so: it can be told apart only as a whole."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from briefing.publish.fingerprint import Fingerprint

NO_RECORD = "no record of parts in the previous edition (made by an older briefing)"
EVIDENCE = {
    "current_to": "the date the information is current to",
    "fact_ids": "the number of facts in the evidence base",
    "citations": "which sources the facts rest on",
    "judgments": "the key judgments",
    "unreadable": "data entries that do not read as facts",
}
SHOWN = 40  # characters of a long value (a checksum, a path) shown


def _kind(name: str, report_file: str) -> str:
    if name == report_file:
        return "report"
    if name.endswith(".css"):
        return "style"
    if name.startswith(("templates/", "briefing/templates/")):
        return "template"
    return "data file"


def _short(value: object) -> str:
    text = "absent" if value is None else str(value)
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


def _compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[list, list, list]:
    """Keys changed, added and removed, in `new`'s order then `old`'s."""
    changed = [k for k in new if k in old and old[k] != new[k]]
    added = [k for k in new if k not in old]
    removed = [k for k in old if k not in new]
    return changed, added, removed


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def differences(old_inputs: object, old_options: object, fp: Fingerprint) -> list[str]:
    """Each part of `fp` that differs from what the previous edition recorded (its manifest's
    "inputs" and "options"), one line each; [NO_RECORD] when it kept no parts."""
    if not isinstance(old_inputs, dict) or not old_inputs:
        return [NO_RECORD]
    lines: list[str] = []
    new = fp.inputs
    report_file = next(iter(new["files"]), "")  # the definition comes first (fingerprint.py)

    changed, added, removed = _compare(_mapping(old_inputs.get("files")), new["files"])
    for name in changed:
        lines.append(f"{_kind(name, report_file)} {name} changed")
    for name in added:
        lines.append(f"{_kind(name, report_file)} {name} is now used")
    for name in removed:
        lines.append(f"{_kind(name, report_file)} {name} is no longer used")

    changed, added, removed = _compare(_mapping(old_inputs.get("facts")), new["facts"])
    by_file: dict[str, list[str]] = {}
    for verb, ids in (("changed", changed), ("added or newly used", added)):
        for fid in ids:
            where = fp.fact_files.get(fid, "data")
            by_file.setdefault(where, []).append(f"fact {fid} {verb}")
    for fid in removed:
        by_file.setdefault(fp.fact_files.get(fid, "data"), []).append(
            f"fact {fid} removed or no longer used"
        )
    for where, what in by_file.items():
        lines.append(f"data file {where}: {'; '.join(what)}")

    changed, added, removed = _compare(_mapping(old_inputs.get("evidence")), new["evidence"])
    for key in [*changed, *added, *removed]:
        lines.append(f"data: {EVIDENCE.get(key, key)} changed")

    old_shaping = _mapping(old_inputs.get("shaping"))
    changed, added, removed = _compare(old_shaping, new["shaping"])
    for item in changed:
        lines.append(f"tool: {item} {_short(old_shaping[item])} -> {_short(new['shaping'][item])}")
    for item in added:
        lines.append(f"tool: {item} now counts ({_short(new['shaping'][item])})")
    for item in removed:
        lines.append(f"tool: {item} no longer counts")

    old_opts = _mapping(old_options)
    if old_opts.get("formats") != fp.options.get("formats"):
        before = ",".join(old_opts.get("formats") or []) or "none recorded"
        lines.append(f"formats: {before} -> {','.join(fp.options['formats'])}")
    changed, added, removed = _compare(
        {k: v for k, v in old_opts.items() if k != "formats"},
        {k: v for k, v in fp.options.items() if k != "formats"},
    )
    for key in [*changed, *added, *removed]:
        lines.append(f"option {key}: {_short(old_opts.get(key))} -> {_short(fp.options.get(key))}")
    if not lines:  # the digest moved all the same: the facts' order (a tie in a timeline)
        lines.append("the order of the facts in the data changed")
    return lines
