"""`briefing send` against a real SMTP server on 127.0.0.1 (aiosmtpd), started by the tests:
whole messages, once per reader and edition, retries, failures that stop no one else, login,
STARTTLS with a certificate the test trusts, and a SIGKILL mid-run."""

from __future__ import annotations

import asyncio
import email
import email.policy
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from briefing.cli.main import main
from briefing.publish.state import SqliteState

READERS = """\
- name: Ana Analyst
  email: ana@example.org
  formats: [pdf]
- name: Desk Editor
  email: editor@example.org
  formats: [pdf, docx, html]
  reports: [iran-venezuela]
- name: Minister's Office
  email: office@example.org
  formats: []
  reports: [iran-venezuela-in-focus]
"""
EXPECTED = {  # (recipient, report) -> attached formats
    ("ana@example.org", "iran-venezuela"): ["pdf"],
    ("ana@example.org", "iran-venezuela-in-focus"): ["pdf"],
    ("editor@example.org", "iran-venezuela"): ["pdf", "docx", "html"],
    ("office@example.org", "iran-venezuela-in-focus"): [],
}
PASSWORD = "s3cret-Pa55"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts, and can misbehave on request."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        self.refuse: dict[str, str] = {}  # address -> reply to RCPT
        self.busy_first = 0  # answer this many DATA commands with 451 before accepting
        self.mail_delay = 0.0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.mail_delay:
            await asyncio.sleep(self.mail_delay)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.busy_first:
            self.busy_first -= 1
            return "451 4.3.0 Mailbox busy, try again later"
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return f"250 2.0.0 Queued as m{len(self.messages)}"

    def parsed(self):
        return [
            (rcpt, email.message_from_bytes(raw, policy=email.policy.default))
            for rcpt, raw in self.messages
        ]

    def per_reader(self) -> Counter:
        return Counter((rcpt[0], msg["X-Briefing-Report"]) for rcpt, msg in self.parsed())


def start(mailbox: Mailbox, port: int, **options) -> Controller:
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    return controller


def accepting(password: str):
    """An aiosmtpd authenticator that lets in whoever gives `password`."""

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == password.encode()
        return AuthResult(success=ok, handled=False)

    return authenticator


@pytest.fixture
def smtp():
    mailbox = Mailbox()
    port = free_port()
    controller = start(mailbox, port)
    yield mailbox, port
    controller.stop()


