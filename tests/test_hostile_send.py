"""Distribution that nothing can poison: hostile readers, servers and state never lose,
duplicate or leak a message. Every reader is checked before anything is sent; a failure that
belongs to one reader stays with that reader; the credentials never leave the process; a dead
server is noticed once. Real SMTP servers on 127.0.0.1 (aiosmtpd), some of them misbehaving on
purpose, started by the tests."""

# ruff: noqa: F811 - pytest fixtures imported from the send tests, named as arguments
from __future__ import annotations

import asyncio
import base64
import contextlib
import email
import email.policy
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefing.base.errors import InputError, Problems
from briefing.cli.main import main
from briefing.publish.pipeline import select_reports
from briefing.publish.state import STATE_FILE

from .conftest import EPOCH, copy_project
from .test_routine_send import ANA, REPORT, desk  # noqa: F401 - the shared fixtures
from .test_send import Mailbox, accepting, free_port, smtp, start  # noqa: F401

JOSE = "- name: José Núñez\n  email: josé@example.org\n  formats: []\n"
ZOE = "- name: Zoë Ølberg\n  email: zoe@example.org\n  formats: []\n"
SECRET = "pässwörd-密码-🔑"


@contextlib.contextmanager
def serving(monkeypatch, mailbox: Mailbox | None = None, kind: type = Controller, **options):
    """A server of the test's own on a free port, named in the environment, stopped after."""
    mailbox = mailbox or Mailbox()
    controller = kind(mailbox, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    monkeypatch.setenv("BRIEFING_SMTP_PORT", str(controller.port))
    try:
        yield mailbox
    finally:
        controller.stop()


def everything_written(out: Path) -> bytes:
    """Every file the run left in the output folder (the state store and its journal too)."""
    return b"".join(p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file())


def secrets_of(user: str, password: str) -> list[bytes]:
    """The password, and each form of it AUTH puts on the wire."""
    plain = f"\0{user}\0{password}".encode()
    return [
        password.encode(),
        base64.b64encode(plain),
        base64.b64encode(password.encode()),
    ]


# ---------------------------------------------------------------- readers -------------------------


@pytest.mark.parametrize(
    "name",
    ["Eve\\u0007Bell", "Eve\\u0085Next", "Eve\\u2028Sep", "Eve\\rBcc: all@example.org"],
    ids=["bell", "next-line", "line-separator", "carriage-return"],
)
def test_a_name_no_header_can_carry_is_refused_before_anything_is_sent(desk, capsys, name):
    desk.readers.write_text(ANA + f'- name: "{name}"\n  email: eve@example.org\n')
    desk.build()
    code, out, err = desk.send(capsys)
    assert code == 2 and "Traceback" not in err
    assert "readers.yaml:4: the name" in err
    assert desk.mailbox.messages == []


def test_addresses_are_checked_as_the_standards_define_them(desk, capsys):
    desk.readers.write_text(
        ANA
        + "- name: No At\n  email: nobody.example.org\n"
        + "- name: Bare Host\n  email: someone@localhost\n"
        + "- name: Quoted\n  email: '\"a b\"@example.org'\n"
        + "- name: Dots\n  email: ../x@example.org\n"
    )
    desk.build()
    code, out, err = desk.send(capsys)
    assert code == 2 and "Traceback" not in err
    for line in (5, 7, 9, 11):
        assert f"readers.yaml:{line}: " in err and "is not an email address" in err
    assert desk.mailbox.messages == []


def test_a_number_too_long_to_read_in_the_readers_file_is_named_at_its_line(desk, capsys):
    desk.readers.write_text(
        ANA + "- name: Long\n  email: long@example.org\n  every_edition: " + "9" * 5000 + "\n"
    )
    desk.build()
    code, out, err = desk.send(capsys)
    assert code == 2 and "Traceback" not in err
    assert "readers.yaml:6: holds a number of 5,000 digits" in err
    assert desk.mailbox.messages == []


def test_a_dry_run_never_makes_a_file_name_from_an_address(desk, tmp_path, capsys):
    desk.readers.write_text(ANA + "- name: Slash\n  email: a/b@example.org\n  formats: []\n" + JOSE)
    desk.build()
    folder = tmp_path / "dry"
    code, out, err = desk.send(capsys, "--dry-run", str(folder))
    assert code == 0, err
    written = sorted(folder.iterdir())
    assert len(written) == 3 and all(p.parent == folder for p in written)
    assert not any(c in p.name for p in written for c in "@/é")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "dry",
        "output",
        "project",
        "readers.yaml",
    ]
    # The dry run names each file beside the reader it is for.
    assert all(p.name in out for p in written)


