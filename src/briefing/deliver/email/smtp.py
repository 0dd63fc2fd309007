"""Handing one message to the configured SMTP server, with retries for what may pass.

Each failure is classified the way SMTP defines it: a refused or dropped connection, a timeout
or a 4xx reply is temporary and retried with exponential backoff a bounded number of times; a
5xx reply is permanent for that message; a refused login is a configuration error that stops
the run. Only the configured host is ever contacted.
"""

from __future__ import annotations

import base64
import os
import re
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass

from briefing.base import stopping
from briefing.base.errors import InputError, Problem
from briefing.deliver.email.settings import SmtpSettings

TIMEOUT = 20.0


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    answer: str  # the server's reply, or what went wrong, as a reader of the log needs it
    attempts: int


class SettingRefused(Exception):
    """The server cannot work with the settings as they are (no STARTTLS, no AUTH, a refused
    login): a configuration error that stops the run, named with the setting to change, and
    never retried, since every message would meet it again."""

    def __init__(self, setting: str, message: str):
        super().__init__(message)
        self.setting = setting


class LoginRefused(SettingRefused):
    """The server refused the configured user name or password."""


class ServerDown(Exception):
    """The server could not be reached N times in a row: the run stops rather than spend the
    whole retry schedule on every remaining reader."""


class _Temporary(Exception):
    pass


class _Permanent(Exception):
    pass


def retry_policy() -> tuple[int, float]:
    """Attempts per message and the first backoff delay: 5 and 1 s, or BRIEFING_SMTP_ATTEMPTS
    (1 to 100) and BRIEFING_SMTP_BACKOFF (seconds, at most 3600). A value that is set but is
    not one of those is bad input, met before anything is claimed."""
    attempts = os.environ.get("BRIEFING_SMTP_ATTEMPTS", "").strip()
    backoff = os.environ.get("BRIEFING_SMTP_BACKOFF", "").strip()
    problems = []
    if attempts and not (re.fullmatch(r"[0-9]{1,3}", attempts) and 1 <= int(attempts) <= 100):
        problems.append(Problem("BRIEFING_SMTP_ATTEMPTS", None, f"{attempts!r} is not 1 to 100"))
    if backoff and not (re.fullmatch(r"[0-9]{1,4}(\.[0-9]+)?", backoff) and float(backoff) <= 3600):
        problems.append(
            Problem("BRIEFING_SMTP_BACKOFF", None, f"{backoff!r} is not 0 to 3600 seconds")
        )
    if problems:
        raise InputError(problems)
    return (int(attempts) if attempts else 5, float(backoff) if backoff else 1.0)


def _reply(code: int, text: bytes | str) -> str:
    text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(text.split())}"


def _connect(settings: SmtpSettings, context: ssl.SSLContext | None) -> smtplib.SMTP:
    if settings.security == "tls":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=TIMEOUT, context=context
        )
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT)
    try:
        if settings.security == "starttls":
            client.ehlo_or_helo_if_needed()
            if not client.has_extn("starttls"):
                raise SettingRefused(
                    "BRIEFING_SMTP_SECURITY",
                    f"the server {settings.host}:{settings.port} does not offer STARTTLS, so "
                    "security 'starttls' cannot be had there: check the port (587 for "
                    "STARTTLS), use 'tls' if the server speaks TLS from the start (port 465), "
                    "or 'none' only for a relay on this machine",
                )
            client.starttls(context=context)
        if settings.user:
            _login(client, settings)
    except BaseException:
        client.close()
        raise
    return client


def _login(client: smtplib.SMTP, settings: SmtpSettings) -> None:
    """AUTH PLAIN, or LOGIN where PLAIN is not offered, with the user and password encoded as
    UTF-8 (RFC 4616): smtplib's own login encodes them as ASCII, so a password in any other
    script ended in a traceback. Both mechanisms send the password itself, which is why a
    login without TLS has to be asked for by name (email/settings.py)."""
    client.ehlo_or_helo_if_needed()
    offered = (
        client.esmtp_features.get("auth", "").upper().split() if client.has_extn("auth") else []
    )
    where = f"{settings.host}:{settings.port}"
    if not offered:
        raise SettingRefused(
            "BRIEFING_SMTP_USER",
            f"the server {where} does not offer AUTH (a login) here: if it takes mail without "
            "one, leave BRIEFING_SMTP_USER and BRIEFING_SMTP_PASSWORD unset; if it offers a "
            "login only after STARTTLS, set security to 'starttls'",
        )

    def b64(text: str) -> str:
        return base64.b64encode(text.encode("utf-8")).decode("ascii")

    if "PLAIN" in offered:
        code, reply = client.docmd(
            "AUTH", "PLAIN " + b64(f"\0{settings.user}\0{settings.password}")
        )
    elif "LOGIN" in offered:
        # No initial response: LOGIN never defined one, and some servers stall on it.
        code, reply = client.docmd("AUTH", "LOGIN")
        if code == 334:
            code, reply = client.docmd(b64(settings.user))
        if code == 334:
            code, reply = client.docmd(b64(settings.password))
    else:
        raise SettingRefused(
            "BRIEFING_SMTP_USER",
            f"the server {where} offers no login briefing can use (it offers "
            f"{', '.join(offered)}; briefing uses PLAIN or LOGIN, over TLS)",
        )
    if code == 235:
        return
    if 400 <= code < 500:
        raise _Temporary(_reply(code, reply))
    raise LoginRefused(
        "BRIEFING_SMTP_USER",
        f"the server refused the login for user {settings.user!r} ({_reply(code, reply)}); "
        "check BRIEFING_SMTP_USER and BRIEFING_SMTP_PASSWORD",
    )


