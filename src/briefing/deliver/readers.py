"""The readers file for `briefing send`: who gets which reports, in which formats.

Validated like every other input, all problems at once as `path:line`: a malformed address, an
unknown format or report, a duplicate address. Nothing is sent while any problem remains.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from briefing.base.errors import Problems
from briefing.base.textcheck import header_problem
from briefing.config.addresses import Address, NotAnAddress, check_address
from briefing.config.yamlfile import LocatedDict, read_yaml
from briefing.writers import FORMATS

# A desk's list, not a data file: room for some 400,000 readers.
READERS_MAX_BYTES = 32 * 1024 * 1024
READER_FIELDS = {"name", "email", "formats", "reports", "every_edition"}


@dataclass(frozen=True)
class Reader:
    name: str
    email: str
    formats: tuple[str, ...]  # empty: the summary only
    reports: tuple[str, ...] | None  # None: every report
    origin: str  # "path:line"
    # True: also every edition that changes wording or presentation only (see mailplan.py).
    every_edition: bool = False
    # The checked address: what goes to the server, and whether it needs SMTPUTF8.
    address: Address | None = None

    @property
    def envelope(self) -> str:
        return self.address.envelope if self.address else self.email

    @property
    def smtputf8(self) -> bool:
        return self.address.smtputf8 if self.address else False

    def wants(self, report: str) -> bool:
        return self.reports is None or report in self.reports


def _texts(value: object) -> list[str] | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    return [v.strip() for v in value]


def load_readers(
    path: Path, shown: str, known_reports: set[str], problems: Problems
) -> list[Reader]:
    data = read_yaml(path, shown, READERS_MAX_BYTES, "a readers file")
    if not isinstance(data, list) or not data:
        problems.add(
            shown,
            getattr(data, "line", 1),
            "the readers file must be a list of readers (name, email, formats)",
        )
        return []
    readers: list[Reader] = []
    seen: dict[str, int] = {}
    for raw in data:
        if not isinstance(raw, LocatedDict):
            problems.add(
                shown, data.line, "each reader must be a mapping of fields (name, email, formats)"
            )
            continue
        before = len(problems.items)
        for key in raw:
            if key not in READER_FIELDS:
                problems.add(
                    shown,
                    raw.line_of(key),
                    f"unknown field {key!r} for a reader; allowed: {', '.join(sorted(READER_FIELDS))}",
                )
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.add(shown, raw.line_of("name"), "a reader needs a 'name'")
        elif why := header_problem(name.strip()):
            # It goes into the To header, where a line break would start a header of its own.
            problems.add(shown, raw.line_of("name"), f"the name {why}")
        email = raw.get("email")
        address = None
        if not isinstance(email, str) or not email.strip():
            problems.add(shown, raw.line_of("email"), "a reader needs an 'email' address")
        else:
            try:
                address = check_address(email.strip())
            except NotAnAddress as exc:
                problems.add(
                    shown, raw.line_of("email"), f"{email!r} is not an email address: {exc}"
                )
        if address is not None:
            key = address.shown.lower()
            if key in seen:
                problems.add(
                    shown,
                    raw.line_of("email"),
                    f"duplicate address {email!r} (first on line {seen[key]})",
                )
            seen.setdefault(key, raw.line_of("email"))
        formats = _texts(raw.get("formats", []))
        if formats is None:
            problems.add(
                shown,
                raw.line_of("formats"),
                f"'formats' must be a list of any of {', '.join(FORMATS)} (empty: the summary only)",
            )
            formats = []
        for fmt in formats:
            if fmt not in FORMATS:
                problems.add(
                    shown,
                    raw.line_of("formats"),
                    f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}",
                )
        reports = None
        if "reports" in raw:
            reports = _texts(raw["reports"])
            if reports is None or not reports:
                problems.add(
                    shown,
                    raw.line_of("reports"),
                    "'reports' must list report ids (leave it out for every report)",
                )
                reports = []
            for rid in reports:
                if rid not in known_reports:
                    problems.add(
                        shown,
                        raw.line_of("reports"),
                        f"unknown report {rid!r}; known: {', '.join(sorted(known_reports))}",
                    )
        every = raw.get("every_edition", False)
        if not isinstance(every, bool):
            problems.add(
                shown,
                raw.line_of("every_edition"),
                "'every_edition' must be true or false (true: also editions that change "
                "wording or presentation only)",
            )
        if len(problems.items) == before:
            readers.append(
                Reader(
                    name.strip(),
                    address.shown,
                    tuple(dict.fromkeys(formats)),
                    tuple(reports) if reports is not None else None,
                    f"{shown}:{raw.line}",
                    every is True,
                    address,
                )
            )
    return readers