# ---------------------------------------------------------------- internationalised addresses -----


def test_an_international_address_fails_alone_where_the_server_cannot_take_it(
    desk, capsys, monkeypatch
):
    with serving(monkeypatch, enable_SMTPUTF8=False) as mailbox:
        desk.readers.write_text(ANA + JOSE + ZOE)
        desk.build()
        code, out, err = desk.send(capsys)
        assert code == 4 and "Traceback" not in err
        assert sorted(r[0] for r, _ in mailbox.messages) == ["ana@example.org", "zoe@example.org"]
        assert "josé@example.org" in err and "SMTPUTF8" in err
        code, out, err = desk.send(capsys)  # a rerun sends nothing new, and still says why
        assert code == 4 and len(mailbox.messages) == 2
        assert "SMTPUTF8" in err


def test_an_international_address_is_delivered_where_the_server_offers_smtputf8(
    desk, capsys, monkeypatch
):
    with serving(monkeypatch, enable_SMTPUTF8=True) as mailbox:
        desk.readers.write_text(
            ANA + JOSE + "- name: Bücher\n  email: kauf@bücher.example\n  formats: []\n"
        )
        desk.build()
        code, out, err = desk.send(capsys)
        assert code == 0, err
        # A message with a UTF-8 header (RFC 6532) is read as text, as an SMTPUTF8 server does.
        got = {
            rcpt[0]: email.message_from_string(raw.decode("utf-8"), policy=email.policy.default)
            for rcpt, raw in mailbox.messages
        }
        # The local part needs SMTPUTF8; a Unicode domain alone travels in its ASCII form.
        assert sorted(got) == ["ana@example.org", "josé@example.org", "kauf@xn--bcher-kva.example"]
        assert got["josé@example.org"]["To"].addresses[0].addr_spec == "josé@example.org"
        assert got["josé@example.org"]["To"].addresses[0].display_name == "José Núñez"


# ---------------------------------------------------------------- credentials ---------------------


class EchoingSMTP(SMTP):
    """A server that quotes the client's AUTH argument back in its refusal."""

    echo_code = 535

    async def smtp_AUTH(self, arg: str) -> None:
        if not self.session.extended_smtp:
            await self.push("500 Error: command 'AUTH' not recognized")
            return
        await self.push(f"{self.echo_code} 5.7.8 Credentials refused: {arg}")


class EchoingController(Controller):
    def __init__(self, handler, code: int = 535, **kw):
        super().__init__(handler, **kw)
        self.code = code

    def factory(self):
        server = EchoingSMTP(self.handler, **self.SMTP_kwargs)
        server.echo_code = self.code
        return server


@pytest.mark.parametrize("code", [535, 454], ids=["permanent", "temporary"])
def test_an_echoing_server_never_gets_the_secret_into_any_output(desk, capsys, monkeypatch, code):
    with serving(
        monkeypatch,
        kind=EchoingController,
        code=code,
        auth_require_tls=False,
        authenticator=lambda *a: AuthResult(success=True),
    ) as mailbox:
        monkeypatch.setenv("BRIEFING_SMTP_USER", "desk")
        monkeypatch.setenv("BRIEFING_SMTP_PASSWORD", SECRET)
        monkeypatch.setenv("BRIEFING_SMTP_ALLOW_PLAINTEXT_AUTH", "1")
        monkeypatch.setenv("BRIEFING_SMTP_BACKOFF", "0.01")
        desk.readers.write_text(ANA + ZOE)
        desk.build()
        status, out, err = desk.send(capsys)
        assert status == (2 if code == 535 else 4) and "Traceback" not in err
        assert "Credentials refused" in err  # the server's words are kept, its echo is not
        written = everything_written(desk.out)
        for secret in secrets_of("desk", SECRET):
            assert secret.decode() not in out + err
            assert secret not in written
        assert mailbox.messages == []
        # What the store keeps (addresses, the servers' answers) is its owner's alone.
        assert (desk.out / STATE_FILE).stat().st_mode & 0o077 == 0