def secrets_of(settings: SmtpSettings) -> tuple[str, ...]:
    """Everything secret the client puts on the wire: the password and each AUTH encoding
    that carries it. A server may quote any of them back in a reply."""
    if not settings.password:
        return ()
    forms = [
        f"\0{settings.user}\0{settings.password}",
        settings.password,
    ]
    return tuple(
        dict.fromkeys(
            [settings.password]
            + [base64.b64encode(f.encode("utf-8")).decode("ascii") for f in forms]
        )
    )


WITHHELD = "[withheld]"


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    """`text` with every secret, and every word that is a piece of one (a server that quotes a
    truncated argument), replaced, before a reply is printed or stored."""
    if not secrets:
        return text
    for secret in secrets:
        text = text.replace(secret, WITHHELD)
    words = re.split(r"([\s:;,()<>\[\]'\"=]+)", text)
    return "".join(
        WITHHELD if len(w) >= 6 and any(w in secret for secret in secrets) else w for w in words
    )


def _open(settings: SmtpSettings, context: ssl.SSLContext | None) -> smtplib.SMTP:
    """A connection, with connection failures classified."""
    try:
        return _connect(settings, context)
    except (
        TimeoutError,
        ConnectionError,
        smtplib.SMTPConnectError,
        smtplib.SMTPServerDisconnected,
    ) as exc:
        raise _Unreachable(f"cannot reach {settings.host}:{settings.port} ({exc})") from None
    except ssl.SSLCertVerificationError as exc:
        # The same for every message: a setting to fix, not a reader's failure.
        raise SettingRefused(
            "SSL_CERT_FILE",
            f"TLS with {settings.host}:{settings.port} failed: the server's certificate is not "
            f"trusted ({exc.verify_message}); if your own CA signed it, point SSL_CERT_FILE at "
            "that CA's certificate",
        ) from None
    except ssl.SSLError as exc:
        raise _Permanent(
            f"TLS with {settings.host}:{settings.port} failed ({exc.reason or exc})"
        ) from None
    except smtplib.SMTPResponseException as exc:
        kind = _Temporary if 400 <= exc.smtp_code < 500 else _Permanent
        raise kind(_reply(exc.smtp_code, exc.smtp_error)) from None
    except OSError as exc:
        raise _Unreachable(f"cannot reach {settings.host}:{settings.port} ({exc})") from None


class _Unreachable(_Temporary):
    """No conversation with the server began: it is down, or not where the settings say."""


class _Lost(_Temporary):
    """The connection broke or timed out while a message was on its way."""


class _Dropped(_Temporary):
    """The connection was gone before this message began (a reused one the server closed)."""


def _transfer(
    client: smtplib.SMTP, msg: bytes, settings: SmtpSettings, recipient: str, smtputf8: bool
) -> str:
    """One message over an open connection: the envelope step by step, so the server's own
    answer to the message is kept. `smtputf8`: the recipient's address is not ASCII (RFC 6531),
    which only a server that offers SMTPUTF8 can take; elsewhere that is this reader's
    permanent failure, and the run goes on."""
    began = False
    try:
        client.ehlo_or_helo_if_needed()
        options: list[str] = []
        if smtputf8:
            if not client.has_extn("smtputf8"):
                raise _Permanent(
                    f"the address {recipient} is not ASCII before the @, which needs a server "
                    f"that offers SMTPUTF8, and {settings.host} does not; ask its "
                    "administrator to enable SMTPUTF8, or ask the reader for an ASCII address"
                )
            options = ["SMTPUTF8", "BODY=8BITMIME"]
        answer = client.mail(settings.sender, options)
        began = True
        for code, text in (answer, client.rcpt(recipient)):
            if code not in (250, 251):
                kind = _Temporary if 400 <= code < 500 else _Permanent
                client.rset()
                raise kind(_reply(code, text))
        code, text = client.data(msg)
        if code != 250:  # smtplib returns the final reply to DATA rather than raising
            raise (_Temporary if 400 <= code < 500 else _Permanent)(_reply(code, text))
        return _reply(code, text)
    except smtplib.SMTPResponseException as exc:
        kind = _Temporary if 400 <= exc.smtp_code < 500 else _Permanent
        raise kind(_reply(exc.smtp_code, exc.smtp_error)) from None
    except (TimeoutError, smtplib.SMTPServerDisconnected, ConnectionError, OSError) as exc:
        if not began:
            raise _Dropped(f"connection lost ({exc})") from None
        raise _Lost(f"connection lost ({exc})") from None