@pytest.fixture
def desk(built, tmp_path, monkeypatch) -> tuple[Path, Path, Path]:
    """A copy of the session's published output, a readers file, and SMTP settings in the env."""
    out = tmp_path / "output"
    shutil.copytree(built.folder, out, symlinks=True)
    readers = tmp_path / "readers.yaml"
    readers.write_text(READERS)
    monkeypatch.setenv("BRIEFING_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("BRIEFING_SMTP_SECURITY", "none")
    monkeypatch.setenv("BRIEFING_SMTP_FROM", "briefings@desk.example.org")
    monkeypatch.setenv("BRIEFING_SMTP_BACKOFF", "0.05")
    monkeypatch.setenv("BRIEFING_SMTP_ATTEMPTS", "4")
    for name in ("BRIEFING_SMTP_USER", "BRIEFING_SMTP_PASSWORD", "BRIEFING_SMTP_PORT"):
        monkeypatch.delenv(name, raising=False)
    return Path(__file__).resolve().parents[1], out, readers


def send(desk, port: int | None, *extra: str, capsys=None) -> tuple[int, str, str]:
    root, out, readers = desk
    if port is not None:
        os.environ["BRIEFING_SMTP_PORT"] = str(port)
    code = main(["send", "-C", str(root), "-o", str(out), "--readers", str(readers), *extra])
    if capsys is None:
        return code, "", ""
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def deliveries(out: Path) -> dict[str, dict]:
    """The state store's delivery rows, keyed report/edition/address."""
    state = SqliteState.open(out, editions_exist=True)
    try:
        return {f"{d.report}/{d.edition}/{d.email}": d.__dict__ for d in state.deliveries()}
    finally:
        state.close()


def manifest_of(out: Path, report: str) -> dict:
    return json.loads((out / report / "current" / "manifest.json").read_text())


# ---------------------------------------------------------------- what arrives --------------------


def test_each_reader_gets_whole_messages_with_the_edition_files(desk, smtp, capsys):
    mailbox, port = smtp
    code, out, err = send(desk, port, capsys=capsys)
    assert code == 0, err
    assert "sent 4, not sent 0, failed 0" in out
    got = {}
    for rcpt, msg in mailbox.parsed():
        report = msg["X-Briefing-Report"]
        assert msg["X-Briefing-Edition"] == "2026-11-18"
        got[(rcpt[0], report)] = msg
        assert msg.get_content_type() in ("multipart/mixed", "multipart/alternative")
        text = msg.get_body(("plain",)).get_content()
        html = msg.get_body(("html",)).get_content()
        title = manifest_of(desk[1], report)["title"]
        assert msg["Subject"] == f"{title}: edition of 18 November 2026"
        assert "Information current to 18 January 2026" in text
        assert "This is the first edition." in text
        assert "Sources: " in text and "TeleSUR" in text
        for needle in ("http://", "https://", "src=", "<link", "<script"):
            assert needle not in html, needle  # nothing a mail client would fetch
        attached = {part.get_filename(): part for part in msg.iter_attachments()}
        formats = EXPECTED[(rcpt[0], report)]
        assert sorted(name.rpartition(".")[2] for name in attached) == sorted(formats)
        for entry in manifest_of(desk[1], report)["files"]:
            if entry["name"] in attached:
                data = attached[entry["name"]].get_payload(decode=True)
                assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert set(got) == set(EXPECTED)
    briefing = got[("editor@example.org", "iran-venezuela")]
    text = briefing.get_body(("plain",)).get_content()
    assert "KEY JUDGMENTS" in text and "- The partnership is likely to lose its anchor." in text
    assert (
        "<strong>The partnership is likely to lose its anchor.</strong>"
        in briefing.get_body(("html",)).get_content()
    )
    assert briefing["To"] == "Desk Editor <editor@example.org>"
    log = deliveries(desk[1])
    assert len(log) == 4 and all(r["status"] == "delivered" for r in log.values())
    assert all(r["answer"].startswith("250 2.0.0 Queued as m") for r in log.values())


def test_a_second_run_sends_nothing(desk, smtp, capsys):
    mailbox, port = smtp
    assert send(desk, port, capsys=capsys)[0] == 0
    code, out, _ = send(desk, port, capsys=capsys)
    assert code == 0 and "sent 0, not sent 4, failed 0" in out
    assert len(mailbox.messages) == 4
    code, out, _ = send(desk, port, "iran-venezuela", "--resend", capsys=capsys)
    assert code == 0 and len(mailbox.messages) == 6  # --resend is the deliberate way


def test_a_dry_run_writes_messages_and_sends_nothing(desk, tmp_path, capsys, monkeypatch):
    for name in ("BRIEFING_SMTP_HOST", "BRIEFING_SMTP_SECURITY"):
        monkeypatch.delenv(name)  # a dry run needs no server
    code, out, err = send(desk, None, "--dry-run", str(tmp_path / "eml"), capsys=capsys)
    assert code == 0, err
    files = sorted(p.name for p in (tmp_path / "eml").iterdir())
    assert len(files) == 4 and all(name.endswith(".eml") for name in files)
    msg = email.message_from_bytes(
        (tmp_path / "eml" / files[0]).read_bytes(), policy=email.policy.default
    )
    assert msg.get_body(("plain",)) is not None and msg.get_body(("html",)) is not None
    assert deliveries(desk[1]) == {}


# ---------------------------------------------------------------- failures ------------------------


def test_the_server_down_then_up(desk, capsys):
    mailbox = Mailbox()
    port = free_port()
    os.environ["BRIEFING_SMTP_BACKOFF"] = "0.3"
    os.environ["BRIEFING_SMTP_ATTEMPTS"] = "6"
    result = {}
    runner = threading.Thread(target=lambda: result.setdefault("code", send(desk, port)[0]))
    runner.start()
    time.sleep(1.0)
    controller = start(mailbox, port)
    try:
        runner.join(timeout=60)
    finally:
        controller.stop()
    assert result["code"] == 0
    assert len(mailbox.messages) == 4
    log = deliveries(desk[1])
    assert max(r["attempts"] for r in log.values()) > 1


def test_a_temporary_refusal_is_retried(desk, smtp, capsys):
    mailbox, port = smtp
    mailbox.busy_first = 2
    code, out, err = send(desk, port, capsys=capsys)
    assert code == 0, err
    assert len(mailbox.messages) == 4
    log = deliveries(desk[1])
    assert sorted(r["attempts"] for r in log.values()) == [1, 1, 1, 3]


def test_a_permanent_refusal_for_one_reader_stops_no_one_else(desk, smtp, capsys):
    mailbox, port = smtp
    mailbox.refuse["editor@example.org"] = "550 5.1.1 No such user here"
    code, out, err = send(desk, port, capsys=capsys)
    assert code == 4
    assert "sent 3, not sent 0, failed 1" in out
    assert (
        "failed: editor@example.org (iran-venezuela 2026-11-18): 550 5.1.1 No such user here" in err
    )
    assert sorted(r[0] for r, _ in mailbox.messages) == [
        "ana@example.org",
        "ana@example.org",
        "office@example.org",
    ]
    log = deliveries(desk[1])
    failed = log["iran-venezuela/2026-11-18/editor@example.org"]
    assert failed["status"] == "failed" and failed["attempts"] == 1  # permanent: not retried
    del mailbox.refuse["editor@example.org"]
    code, out, _ = send(desk, port, capsys=capsys)
    assert code == 0 and "sent 1, not sent 3, failed 0" in out


def test_a_login_is_required_and_the_password_never_shown(desk, capsys, monkeypatch):
    mailbox = Mailbox()
    port = free_port()
    # PLAIN only: aiosmtpd 1.4 stalls on AUTH LOGIN with an initial response, which smtplib
    # falls back to after a refused PLAIN; real servers answer it.
    controller = start(
        mailbox,
        port,
        authenticator=accepting(PASSWORD),
        auth_required=True,
        auth_require_tls=False,
        auth_exclude_mechanism=["LOGIN"],
    )
    try:
        monkeypatch.setenv("BRIEFING_SMTP_USER", "desk")
        monkeypatch.setenv("BRIEFING_SMTP_ALLOW_PLAINTEXT_AUTH", "1")  # a local test server
        monkeypatch.setenv("BRIEFING_SMTP_PASSWORD", "wrong-" + PASSWORD)
        code, out, err = send(desk, port, capsys=capsys)
        assert code == 2
        assert "refused the login for user 'desk'" in err and "BRIEFING_SMTP_PASSWORD" in err
        assert PASSWORD not in out + err
        assert mailbox.messages == []
        monkeypatch.setenv("BRIEFING_SMTP_PASSWORD", PASSWORD)
        code, out, err = send(desk, port, capsys=capsys)
        assert code == 0, err
        assert PASSWORD not in out + err + json.dumps(deliveries(desk[1]))
        assert PASSWORD.encode() not in (desk[1] / "state.sqlite").read_bytes()
        assert len(mailbox.messages) == 4
    finally:
        controller.stop()


def test_starttls_with_a_certificate_the_test_trusts(desk, tmp_path, capsys, monkeypatch):
    ca = trustme.CA()
    server_context = __import__("ssl").create_default_context(__import__("ssl").Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    mailbox = Mailbox()
    port = free_port()
    controller = start(mailbox, port, tls_context=server_context, require_starttls=True)
    try:
        monkeypatch.setenv("BRIEFING_SMTP_SECURITY", "starttls")
        code, out, err = send(desk, port, "iran-venezuela-in-focus", capsys=capsys)
        assert code == 2 and "the server's certificate is not trusted" in err  # not yet trusted
        assert "SSL_CERT_FILE" in err
        assert mailbox.messages == []
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
        code, out, err = send(desk, port, "iran-venezuela-in-focus", capsys=capsys)
        assert code == 0, err
        assert len(mailbox.messages) == 2
    finally:
        controller.stop()


# ---------------------------------------------------------------- bad input -----------------------


def test_a_bad_readers_file_is_refused_with_lines_and_nothing_sent(desk, smtp, capsys):
    mailbox, port = smtp
    desk[2].write_text(
        READERS
        + "- name: Broken\n  email: not-an-address\n  formats: [pdf, odt]\n"
        + "- name: Twice\n  email: ANA@example.org\n  formats: []\n  reports: [nowhere]\n"
    )
    code, out, err = send(desk, port, capsys=capsys)
    assert code == 2
    assert "readers.yaml:13: 'not-an-address' is not an email address" in err
    assert "readers.yaml:14: unknown format 'odt'" in err
    assert "readers.yaml:16: duplicate address 'ANA@example.org' (first on line 2)" in err
    assert "readers.yaml:18: unknown report 'nowhere'" in err
    assert mailbox.messages == []


def test_missing_smtp_settings_are_named_before_anything_is_sent(desk, smtp, capsys, monkeypatch):
    mailbox, port = smtp
    monkeypatch.delenv("BRIEFING_SMTP_HOST")
    monkeypatch.delenv("BRIEFING_SMTP_FROM")
    code, out, err = send(desk, port, capsys=capsys)
    assert code == 2
    assert "BRIEFING_SMTP_HOST: not set" in err and "BRIEFING_SMTP_FROM: not set" in err
    assert mailbox.messages == [] and deliveries(desk[1]) == {}


# ---------------------------------------------------------------- crashes -------------------------


def _send_process(desk, port: int, **env: str) -> subprocess.Popen:
    root, out, readers = desk
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "briefing",
            "send",
            "-C",
            str(root),
            "-o",
            str(out),
            "--readers",
            str(readers),
            "-q",
        ],
        env={**os.environ, "BRIEFING_SMTP_PORT": str(port), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_a_run_killed_after_a_delivery_is_completed_by_the_next_exactly_once(desk, smtp):
    mailbox, port = smtp
    killed = _send_process(desk, port, BRIEFING_CRASH_AT="delivered")
    assert killed.wait(timeout=60) == -signal.SIGKILL
    assert len(mailbox.messages) == 1
    rerun = _send_process(desk, port)
    assert rerun.wait(timeout=60) == 0, rerun.stderr.read()
    assert mailbox.per_reader() == Counter({key: 1 for key in EXPECTED})


def test_a_run_killed_mid_send_is_completed_by_the_next_exactly_once(desk, smtp):
    mailbox, port = smtp
    mailbox.mail_delay = 0.4  # the sender waits at MAIL FROM, where a kill loses nothing
    run = _send_process(desk, port)
    deadline = time.monotonic() + 30
    while len(mailbox.messages) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    # Kill while the third message waits at MAIL FROM. (Between the server's acceptance of a
    # message and the log's "delivered" lies a window of milliseconds that no SMTP client can
    # close; a message caught in it is resent with the same Message-ID. See deliveries.py.)
    time.sleep(0.15)
    run.send_signal(signal.SIGKILL)
    run.wait()
    assert 2 <= len(mailbox.messages) < 4
    mailbox.mail_delay = 0
    rerun = _send_process(desk, port)
    assert rerun.wait(timeout=60) == 0, rerun.stderr.read()
    assert mailbox.per_reader() == Counter({key: 1 for key in EXPECTED})