def test_a_login_over_cleartext_is_refused_unless_asked_for_by_name(
    desk, smtp, capsys, monkeypatch
):
    monkeypatch.setenv("BRIEFING_SMTP_USER", "desk")
    monkeypatch.setenv("BRIEFING_SMTP_PASSWORD", SECRET)
    desk.readers.write_text(ANA)
    desk.build()
    code, out, err = desk.send(capsys)
    assert code == 2 and "BRIEFING_SMTP_ALLOW_PLAINTEXT_AUTH=1" in err and "starttls" in err
    assert desk.mailbox.messages == []


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_a_password_in_any_script_logs_in(desk, capsys, monkeypatch, mechanism):
    with serving(
        monkeypatch,
        authenticator=accepting(SECRET),
        auth_required=True,
        auth_require_tls=False,
        auth_exclude_mechanism=[m for m in ("PLAIN", "LOGIN") if m != mechanism],
    ) as mailbox:
        monkeypatch.setenv("BRIEFING_SMTP_USER", "desk")
        monkeypatch.setenv("BRIEFING_SMTP_ALLOW_PLAINTEXT_AUTH", "1")
        desk.readers.write_text(ANA)
        desk.build()
        monkeypatch.setenv("BRIEFING_SMTP_PASSWORD", SECRET[::-1])
        code, out, err = desk.send(capsys)
        assert code == 2 and "refused the login for user 'desk'" in err
        assert "Traceback" not in err and not any(c in out + err for c in "äö密码🔑")
        monkeypatch.setenv("BRIEFING_SMTP_PASSWORD", SECRET)
        code, out, err = desk.send(capsys)
        assert code == 0, err
        assert [r for r, _ in mailbox.parsed()] == [["ana@example.org"]]


def test_a_server_without_starttls_is_a_setting_to_fix_not_a_server_to_retry(
    desk, smtp, capsys, monkeypatch
):
    monkeypatch.setenv("BRIEFING_SMTP_SECURITY", "starttls")
    monkeypatch.setenv("BRIEFING_SMTP_ATTEMPTS", "5")
    monkeypatch.setenv("BRIEFING_SMTP_BACKOFF", "5")  # a retry would take more than 5 s
    desk.readers.write_text(ANA + ZOE)
    desk.build()
    started = time.monotonic()
    code, out, err = desk.send(capsys)
    assert code == 2 and "Traceback" not in err
    assert "does not offer STARTTLS" in err and "BRIEFING_SMTP_SECURITY" in err
    assert "cannot reach" not in err and time.monotonic() - started < 5
    assert desk.mailbox.messages == []


def test_a_server_without_auth_is_a_setting_to_fix(desk, smtp, capsys, monkeypatch):
    monkeypatch.setenv("BRIEFING_SMTP_USER", "desk")
    monkeypatch.setenv("BRIEFING_SMTP_PASSWORD", SECRET)
    monkeypatch.setenv("BRIEFING_SMTP_ALLOW_PLAINTEXT_AUTH", "1")
    monkeypatch.setenv("BRIEFING_SMTP_BACKOFF", "5")
    desk.readers.write_text(ANA)
    desk.build()
    code, out, err = desk.send(capsys)
    assert code == 2 and "does not offer AUTH" in err and "BRIEFING_SMTP_USER" in err
    assert "cannot reach" not in err and desk.mailbox.messages == []


