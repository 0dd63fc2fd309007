"""SMTP settings for `briefing send`, from the environment only, checked before anything is
sent. The password is held but never shown: not in messages, errors or logs."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import InputError, Problem
from .readers import ADDRESS

SECURITY = ("none", "starttls", "tls")
DEFAULT_PORT = {"none": 25, "starttls": 587, "tls": 465}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    sender: str
    user: str = ""
    password: str = field(default="", repr=False)


def from_environment(env: Mapping[str, str] | None = None) -> SmtpSettings:
    env = os.environ if env is None else env
    problems: list[Problem] = []

    def need(name: str, what: str) -> str:
        value = env.get(name, "").strip()
        if not value:
            problems.append(Problem(name, None, f"not set: {what}"))
        return value

    host = need("BRIEFING_SMTP_HOST", "the SMTP server's host name")
    sender = need("BRIEFING_SMTP_FROM", "the address messages come from")
    security = need("BRIEFING_SMTP_SECURITY", "none, starttls or tls").lower()
    if security and security not in SECURITY:
        problems.append(
            Problem(
                "BRIEFING_SMTP_SECURITY", None, f"{security!r} is not one of none, starttls, tls"
            )
        )
    if sender and not ADDRESS.match(sender):
        problems.append(Problem("BRIEFING_SMTP_FROM", None, f"{sender!r} is not an email address"))
    raw_port = env.get("BRIEFING_SMTP_PORT", "").strip()
    port = DEFAULT_PORT.get(security, 25)
    if raw_port:
        if raw_port.isdigit() and 0 < int(raw_port) < 65536:
            port = int(raw_port)
        else:
            problems.append(
                Problem("BRIEFING_SMTP_PORT", None, f"{raw_port!r} is not a port number")
            )
    user = env.get("BRIEFING_SMTP_USER", "").strip()
    password = env.get("BRIEFING_SMTP_PASSWORD", "")
    if bool(user) != bool(password):
        missing = "BRIEFING_SMTP_PASSWORD" if user else "BRIEFING_SMTP_USER"
        problems.append(
            Problem(
                missing,
                None,
                "not set: give both BRIEFING_SMTP_USER and BRIEFING_SMTP_PASSWORD, or neither",
            )
        )
    if problems:
        raise InputError(problems)
    return SmtpSettings(host, port, security, sender, user, password)