def _close(client: smtplib.SMTP | None) -> None:
    if client is None:
        return
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


class Session:
    """Messages to one server over one connection, kept open between messages: opening a
    connection (and TLS, and a login) per message is most of the cost of a send. The
    guarantees are per message all the same: each is retried on its own, a connection the
    server closed between messages is reopened without counting as an attempt, and any doubt
    about a connection closes it. BRIEFING_SMTP_REUSE=0 opens one per message."""

    def __init__(self, settings: SmtpSettings, sleep: Callable[[float], None] = time.sleep):
        self.settings = settings
        self.sleep = sleep
        self.client: smtplib.SMTP | None = None
        self.reuse = os.environ.get("BRIEFING_SMTP_REUSE", "1").strip() != "0"
        # Made once per run: loading the trusted certificates costs more than a message.
        self.context = ssl.create_default_context() if settings.security != "none" else None
        self.secrets = secrets_of(settings)
        self.attempts, self.delay = retry_policy()
        # Attempts in a row, whichever message they were for, that ended without a reply from
        # the server: no connection, or one that closed or went silent. When a server is down
        # or broken, every reader would otherwise spend the whole retry schedule on it. Any
        # reply (a delivery, or a refusal of one reader) shows it is there and resets the count.
        self.unreachable = 0

    def close(self) -> None:
        _close(self.client)
        self.client = None

    def _once(self, msg: bytes, recipient: str, smtputf8: bool) -> str:
        reused = self.client is not None
        if self.client is None:
            self.client = _open(self.settings, self.context)
        try:
            return _transfer(self.client, msg, self.settings, recipient, smtputf8)
        except _Dropped:
            self.close()
            if not reused:
                raise
            self.client = _open(self.settings, self.context)  # the server closed an idle connection
            return _transfer(self.client, msg, self.settings, recipient, smtputf8)
        except _Temporary:
            self.close()
            raise
        except _Permanent:
            try:  # this message is refused; the connection may go on only in a clean state
                self.client.rset()
            except (smtplib.SMTPException, OSError):
                self.close()
            raise
        finally:
            if not self.reuse:
                self.close()

    def deliver(self, msg: bytes, recipient: str, smtputf8: bool = False) -> Outcome:
        """`msg`: the message as it goes on the wire (SMTP line endings). Every answer is
        scrubbed of what the client sent in secret before anyone sees or stores it. Raises
        SettingRefused (fix the settings) and ServerDown (as many attempts in a row as one
        message may make found no server that answers): both end the run. A stop (Ctrl-C,
        SIGTERM) that arrives meanwhile is held by the caller; no retry begins after it."""
        attempts, delay = self.attempts, self.delay
        last = ""
        for attempt in range(1, attempts + 1):
            try:
                answer = self._once(msg, recipient, smtputf8)
                self.unreachable = 0
                return Outcome(True, self._scrub(answer), attempt)
            except _Permanent as exc:
                self.unreachable = 0
                return Outcome(False, self._scrub(str(exc)), attempt)
            except SettingRefused as exc:
                kind = type(exc)
                raise kind(exc.setting, self._scrub(str(exc))) from None
            except _Temporary as exc:
                last = self._scrub(str(exc))
                silent = isinstance(exc, _Unreachable | _Dropped | _Lost)
                self.unreachable = self.unreachable + 1 if silent else 0
                if self.unreachable >= attempts:
                    raise ServerDown(
                        f"{last}; the run stopped after {self.unreachable} failed connections "
                        "in a row"
                    ) from None
                if stopping.pending():
                    return Outcome(False, f"{last} (not retried: the run was stopped)", attempt)
                if attempt < attempts:
                    self.sleep(delay * 2 ** (attempt - 1))
        return Outcome(False, f"{last} (gave up after {attempts} attempts)", attempts)

    def _scrub(self, text: str) -> str:
        return scrub(text, self.secrets)


def deliver(
    msg: bytes,
    settings: SmtpSettings,
    recipient: str,
    sleep: Callable[[float], None] = time.sleep,
    smtputf8: bool = False,
) -> Outcome:
    """One message on a connection of its own."""
    session = Session(settings, sleep)
    try:
        return session.deliver(msg, recipient, smtputf8)
    finally:
        session.close()
