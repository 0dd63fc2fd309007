"""SMTP settings for `briefing send`, from the project's settings (briefing.toml, with the
environment on top), checked before anything is sent. The password comes from the environment
only and is held but never shown: not in messages, errors or logs."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from briefing.base.errors import InputError, Problem
from briefing.config.settings import Settings, option

DEFAULT_PORT = {"none": 25, "starttls": 587, "tls": 465}
ALLOW_PLAINTEXT_AUTH = "BRIEFING_SMTP_ALLOW_PLAINTEXT_AUTH"


def plaintext_login_allowed() -> bool:
    """Only an explicit opt-in, by name, lets a password travel without TLS."""
    return os.environ.get(ALLOW_PLAINTEXT_AUTH, "").strip() == "1"


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    sender: str
    user: str = ""
    password: str = field(default="", repr=False)


def from_settings(settings: Settings) -> SmtpSettings:
    problems: list[Problem] = []

    def need(name: str) -> str:
        value = settings.get(name)
        if not value:
            o = option(name)
            problems.append(
                Problem(
                    o.env,
                    None,
                    f"not set: {o.what} (set {o.env}, or {o.key!r} under [{o.table}] in "
                    "briefing.toml)",
                )
            )
        return value

    host = need("mail.host")
    sender = need("mail.from")
    security = need("mail.security")
    port = int(settings.get("mail.port") or DEFAULT_PORT.get(security, 25))
    user = settings.get("mail.user")
    if bool(user) != bool(settings.password):
        missing = "BRIEFING_SMTP_PASSWORD" if user else "BRIEFING_SMTP_USER"
        problems.append(
            Problem(
                missing,
                None,
                "not set: give both a user (BRIEFING_SMTP_USER or 'user' under [mail]) and "
                "BRIEFING_SMTP_PASSWORD, or neither",
            )
        )
    if user and security == "none" and not plaintext_login_allowed():
        problems.append(
            Problem(
                "BRIEFING_SMTP_SECURITY",
                None,
                "a login over a connection without TLS would send the password in the clear: "
                "set security to 'starttls' (port 587) or 'tls' (port 465); for a relay on this "
                "machine that needs a login, say so by name with "
                "BRIEFING_SMTP_ALLOW_PLAINTEXT_AUTH=1",
            )
        )
    if problems:
        raise InputError(problems)
    return SmtpSettings(host, port, security, sender, user, settings.password)
