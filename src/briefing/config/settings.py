"""The project's settings: `briefing.toml` at the project root, with the environment on top.

Settings that are not secrets belong in the file, kept with the project and reviewed like it;
the environment overrides any of them (a scheduler's or CI's own values); passwords live only in
the environment. Every option is declared once below (table, key, variable, kind, what it is
for), so the file is checked against the declaration and every problem is reported at once as
`briefing.toml:line: message`, before any work, like every other input.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from briefing.base.errors import Problems
from briefing.base.textcheck import header_problem
from briefing.config import schema as sc
from briefing.config.addresses import NotAnAddress, check_address
from briefing.config.schema import Field, Schema, Scope
from briefing.config.tomlfile import read_toml
from briefing.config.yamlfile import LocatedDict

SETTINGS_FILE = "briefing.toml"
SECURITY = ("none", "starttls", "tls")
LIST_ID = re.compile(
    r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)


def _text(value: str) -> str | None:
    """One line of text: these values go into mail headers, where a line break would forge
    a header of its own."""
    why = header_problem(value)
    return f"the value {why}" if why else None


def _address(value: str) -> str | None:
    """The desk's own addresses travel in every message, so they must be ASCII."""
    try:
        check_address(value, international=False)
    except NotAnAddress as exc:
        return f"{value!r} is not an email address ({exc})"
    return None


def _security(value: str) -> str | None:
    return None if value in SECURITY else f"{value!r} is not one of {', '.join(SECURITY)}"


def _port(value: str) -> str | None:
    ok = value.isascii() and value.isdigit() and 0 < int(value) < 65536  # not "²"
    return None if ok else f"{value!r} is not a port number"


def _list_id(value: str) -> str | None:
    return (
        None
        if LIST_ID.match(value)
        else f"{value!r} is not a list id (dotted words, e.g. weekly.desk.example.org)"
    )


def _base_url(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        return f"{value!r} is not a web address (https://host/path/)"
    if parts.username is not None or parts.password is not None:
        return f"{value!r}: a user or password in the address would be mailed to every reader"
    if parts.query or parts.fragment or any(c.isspace() for c in value):
        return f"{value!r}: give the folder's address, with no query, fragment or spaces"
    return None


@dataclass(frozen=True)
class Option:
    table: str
    key: str
    env: str
    what: str
    check: Callable[[str], str | None]

    @property
    def name(self) -> str:
        return f"{self.table}.{self.key}"

    def read(self, raw: str) -> tuple[str, str | None]:
        """The value as it will be used, and why it cannot be, if it cannot."""
        value = str(raw).strip()
        value = value.lower() if self.key == "security" else value
        return value, self.check(value) if value else "is empty"

    def kind(self, s: Scope, e: LocatedDict, k: str, w: str) -> str | None:
        """The option as a field of its table in the file: text (a port may be a number)."""
        value, why = (None, f"give {self.what} as text")
        if isinstance(e[k], str | int) and not isinstance(e[k], bool):
            value, why = self.read(e[k])
        if why:
            s.add(e.line_of(k), f"{self.name}: {why}")
        return None if why else value


OPTIONS = (
    Option("mail", "host", "BRIEFING_SMTP_HOST", "the SMTP server's host name", _text),
    Option("mail", "port", "BRIEFING_SMTP_PORT", "the SMTP server's port", _port),
    Option("mail", "security", "BRIEFING_SMTP_SECURITY", "none, starttls or tls", _security),
    Option("mail", "from", "BRIEFING_SMTP_FROM", "the address messages come from", _address),
    Option("mail", "from_name", "BRIEFING_SMTP_FROM_NAME", "the name shown as the sender", _text),
    Option("mail", "reply_to", "BRIEFING_SMTP_REPLY_TO", "where readers' replies go", _address),
    Option("mail", "list_id", "BRIEFING_LIST_ID", "the mailing list's id (List-Id)", _list_id),
    Option("mail", "user", "BRIEFING_SMTP_USER", "the SMTP login's user name", _text),
    Option(
        "publish",
        "base_url",
        "BRIEFING_BASE_URL",
        "the public web address of the output folder",
        _base_url,
    ),
)
TABLES = {
    table: Schema(
        f"[{table}]",
        "",
        tuple(Field(o.key, o.kind) for o in OPTIONS if o.table == table),
        key="setting",
    )
    for table in dict.fromkeys(o.table for o in OPTIONS)
}
SECRETS = {"password": "BRIEFING_SMTP_PASSWORD"}
SECRET = (
    "a password does not belong in a file kept with the project; remove it and set {} in the "
    "environment"
)


@dataclass(frozen=True)
class Settings:
    values: dict[str, str]  # option name ("mail.host") -> value, file and environment merged
    origins: dict[str, str]  # option name -> where it came from ("briefing.toml:4" or a variable)
    password: str = ""

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    @property
    def base_url(self) -> str:
        """With a trailing slash, so relative paths join onto it."""
        url = self.get("publish.base_url")
        return url if not url or url.endswith("/") else url + "/"


def load(root: Path, env: Mapping[str, str] | None = None) -> Settings:
    """The merged settings; InputError listing every problem if any."""
    env = os.environ if env is None else env
    path, shown = root / SETTINGS_FILE, SETTINGS_FILE
    problems = Problems()
    scope = Scope(problems, shown)
    values: dict[str, str] = {}
    origins: dict[str, str] = {}
    data = read_toml(path, shown) if path.is_file() else LocatedDict()
    for table, entry in data.items():
        if table not in TABLES or not isinstance(entry, dict):
            allowed = ", ".join(f"[{t}]" for t in sorted(TABLES))
            problems.add(shown, data.line_of(table), f"unknown table [{table}]; allowed: {allowed}")
            continue
        for key in SECRETS.keys() & entry.keys():
            problems.add(shown, entry.line_of(key), SECRET.format(SECRETS[key]))
            del entry[key]
        for key, value in (sc.check(scope, entry, TABLES[table], f"[{table}]") or {}).items():
            if key in entry:
                values[f"{table}.{key}"] = value
                origins[f"{table}.{key}"] = f"{shown}:{entry.line_of(key)}"
    for option in OPTIONS:
        value, why = option.read(env.get(option.env, ""))
        if value and why:
            problems.add(option.env, None, why)
        elif value:
            values[option.name], origins[option.name] = value, option.env
    problems.raise_if_any()
    return Settings(values, origins, env.get("BRIEFING_SMTP_PASSWORD", ""))


def option(name: str) -> Option:
    return next(o for o in OPTIONS if o.name == name)