# ---------------------------------------------------------------- a dead server -------------------


def test_a_dead_server_is_noticed_once_and_the_rest_are_left_for_the_next_run(
    desk, capsys, monkeypatch
):
    port = free_port()  # nothing listens there
    monkeypatch.setenv("BRIEFING_SMTP_PORT", str(port))
    monkeypatch.setenv("BRIEFING_SMTP_ATTEMPTS", "3")
    monkeypatch.setenv("BRIEFING_SMTP_BACKOFF", "0.01")
    readers = "".join(
        f"- name: Reader {n}\n  email: r{n}@example.org\n  formats: []\n" for n in range(12)
    )
    desk.readers.write_text(readers)
    desk.build()
    code, out, err = desk.send(capsys)
    assert code == 4 and "Traceback" not in err
    assert "stopped after 3 failed connections" in err
    assert err.count("not attempted: r") == 11
    mailbox = Mailbox()
    controller = start(mailbox, port)  # the server is back
    try:
        code, out, err = desk.send(capsys)
        assert code == 0, err
        assert sorted(r[0] for r, _ in mailbox.messages) == sorted(
            f"r{n}@example.org" for n in range(12)
        )
    finally:
        controller.stop()


# ---------------------------------------------------------------- state and files -----------------


@pytest.mark.parametrize(
    "log",
    [
        "null",
        "[]",
        '{"format": 1, "records": {"x": "not a record"}}',
        "[" * 100_000 + "]" * 100_000,
    ],
    ids=["null", "list", "bad-record", "deep"],
)
def test_a_damaged_old_log_stops_the_send_and_is_kept(desk, capsys, log):
    desk.readers.write_text(ANA)
    desk.build()
    (desk.out / STATE_FILE).unlink()
    (desk.out / "deliveries.json").write_text(log)
    code, out, err = desk.send(capsys)
    assert code == 2 and "Traceback" not in err and "deliveries.json" in err
    assert (desk.out / "deliveries.json").read_text() == log
    assert desk.mailbox.messages == []


def test_a_format_the_edition_lacks_is_that_readers_failure_not_a_delivery(desk, capsys):
    desk.readers.write_text(ANA + "- name: Pat PDF\n  email: pat@example.org\n  formats: [pdf]\n")
    desk.build()  # HTML only
    code, out, err = desk.send(capsys)
    assert code == 4 and "Traceback" not in err
    assert "pat@example.org" in err and "has no PDF" in err
    assert [r for r, _ in desk.messages()] == ["ana@example.org"]
    rows = json.loads(json.dumps(_deliveries(desk.out)))
    assert rows["pat@example.org"] == "failed" and rows["ana@example.org"] == "delivered"


def _deliveries(out: Path) -> dict[str, str]:
    from briefing.publish.state import SqliteState

    state = SqliteState.open(out, editions_exist=True)
    try:
        return {d.email: d.status for d in state.deliveries() if d.report == REPORT}
    finally:
        state.close()


# ---------------------------------------------------------------- found by a hostile probe ------

ENCODED = "=?utf-8?q?Brief=0D=0ABcc=3A_v=40x.org?="  # decodes to a line break and a Bcc header


