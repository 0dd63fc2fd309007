"""Mail addresses checked as the mail standards define them (RFC 5321/5322, and RFC 6531 for
internationalised ones), by `email-validator` rather than a regex of our own: a regex either
refuses addresses people really have or lets through ones that break a header or a path.

An address is checked once, where it is read (the readers file, briefing.toml); everything
after that (the envelope, the To header, the state store) works from the checked form.
"""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email


@dataclass(frozen=True)
class Address:
    """A checked address. `shown`: as the reader gave it, with the domain normalised (the
    form kept in the state store and printed). `envelope`: what goes to the server, the
    domain in its ASCII (IDNA) form where the local part allows it. `smtputf8`: the local part
    is not ASCII, so only a server that offers SMTPUTF8 can take it."""

    shown: str
    envelope: str
    smtputf8: bool


class NotAnAddress(ValueError):
    """The text is not a mail address; the message says why, in the validator's words."""


def check_address(text: str, *, international: bool = True) -> Address:
    """`international=False` for the desk's own addresses (sender, reply-to), which every
    message carries: they must reach any server, so they must be ASCII."""
    try:
        found = validate_email(
            text,
            check_deliverability=False,  # no DNS: nothing reaches the network while checking
            allow_smtputf8=international,
            allow_quoted_local=False,  # legal, but a quoted local part is a header-forging tool
            allow_domain_literal=False,
        )
    except EmailNotValidError as exc:
        raise NotAnAddress(str(exc)) from None
    return Address(found.normalized, found.ascii_email or found.normalized, bool(found.smtputf8))
