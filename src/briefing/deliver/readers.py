"""The readers file for `briefing send`: who gets which reports, in which formats.

Validated like every other input, all problems at once as `path:line`: a malformed address, an
unknown format or report, a duplicate address. Nothing is sent while any problem remains.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from briefing.base.errors import Problems
from briefing.base.textcheck import header_problem
from briefing.config import schema as sc
from briefing.config.addresses import Address, NotAnAddress, check_address
from briefing.config.schema import Field, Ref, Schema, Scope
from briefing.config.yamlfile import LocatedDict, read_yaml
from briefing.writers import FORMATS

# A desk's list, not a data file: room for some 400,000 readers.
READERS_MAX_BYTES = 32 * 1024 * 1024


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


def _name(s: Scope, e: LocatedDict, k: str, w: str) -> str | None:
    """It goes into the To header, where a line break would start a header of its own."""
    name = e[k]
    if not isinstance(name, str) or not name.strip():
        s.add(e.line_of(k), "a reader needs a 'name'")
    elif why := header_problem(name.strip()):
        s.add(e.line_of(k), f"the name {why}")
    else:
        return name.strip()
    return None


def _email(s: Scope, e: LocatedDict, k: str, w: str) -> Address | None:
    email = e[k]
    if not isinstance(email, str) or not email.strip():
        s.add(e.line_of(k), "a reader needs an 'email' address")
        return None
    try:
        address = check_address(email.strip())
    except NotAnAddress as exc:
        s.add(e.line_of(k), f"{email!r} is not an email address: {exc}")
        return None
    # One reader per address, whatever its case: the server would deliver both to one box.
    s.ids.claim(
        s.problems, "address", email, s.shown, e.line_of(k), key=address.shown.lower(),
        fix="list each reader once",
    )  # fmt: skip
    return address


FORMATS_LIST = f"'formats' must be a list of any of {', '.join(FORMATS)} (empty: the summary only)"
A_FORMAT = Ref("formats", "format", f"choose from {', '.join(FORMATS)}")
REPORTS_LIST = "'reports' must list report ids (leave it out for every report)"
EVERY = (
    "'every_edition' must be true or false (true: also editions that change wording or "
    "presentation only)"
)
READER = Schema(
    "a reader",
    "a reader",
    (
        Field("name", _name, "a reader needs a 'name'"),
        Field("email", _email, "a reader needs an 'email' address"),
        Field("formats", sc.strings(FORMATS_LIST), default=(), refers_to=A_FORMAT),
        Field("reports", sc.strings(REPORTS_LIST, empty=False), refers_to=Ref("reports", "report")),
        Field("every_edition", sc.boolean(EVERY), default=False),
    ),
)


def _reader(scope: Scope, entry: LocatedDict) -> Reader | None:
    if (v := sc.check(scope, entry, READER)) is None:
        return None
    formats, origin = tuple(dict.fromkeys(v.pop("formats"))), f"{scope.shown}:{entry.line}"
    return Reader(
        **v | {"email": v["email"].shown}, formats=formats, origin=origin, address=v["email"]
    )


def load_readers(
    path: Path, shown: str, known_reports: set[str], problems: Problems
) -> list[Reader]:
    data = read_yaml(path, shown, READERS_MAX_BYTES, "a readers file")
    scope = Scope(problems, shown, {"reports": known_reports, "formats": FORMATS})
    whole = "the readers file must be a list of readers (name, email, formats)"
    return sc.built(scope, data, _reader, whole, "each reader")