def test_an_encoded_word_cannot_smuggle_a_header_in_a_title_a_name_or_a_setting(desk, capsys):
    report = desk.project / "reports" / f"{REPORT}.yaml"
    original = report.read_text()
    report.write_text(re.sub(r"(?m)^title: .*$", lambda _: f'title: "{ENCODED}"', original))
    args = ["build", REPORT, "-C", str(desk.project), "-o", str(desk.out), "-f", "html", "-q"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"{REPORT}.yaml:4: " in err and "encoded word" in err and "Traceback" not in err
    report.write_text(original)
    desk.build()
    desk.readers.write_text(ANA + f'- name: "{ENCODED}"\n  email: ew@example.org\n')
    code, out, err = desk.send(capsys)
    assert code == 2 and "readers.yaml:4: the name contains" in err and "encoded word" in err
    desk.readers.write_text(ANA)
    (desk.project / "briefing.toml").write_text(f'[mail]\nfrom_name = "{ENCODED}"\n')
    code, out, err = desk.send(capsys)
    assert code == 2 and "briefing.toml:2: mail.from_name" in err
    assert desk.mailbox.messages == []


def test_list_headers_stay_urls_a_mail_client_can_use(desk, capsys):
    (desk.project / "briefing.toml").write_text(
        '[mail]\nreply_to = "desk?subject=x&body=y@example.org"\n'
        'list_id = "a-rather-long-list-identifier-for-the-desk.briefings.example.org"\n'
    )
    desk.readers.write_text(ANA)
    desk.build()
    code, out, err = desk.send(capsys)
    assert code == 0, err
    raw = desk.mailbox.messages[0][1].decode()
    head = raw.split("\r\n\r\n", 1)[0]
    assert "=?" not in head.split("Subject:")[0] + head.split("List-Id:")[1]
    unsubscribe = next(line for line in head.split("\r\n") if line.startswith("List-Unsubscribe:"))
    assert unsubscribe == (
        "List-Unsubscribe: <mailto:desk%3Fsubject%3Dx%26body%3Dy@example.org"
        f"?subject=unsubscribe%20{REPORT}>"
    )


class ClosingSMTP(SMTP):
    """A server that greets, answers EHLO, then hangs up at MAIL FROM."""

    async def smtp_MAIL(self, arg: str) -> None:
        self.transport.close()


class ClosingController(Controller):
    def factory(self):
        return ClosingSMTP(self.handler, **self.SMTP_kwargs)


def test_a_server_that_hangs_up_is_noticed_once_like_a_dead_one(desk, capsys, monkeypatch):
    with serving(monkeypatch, kind=ClosingController):
        monkeypatch.setenv("BRIEFING_SMTP_ATTEMPTS", "3")
        monkeypatch.setenv("BRIEFING_SMTP_BACKOFF", "0.01")
        desk.readers.write_text(
            "".join(f"- name: R {n}\n  email: r{n}@example.org\n  formats: []\n" for n in range(6))
        )
        desk.build()
        code, out, err = desk.send(capsys)
        assert code == 4 and "Traceback" not in err
        assert "stopped after 3 failed connections" in err
        assert err.count("not attempted: r") == 5


class SlowData(Mailbox):
    """Takes its time before accepting a message, as a busy server's DATA reply does."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.6)
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_while_the_server_decides_sends_no_message_twice(desk, monkeypatch, signum):
    with serving(monkeypatch, SlowData()) as mailbox:
        desk.readers.write_text(
            "".join(f"- name: R {n}\n  email: r{n}@example.org\n  formats: []\n" for n in range(4))
        )
        desk.build()
        command = [sys.executable, "-m", "briefing", "send", "-C", str(desk.project)]
        command += ["-o", str(desk.out), "--readers", str(desk.readers), "-q"]
        env = dict(os.environ)
        run = subprocess.Popen(command, env=env, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while not mailbox.messages and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)  # the second message is now with the server, its answer not yet given
        run.send_signal(signum)
        assert run.wait(timeout=30) == (130 if signum == signal.SIGINT else 128 + signum)
        assert 2 <= len(mailbox.messages) < 4
        rerun = subprocess.run(command, env=env, stderr=subprocess.PIPE, timeout=60)
        assert rerun.returncode == 0, rerun.stderr
        assert Counter(r[0] for r, _ in mailbox.messages) == {
            f"r{n}@example.org": 1 for n in range(4)
        }


def test_printing_to_a_full_disk_never_stops_a_send(desk):
    desk.readers.write_text(
        "".join(f"- name: R {n}\n  email: r{n}@example.org\n  formats: []\n" for n in range(3))
    )
    desk.build()
    command = [sys.executable, "-m", "briefing", "send", "-C", str(desk.project)]
    command += ["-o", str(desk.out), "--readers", str(desk.readers)]
    with open("/dev/full", "w") as full:
        run = subprocess.run(command, stdout=full, stderr=subprocess.PIPE, timeout=60)
    assert run.returncode == 0 and b"Traceback" not in run.stderr
    assert len(desk.mailbox.messages) == 3
    with open("/dev/full", "w") as full:
        listing = subprocess.run(
            [sys.executable, "-m", "briefing", "editions", "-o", str(desk.out)],
            stdout=full,
            stderr=subprocess.PIPE,
            timeout=60,
        )
    assert listing.returncode == 0 and b"Traceback" not in listing.stderr


def test_a_link_planted_in_the_dry_run_folder_is_replaced_not_followed(desk, tmp_path, capsys):
    desk.readers.write_text(ANA)
    desk.build()
    folder = tmp_path / "dry"
    code, out, err = desk.send(capsys, "--dry-run", str(folder))
    name = next(folder.iterdir()).name
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (folder / name).unlink()
    (folder / name).symlink_to(victim)
    code, out, err = desk.send(capsys, "--dry-run", str(folder))
    assert code == 0, err
    assert victim.read_text() == "keep me"
    assert not (folder / name).is_symlink() and b"Message-ID" in (folder / name).read_bytes()


@pytest.mark.parametrize(
    "variable, value",
    [
        ("BRIEFING_SMTP_PORT", "²"),
        ("BRIEFING_SMTP_ATTEMPTS", "²"),
        ("BRIEFING_SMTP_BACKOFF", "1e9"),
    ],
)
def test_a_number_setting_that_is_not_one_is_refused_before_anything_is_claimed(
    desk, capsys, monkeypatch, variable, value
):
    desk.readers.write_text(ANA)
    desk.build()
    monkeypatch.setenv(variable, value)
    code, out, err = desk.send(capsys)
    assert code == 2 and variable in err and "Traceback" not in err
    assert desk.mailbox.messages == [] and _deliveries(desk.out) == {}


def test_a_state_store_from_a_newer_version_is_left_alone(desk, capsys):
    import sqlite3

    desk.readers.write_text(ANA)
    desk.build()
    db = sqlite3.connect(desk.out / STATE_FILE)
    db.execute("UPDATE meta SET value='999' WHERE key='schema'")
    db.commit()
    db.close()
    code, out, err = desk.send(capsys)
    assert code == 2 and "newer version of briefing" in err and desk.mailbox.messages == []


def test_a_key_that_is_not_a_name_is_refused_with_its_line(desk, capsys):
    desk.readers.write_text(ANA + "- ? [a, b]\n  : 1\n")
    desk.build()
    code, out, err = desk.send(capsys)
    assert code == 2 and "readers.yaml:4: " in err and "Traceback" not in err


# ---------------------------------------------------------------- any readers, any title ----------

HEADERS = {  # every header a message carries, each once; a forged line would add one
    "to",
    "message-id",
    "subject",
    "from",
    "date",
    "list-id",
    "list-unsubscribe",
    "x-briefing-report",
    "x-briefing-edition",
    "mime-version",
    "content-type",
}
ANYTHING = st.text(st.characters(codec=None), max_size=24)  # the whole of Unicode, surrogates too
# Text a person might really have: letters, marks, digits, punctuation, symbols and spaces of
# every script, so that many examples get as far as a server.
WORDS = st.text(st.characters(categories=("L", "M", "N", "P", "S", "Zs")), min_size=1, max_size=24)
SCRIPTS = st.one_of(ANYTHING, WORDS)
INTERNATIONAL = st.builds(
    "{}@{}".format,
    st.text(st.characters(categories=("L", "M", "N")), min_size=1, max_size=10),
    st.sampled_from(["example.org", "bücher.example", "xn--bcher-kva.example", "例え.jp"]),
)
# Weighted towards what passes the check, so that most examples reach the server.
PEOPLE = st.one_of(
    st.tuples(WORDS, st.one_of(st.emails(), INTERNATIONAL)),
    st.tuples(WORDS, st.one_of(st.emails(), INTERNATIONAL)),
    st.tuples(SCRIPTS, st.one_of(st.emails(), INTERNATIONAL, ANYTHING)),
)


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """One HTML-only edition of the two-page report, copied afresh for each example."""
    root = tmp_path_factory.mktemp("published")
    project = copy_project(root / "project")
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        args = ["build", REPORT, "-C", str(project), "-o", str(root / "output"), "-f", "html"]
        assert main([*args, "-q", "-j", "1"]) == 0
    finally:
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH")
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved
    return root


@pytest.fixture(scope="module")
def utf8_server():
    mailbox = Mailbox()
    port = free_port()
    controller = start(mailbox, port, enable_SMTPUTF8=True)
    yield mailbox, port
    controller.stop()


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar that can hold any code point, a lone surrogate included."""
    return (
        '"' + "".join(c if c.isalnum() and c.isascii() else f"\\U{ord(c):08x}" for c in text) + '"'
    )


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(
    people=st.lists(PEOPLE, min_size=1, max_size=3),
    title=st.one_of(SCRIPTS, st.just("In Focus: Iran, Venezuela and sanctions")),
)
def test_any_readers_file_and_title_send_well_formed_messages_or_are_refused(
    published, utf8_server, tmp_path_factory, monkeypatch, people, title
):
    mailbox, port = utf8_server
    mailbox.messages.clear()
    work = tmp_path_factory.mktemp("example")
    shutil.copytree(published / "project", work / "project")
    shutil.copytree(published / "output", work / "output", symlinks=True)
    for name, value in {
        "BRIEFING_SMTP_HOST": "127.0.0.1",
        "BRIEFING_SMTP_PORT": str(port),
        "BRIEFING_SMTP_SECURITY": "none",
        "BRIEFING_SMTP_FROM": "briefings@desk.example.org",
        "BRIEFING_SMTP_ATTEMPTS": "1",
    }.items():
        monkeypatch.setenv(name, value)
    # The title is checked where the report is loaded; one that passes travels to the
    # edition's summary, whose title becomes each message's Subject and List-Id.
    report = work / "project" / "reports" / f"{REPORT}.yaml"
    text = report.read_text()
    report.write_text(re.sub(r"(?m)^title: .*$", lambda _: f"title: {_quoted(title)}", text))
    problems = Problems()
    try:
        select_reports(work / "project", [REPORT], problems)
    except InputError as exc:
        problems.items.extend(exc.problems)
    accepted = not problems.items
    if accepted:
        current = work / "output" / REPORT / "current" / "summary.json"
        summary = json.loads(current.read_text())
        summary["title"] = title
        current.resolve().write_text(json.dumps(summary))
    readers = work / "readers.yaml"
    readers.write_text(
        "".join(
            f"- name: {_quoted(name)}\n  email: {_quoted(address)}\n  formats: []\n"
            for name, address in people
        )
    )
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(
            ["send", "-C", str(work / "project"), "-o", str(work / "output")]
            + ["--readers", str(readers), REPORT]
        )
    assert code in (0, 2, 4), err.getvalue()
    assert "Traceback" not in err.getvalue()
    if code == 2:
        assert mailbox.messages == []
    for recipients, raw in mailbox.messages:
        assert len(recipients) == 1
        head = raw.split(b"\r\n\r\n", 1)[0].decode("utf-8")
        names = [
            line.split(":", 1)[0].lower() for line in head.split("\r\n") if line[:1] not in " \t"
        ]
        assert sorted(names) == sorted(HEADERS)  # each once, none added
        msg = email.message_from_string(raw.decode("utf-8"), policy=email.policy.default)
        assert len(msg["To"].addresses) == 1
        assert msg["X-Briefing-Report"] == REPORT
        if accepted:
            assert msg["Subject"].startswith(title.strip() if title.strip() else "")
    if accepted and code == 0:
        assert len(mailbox.messages) == len(people)
