"""The field kinds more than one input shares, beside the plain ones in `schema.py`: dates,
quantities and units, a derived figure's inputs, and paths inside the project. Each reads one
present field and returns its value, or None after recording a problem, as `schema.Kind` says.

They live here, not in the loader that first needed them, so that a loader is its tables and
the few rules a table cannot state; `parse_date` and `number_problem` are also what the later
floors (snapshots, the fingerprint) use to read a date or judge a number the same way.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from briefing.base import precision
from briefing.base.clock import generated_date
from briefing.base.derive import Operand
from briefing.base.model import PartialDate, Quantity
from briefing.base.units import UNITS
from briefing.config.schema import Kind, Scope, template_problem
from briefing.config.specs import UNDATED
from briefing.config.yamlfile import LocatedDict

DATE_RE = re.compile(r"^(?P<y>\d{4})(?:-(?P<m>\d{1,2})(?:-(?P<d>\d{1,2}))?)?$")
DECADE_RE = re.compile(r"^(?P<y>\d{3}0)s$")
MAX_MAGNITUDE = 1e15  # beyond any quantity a briefing reports; catches typos and overflow
RANGES = {"percent": (0.0, 100.0), "rank": (1.0, 1000.0)}


def shown(path: Path, root: Path) -> str:
    """A path as messages name it: relative to the project root when it is inside it."""
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


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


def when(s: Scope, e: LocatedDict, k: str, w: str) -> PartialDate | None:
    parsed = parse_date(e[k])
    if isinstance(parsed, str):
        s.add(e.line_of(k), parsed)
        return None
    return parsed


def happened(s: Scope, e: LocatedDict, k: str, w: str) -> PartialDate | str | None:
    """An event's date: UNDATED, or a date no later than the edition's."""
    if str(e[k]).strip() == UNDATED:
        return UNDATED
    parsed = when(s, e, k, w)
    if parsed is not None and parsed.earliest > generated_date():
        s.add(
            e.line_of(k),
            f"date {parsed} is after the edition date ({generated_date().isoformat()}); "
            "a fact cannot have happened yet",
        )
        return None
    return parsed


def unit(s: Scope, e: LocatedDict, k: str, w: str) -> str | None:
    name = s.checker.text(e, k, w)
    return name if name and s.checker.known_unit(name, e.line_of(k)) else None


def quantities(s: Scope, e: LocatedDict, k: str, w: str) -> dict[str, Quantity] | None:
    """A fact's quantities by name: {value, unit, signed}, each number fit to publish."""
    qmap = s.checker.mapping(e[k], e.line_of(k), f"'quantities' of {w}")
    if qmap is None:
        return None
    before, out = len(s.problems.items), {}
    for name, raw in qmap.items():
        what = f"quantity {name!r} of {w}"
        q = s.checker.mapping(raw, qmap.line_of(name), what)
        if q is None:
            continue
        s.checker.unknown_keys(q, {"value", "unit", "signed", "sig"}, f"quantity {name!r}")
        value, of, sig = q.get("value"), q.get("unit"), q.get("sig")
        if isinstance(value, bool) or not isinstance(value, int | float):
            s.add(q.line, f"{what} needs a numeric 'value'")
        elif sig is not None and (
            isinstance(sig, bool) or not isinstance(sig, int) or not 0 < sig < 16
        ):
            s.add(
                q.line_of("sig"),
                f"'sig' of {what} must be a whole number of significant figures, 1 to 15, "
                "as the source states the figure (leave it out to count the figures written)",
            )
        elif why := number_problem(value, of, bool(q.get("signed", False))):
            s.add(q.line_of("value"), f"{what} {why}")
        elif s.checker.known_unit(of, q.line_of("unit")):
            figures = sig if sig is not None else precision.inferred(value)
            out[str(name)] = Quantity(float(value), of, figures)
    return out if len(s.problems.items) == before else None


INPUTS = (
    "{what} needs 'inputs': quantities of this fact, 'fact-id.quantity', "
    "or {{value: 100, unit: percent}}"
)


def operands(s: Scope, e: LocatedDict, k: str, w: str) -> tuple[Operand, ...] | None:
    """A derived figure's inputs: 'quantity' (of its own fact, which the fact fills in),
    'fact-id.quantity', or a constant {value, unit}."""
    raw = e[k]
    if not isinstance(raw, list) or not raw:
        s.add(e.line_of(k), INPUTS.format(what=w))
        return None
    before, out = len(s.problems.items), []
    for item in raw:
        if isinstance(item, LocatedDict):
            s.checker.unknown_keys(item, {"value", "unit"}, f"a constant of {w}")
            value, of = item.get("value"), item.get("unit")
            if isinstance(value, bool) or not isinstance(value, int | float) or of not in UNITS:
                s.add(item.line, f"a constant of {w} needs a numeric 'value' and a known 'unit'")
            else:
                out.append(Operand(constant=Quantity(float(value), of)))
        elif isinstance(item, str) and item.strip():
            other, _, name = item.strip().rpartition(".")
            out.append(Operand(fact=other or None, quantity=name))
        else:
            s.add(e.line_of(k), f"an input of {w} must be text or a constant")
    return tuple(out) if len(s.problems.items) == before else None


def path(exists: Callable[[Path], bool], message: str) -> Kind:
    """A path under the project root that must exist (`exists`: Path.is_file or Path.exists);
    `message` names it with {value}."""

    def read(s: Scope, e: LocatedDict, k: str, w: str) -> Path | None:
        name = s.checker.text(e, k, w)
        if name is None:
            return None
        if not exists(s.root / name):
            s.add(e.line_of(k), message.format(value=shown(s.root / name, s.root)))
            return None
        return s.root / name

    return read


def paths(empty: str) -> Kind:
    """One path or a list of them, each of which must exist; `empty` refuses an empty list."""

    def read(s: Scope, e: LocatedDict, k: str, w: str) -> tuple[Path, ...] | None:
        listed = e[k] if isinstance(e[k], list) else [e[k]]
        found = tuple(s.root / str(p) for p in listed)
        missing = [p for p in found if not p.exists()]
        for p in missing:
            s.add(e.line_of(k), f"{k} path {shown(p, s.root)!r} does not exist")
        if not listed:
            s.add(e.line, empty)
        return None if missing or not listed else found

    return read


def templates(message: str) -> Kind:
    """One or more files under templates/ (stylesheets); `message` when none is listed."""

    def read(s: Scope, e: LocatedDict, k: str, w: str) -> tuple[str, ...] | None:
        names = [str(x) for x in e[k]] if isinstance(e[k], list) else []
        if not names:
            s.add(e.line_of(k), message)
        why = [p for n in names if (p := template_problem(s.root, n))]
        for problem in why:
            s.add(e.line_of(k), problem)
        return tuple(names) if names and not why else None

    return read
