"""Handing one message to the configured SMTP server, with retries for what may pass.

Each failure is classified the way SMTP defines it: a refused or dropped connection, a timeout
or a 4xx reply is temporary and retried with exponential backoff a bounded number of times; a
5xx reply is permanent for that message; a refused login is a configuration error that stops
the run. Only the configured host is ever contacted.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass

from .smtpconfig import SmtpSettings

TIMEOUT = 20.0


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    answer: str  # the server's reply, or what went wrong, as a reader of the log needs it
    attempts: int


class LoginRefused(Exception):
    """The server refused the configured user name or password."""


class _Temporary(Exception):
    pass


class _Permanent(Exception):
    pass


def retry_policy() -> tuple[int, float]:
    """Attempts and the first backoff delay; BRIEFING_SMTP_ATTEMPTS and BRIEFING_SMTP_BACKOFF
    override them (the tests use short delays)."""
    attempts = os.environ.get("BRIEFING_SMTP_ATTEMPTS", "")
    backoff = os.environ.get("BRIEFING_SMTP_BACKOFF", "")
    return (
        int(attempts) if attempts.isdigit() and int(attempts) > 0 else 5,
        float(backoff) if backoff.replace(".", "", 1).isdigit() else 1.0,
    )


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
        if settings.security == "starttls":
            client.starttls(context=context)
    if settings.user:
        try:
            client.login(settings.user, settings.password)
        except smtplib.SMTPAuthenticationError as exc:
            client.close()
            raise LoginRefused(
                f"the server refused the login for user {settings.user!r} "
                f"({_reply(exc.smtp_code, exc.smtp_error)}); check BRIEFING_SMTP_USER and "
                "BRIEFING_SMTP_PASSWORD"
            ) from None
    return client


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
        raise _Temporary(f"cannot reach {settings.host}:{settings.port} ({exc})") from None
    except ssl.SSLCertVerificationError as exc:
        raise _Permanent(
            f"TLS with {settings.host}:{settings.port} failed: the server's certificate is not "
            f"trusted ({exc.verify_message}); if your own CA signed it, point SSL_CERT_FILE at "
            "that CA's certificate"
        ) from None
    except ssl.SSLError as exc:
        raise _Permanent(
            f"TLS with {settings.host}:{settings.port} failed ({exc.reason or exc})"
        ) from None
    except smtplib.SMTPResponseException as exc:
        kind = _Temporary if 400 <= exc.smtp_code < 500 else _Permanent
        raise kind(_reply(exc.smtp_code, exc.smtp_error)) from None
    except OSError as exc:
        raise _Temporary(f"cannot reach {settings.host}:{settings.port} ({exc})") from None


class _Dropped(_Temporary):
    """The connection was gone before this message began (a reused one the server closed)."""


def _transfer(client: smtplib.SMTP, msg: bytes, settings: SmtpSettings, recipient: str) -> str:
    """One message over an open connection: the envelope step by step, so the server's own
    answer to the message is kept."""
    began = False
    try:
        client.ehlo_or_helo_if_needed()
        answer = client.mail(settings.sender)
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
        raise _Temporary(f"connection lost ({exc})") from None


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

    def close(self) -> None:
        _close(self.client)
        self.client = None

    def _once(self, msg: bytes, recipient: str) -> str:
        reused = self.client is not None
        if self.client is None:
            self.client = _open(self.settings, self.context)
        try:
            return _transfer(self.client, msg, self.settings, recipient)
        except _Dropped:
            self.close()
            if not reused:
                raise
            self.client = _open(self.settings, self.context)  # the server closed an idle connection
            return _transfer(self.client, msg, self.settings, recipient)
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

    def deliver(self, msg: bytes, recipient: str) -> Outcome:
        """`msg`: the message as it goes on the wire (SMTP line endings)."""
        attempts, delay = retry_policy()
        last = ""
        for attempt in range(1, attempts + 1):
            try:
                return Outcome(True, self._once(msg, recipient), attempt)
            except _Permanent as exc:
                return Outcome(False, str(exc), attempt)
            except _Temporary as exc:
                last = str(exc)
                if attempt < attempts:
                    self.sleep(delay * 2 ** (attempt - 1))
        return Outcome(False, f"{last} (gave up after {attempts} attempts)", attempts)


def deliver(
    msg: bytes,
    settings: SmtpSettings,
    recipient: str,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """One message on a connection of its own."""
    session = Session(settings, sleep)
    try:
        return session.deliver(msg, recipient)
    finally:
        session.close()
