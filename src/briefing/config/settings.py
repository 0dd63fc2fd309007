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
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from briefing.base.errors import InputError, Problem
from briefing.base.textcheck import header_problem
from briefing.config.addresses import NotAnAddress, check_address

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
SECRETS = {"password": "BRIEFING_SMTP_PASSWORD"}


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


def _lines(text: str) -> dict[tuple[str, str], int]:
    """Where each `key =` sits, by table: tomllib reports no positions for values."""
    where: dict[tuple[str, str], int] = {}
    table = ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = re.match(r"^\[\s*([A-Za-z0-9_.-]+)\s*\]", stripped)
        if header:
            table = header.group(1)
            where.setdefault((table, ""), number)
            continue
        key = re.match(r"^\"?([A-Za-z0-9_-]+)\"?\s*=", stripped)
        if key:
            where.setdefault((table, key.group(1)), number)
    return where


def load(root: Path, env: Mapping[str, str] | None = None) -> Settings:
    """The merged settings; InputError listing every problem if any."""
    env = os.environ if env is None else env
    path = root / SETTINGS_FILE
    shown = SETTINGS_FILE
    problems: list[Problem] = []
    values: dict[str, str] = {}
    origins: dict[str, str] = {}
    declared = {(o.table, o.key): o for o in OPTIONS}
    tables = {o.table for o in OPTIONS}
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
            data = tomllib.loads(text)
        except UnicodeDecodeError:
            raise InputError.one(shown, None, "not UTF-8 text; save it as UTF-8") from None
        except tomllib.TOMLDecodeError as exc:
            found = re.search(r"at line (\d+)", str(exc))
            line = int(found.group(1)) if found else None
            reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
            raise InputError.one(shown, line, f"not valid TOML: {reason}") from None
        except OSError as exc:
            raise InputError.one(shown, None, f"cannot be read ({exc.strerror})") from None
        lines = _lines(text)
        for table, content in data.items():
            if table not in tables or not isinstance(content, dict):
                problems.append(
                    Problem(
                        shown,
                        lines.get((table, ""), lines.get(("", table))),
                        f"unknown table [{table}]; allowed: "
                        + ", ".join(f"[{t}]" for t in sorted(tables)),
                    )
                )
                continue
            for key, value in content.items():
                line = lines.get((table, key))
                if key in SECRETS:
                    problems.append(
                        Problem(
                            shown,
                            line,
                            f"a password does not belong in a file kept with the project; "
                            f"remove it and set {SECRETS[key]} in the environment",
                        )
                    )
                    continue
                option = declared.get((table, key))
                if option is None:
                    allowed = ", ".join(o.key for o in OPTIONS if o.table == table)
                    problems.append(
                        Problem(
                            shown, line, f"unknown setting {key!r} in [{table}]; allowed: {allowed}"
                        )
                    )
                    continue
                if isinstance(value, bool) or not isinstance(value, str | int):
                    problems.append(
                        Problem(shown, line, f"{option.name}: give {option.what} as text")
                    )
                    continue
                text_value = str(value).strip()
                if option.key == "security":
                    text_value = text_value.lower()
                why = option.check(text_value) if text_value else "is empty"
                if why:
                    problems.append(Problem(shown, line, f"{option.name}: {why}"))
                    continue
                values[option.name], origins[option.name] = text_value, f"{shown}:{line}"
    for option in OPTIONS:
        raw = env.get(option.env, "").strip()
        if not raw:
            continue
        if option.key == "security":
            raw = raw.lower()
        why = option.check(raw)
        if why:
            problems.append(Problem(option.env, None, why))
            continue
        values[option.name], origins[option.name] = raw, option.env
    if problems:
        raise InputError(problems)
    return Settings(values, origins, env.get("BRIEFING_SMTP_PASSWORD", ""))


def option(name: str) -> Option:
    return next(o for o in OPTIONS if o.name == name)
