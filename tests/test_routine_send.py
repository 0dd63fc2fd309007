"""A desk's routine over many runs: build, prune, edit, send, again and again. Each edition
reaches the readers it concerns once, under an id and a Message-ID of its own; an edition that
changes presentation only is published but not mailed; a reader who missed editions gets one
message with everything that changed; two sends at once send each message once; the old JSON
log is imported without resending; and settings come from briefing.toml, checked at the door.

The editions here are of the two-page report in HTML only, so each build takes about a second;
the mail goes to a real SMTP server on 127.0.0.1 (aiosmtpd) started by the tests."""

from __future__ import annotations

import email
import email.policy
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from briefing.cli.main import main
from briefing.publish.state import STATE_FILE, SqliteState

from .conftest import EPOCH, copy_project, edit, html_text
from .test_send import Mailbox, smtp  # noqa: F401 - the shared SMTP server fixture

REPORT = "iran-venezuela-in-focus"
ANA = "- name: Ana Analyst\n  email: ana@example.org\n  formats: []\n"
EVE = "- name: Eve Everything\n  email: eve@example.org\n  formats: []\n  every_edition: true\n"
NEW = "- name: Nat Newcomer\n  email: nat@example.org\n  formats: []\n"


@pytest.fixture
def desk(tmp_path, monkeypatch, smtp):  # noqa: F811 - the fixture imported above
    """A private project, an empty output folder, a readers file and SMTP settings."""
    project = copy_project(tmp_path / "project")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.setenv("BRIEFING_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("BRIEFING_SMTP_PORT", str(smtp[1]))
    monkeypatch.setenv("BRIEFING_SMTP_SECURITY", "none")
    monkeypatch.setenv("BRIEFING_SMTP_FROM", "briefings@desk.example.org")
    for name in ("BRIEFING_SMTP_USER", "BRIEFING_SMTP_PASSWORD", "BRIEFING_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return Desk(project, tmp_path / "output", tmp_path / "readers.yaml", smtp[0])


class Desk:
    def __init__(self, project: Path, out: Path, readers: Path, mailbox: Mailbox):
        self.project, self.out, self.readers, self.mailbox = project, out, readers, mailbox

    def build(self, *extra: str) -> None:
        # One job: an HTML-only edition has nothing to share out, and a worker would have to
        # import matplotlib afresh (the jobs' own tests are test_speed's and test_stops').
        args = ["build", REPORT, "-C", str(self.project), "-o", str(self.out), "-f", "html"]
        assert main([*args, "-q", "-j", "1", *extra]) == 0

    def send(self, capsys, *extra: str) -> tuple[int, str, str]:
        args = ["send", "-C", str(self.project), "-o", str(self.out), "--readers"]
        code = main([*args, str(self.readers), *extra])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    def editions(self) -> list[str]:
        folder = self.out / REPORT / "editions"
        return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))

    def messages(self) -> list[tuple[str, email.message.EmailMessage]]:
        return [(rcpt[0], msg) for rcpt, msg in self.mailbox.parsed()]

    def change_fact(self, old: str, new: str, file: str = "energy.yaml") -> None:
        edit(self.project / "data" / "facts" / file, old, new)


def body(msg) -> str:
    return msg.get_body(("plain",)).get_content()


# ---------------------------------------------------------------- identity -----------------------


def test_prune_then_build_then_send_reaches_the_readers_under_a_new_id(desk, capsys):
    desk.readers.write_text(ANA)
    desk.build()
    desk.change_fact("value: 2350000", "value: 2400000")
    desk.build()
    assert desk.send(capsys)[0] == 0
    assert desk.editions() == ["2026-11-18", "2026-11-18-2"]
    assert main(["prune", REPORT, "-C", str(desk.project), "-o", str(desk.out), "--keep", "1"]) == 0
    desk.change_fact("value: 2400000", "value: 2450000")
    desk.build()
    # The pruned edition's id is not handed out again, though its folder is gone.
    assert desk.editions() == ["2026-11-18-2", "2026-11-18-3"]
    code, out, err = desk.send(capsys)
    assert code == 0, err
    assert "sent 1, not sent 0, failed 0" in out
    (_, first), (rcpt, newest) = desk.messages()
    assert rcpt == "ana@example.org" and newest["X-Briefing-Edition"] == "2026-11-18-3"
    assert newest["Message-ID"] != first["Message-ID"]
    assert newest["Subject"] != first["Subject"]  # two editions of one day
    assert newest["Subject"].endswith(": third edition of 18 November 2026")
    # The removed edition is still on record, in the listing and on the index page.
    main(["editions", REPORT, "-o", str(desk.out)])
    listing = capsys.readouterr().out
    assert "2026-11-18  " in listing and "removed" in listing and "keeping the newest 1" in listing
    index = html_text((desk.out / "index.html").read_text())
    assert "18 November 2026: removed" in index and "Its address is not reused" in index


def test_a_lost_state_store_stops_send_until_told(desk, capsys):
    desk.readers.write_text(ANA)
    desk.build()
    assert desk.send(capsys)[0] == 0
    (desk.out / STATE_FILE).unlink()
    # A build without the store still orders its edition after those on disk.
    desk.change_fact("value: 2350000", "value: 2400000")
    desk.build()
    manifest = json.loads((desk.out / REPORT / "current" / "manifest.json").read_text())
    assert manifest["edition"] == "2026-11-18-2" and manifest["sequence"] == 2
    code, out, err = desk.send(capsys)
    assert code == 2
    assert f"{desk.out / STATE_FILE}: the state store was created after editions" in err
    assert "--new-state" in err and len(desk.mailbox.messages) == 1
    code, out, err = desk.send(capsys, "--new-state")
    assert code == 0 and len(desk.mailbox.messages) == 2  # deliberately, as told


# ---------------------------------------------------------------- what is mailed -----------------


def test_a_presentation_only_edition_is_published_but_mailed_only_to_who_asked(desk, capsys):
    desk.readers.write_text(ANA + EVE)
    desk.build()
    assert desk.send(capsys)[0] == 0
    edit(
        desk.project / "templates/sections/iran-venezuela-in-focus/bottom-line.md.j2",
        "the two states met sanctions with",
        "the two states answered sanctions with",
    )
    desk.build()
    assert desk.editions() == ["2026-11-18", "2026-11-18-2"]  # published and listed
    code, out, err = desk.send(capsys, "--dry-run", str(desk.out.parent / "eml"))
    assert code == 0, err
    assert "would send eve@example.org (iran-venezuela-in-focus 2026-11-18-2)" in out
    assert (
        "not sent ana@example.org (iran-venezuela-in-focus 2026-11-18-2): presentation only" in out
    )
    code, out, err = desk.send(capsys)
    assert code == 0, err
    assert "sent 1, not sent 1, failed 0" in out
    assert [r for r, _ in desk.messages()] == [
        "ana@example.org",
        "eve@example.org",
        "eve@example.org",
    ]
    # The next fact change reaches Ana again, with what changed since her last edition.
    desk.change_fact("value: 2350000", "value: 2400000")
    desk.build()
    assert desk.send(capsys)[0] == 0
    rcpt, latest = desk.messages()[-2]
    assert rcpt == "ana@example.org" and "2.4 million barrels" in body(latest)


def test_a_reader_who_missed_editions_gets_one_message_with_every_change(desk, capsys):
    desk.readers.write_text(ANA)
    desk.build()
    assert desk.send(capsys)[0] == 0
    desk.change_fact("value: 2350000", "value: 2400000")
    desk.build()
    desk.change_fact("date: 2009", "date: 2008", file="finance.yaml")
    desk.build()
    desk.readers.write_text(ANA + NEW)  # a reader added after three editions
    # Ana's last edition is pruned: its evidence stays in the state store's record of it.
    assert main(["prune", REPORT, "-C", str(desk.project), "-o", str(desk.out), "--keep", "2"]) == 0
    assert desk.editions() == ["2026-11-18-2", "2026-11-18-3"]
    code, out, err = desk.send(capsys)
    assert code == 0, err
    assert "sent 2, not sent 0, failed 0" in out
    got = dict(desk.messages()[1:])
    assert set(got) == {"ana@example.org", "nat@example.org"}  # one message each
    ana = body(got["ana@example.org"])
    assert "WHAT CHANGED SINCE 18 NOVEMBER 2026" in ana
    assert "2 facts changed" in ana
    assert "Gasoline was 2.35 million barrels; now 2.4 million barrels." in ana
    assert "Date was 2009; now 2008." in ana
    nat = body(got["nat@example.org"])
    assert "WHAT CHANGED" not in nat and "first edition of this briefing sent to you" in nat
    assert "BOTTOM LINE" in nat
    assert all(m["X-Briefing-Edition"] == "2026-11-18-3" for m in got.values())


# ---------------------------------------------------------------- races and upgrades -------------


def test_two_sends_at_once_send_each_message_once(desk):
    readers = "".join(
        f"- name: Reader {n}\n  email: r{n}@example.org\n  formats: []\n" for n in range(8)
    )
    desk.readers.write_text(readers)
    desk.build()
    desk.mailbox.mail_delay = 0.05  # so the two runs overlap
    command = [sys.executable, "-m", "briefing", "send", "-C", str(desk.project)]
    command += ["-o", str(desk.out), "--readers", str(desk.readers), "-q"]
    runs = [subprocess.Popen(command, env=dict(os.environ), stderr=subprocess.PIPE) for _ in "ab"]
    for run in runs:
        assert run.wait(timeout=120) == 0, run.stderr.read()
    assert Counter(r for r, _ in desk.messages()) == {f"r{n}@example.org": 1 for n in range(8)}


def test_the_old_json_log_is_imported_once_and_nothing_is_resent(desk, capsys):
    desk.readers.write_text(ANA + NEW)
    desk.build()
    # A desk upgraded from the JSON delivery log: Ana already has the edition.
    (desk.out / STATE_FILE).unlink()
    record = {
        "report": REPORT,
        "edition": "2026-11-18",
        "email": "ana@example.org",
        "status": "delivered",
        "answer": "250 OK",
        "attempts": 1,
        "message_id": "<old@desk.example.org>",
        "time": "2026-11-18T09:00:00Z",
    }
    log = {"format": 1, "records": {f"{REPORT}/2026-11-18/ana@example.org": record}}
    (desk.out / "deliveries.json").write_text(json.dumps(log))
    code, out, err = desk.send(capsys)
    assert code == 0, err
    assert [r for r, _ in desk.messages()] == ["nat@example.org"]
    # The first edition built after the upgrade comes after the editions already on disk.
    desk.change_fact("value: 2350000", "value: 2400000")
    desk.build()
    manifest = json.loads((desk.out / REPORT / "current" / "manifest.json").read_text())
    assert manifest["edition"] == "2026-11-18-2" and manifest["sequence"] == 2
    assert "not sent ana@example.org (iran-venezuela-in-focus 2026-11-18): already received" in out
    assert not (desk.out / "deliveries.json").exists()
    assert json.loads((desk.out / "deliveries.json.imported").read_text()) == log  # the backup
    assert desk.send(capsys)[0] == 0
    assert [r for r, _ in desk.messages()] == [
        "nat@example.org",
        "ana@example.org",
        "nat@example.org",
    ]
    state = SqliteState.open(desk.out, editions_exist=True)
    try:
        assert [(d.edition, d.email, d.status) for d in state.deliveries()] == [
            ("2026-11-18", "ana@example.org", "delivered"),
            ("2026-11-18", "nat@example.org", "delivered"),
            ("2026-11-18-2", "ana@example.org", "delivered"),
            ("2026-11-18-2", "nat@example.org", "delivered"),
        ]
    finally:
        state.close()


# ---------------------------------------------------------------- settings and headers -----------


SETTINGS = """\
# Settings that are not secrets; the password only ever in BRIEFING_SMTP_PASSWORD.
[mail]
from_name = "Iran-Venezuela desk"
reply_to = "desk@desk.example.org"
list_id = "iran-venezuela.desk.example.org"

[publish]
base_url = "https://briefings.example.org/iv"
"""


def test_settings_from_briefing_toml_make_messages_a_mail_system_trusts(desk, capsys):
    (desk.project / "briefing.toml").write_text(SETTINGS)
    desk.readers.write_text("- name: Hal\n  email: hal@example.org\n  formats: [html]\n")
    desk.build()
    code, out, err = desk.send(capsys)
    assert code == 0, err
    [(_, msg)] = desk.messages()
    assert msg["From"] == "Iran-Venezuela desk <briefings@desk.example.org>"
    assert msg["Reply-To"] == "desk@desk.example.org"
    assert msg["List-Id"].endswith("<iran-venezuela.desk.example.org>")
    assert msg["List-Unsubscribe"].strip() == (
        "<mailto:desk@desk.example.org?subject=unsubscribe%20iran-venezuela-in-focus>"
    )
    page = f"https://briefings.example.org/iv/{REPORT}/editions/2026-11-18/{REPORT}.html"
    assert f"Read it online: {page}" in body(msg)
    assert f'href="{page}"' in msg.get_body(("html",)).get_content()
    assert list(msg.iter_attachments()) == []  # the web page travels as a link
    feed = (desk.out / "feed.xml").read_text()
    assert 'href="https://briefings.example.org/iv/feed.xml"' in feed and f'href="{page}"' in feed
    assert f'href="{page}"' in (desk.out / "index.html").read_text()
    # The environment overrides the file.
    os.environ["BRIEFING_BASE_URL"] = "https://mirror.example.net/"
    try:
        main(["build", REPORT, "-C", str(desk.project), "-o", str(desk.out), "-f", "html", "-q"])
        assert "https://mirror.example.net/feed.xml" in (desk.out / "feed.xml").read_text()
    finally:
        del os.environ["BRIEFING_BASE_URL"]


def test_a_bad_settings_file_is_refused_with_its_lines(desk, capsys):
    desk.readers.write_text(ANA)
    desk.build()
    (desk.project / "briefing.toml").write_text(
        SETTINGS.replace('reply_to = "desk@desk.example.org"', 'reply_to = "not an address"')
        + 'password = "hunter2"\ncolour = "blue"\n'
    )
    code, out, err = desk.send(capsys)
    assert code == 2 and desk.mailbox.messages == []
    assert "briefing.toml:4: mail.reply_to: 'not an address' is not an email address" in err
    assert "briefing.toml:9: a password does not belong in a file" in err
    assert "briefing.toml:10: unknown setting 'colour' in [publish]" in err
    assert "hunter2" not in err
    (desk.project / "briefing.toml").write_text("[mail\nhost = 1\n")
    code, out, err = desk.send(capsys)
    assert code == 2 and "briefing.toml:1: not valid TOML" in err
    shutil.rmtree(desk.out)


def test_the_sample_settings_file_is_valid(tmp_path):
    from briefing.config.settings import load

    shutil.copy(Path(__file__).resolve().parents[1] / "docs" / "briefing.toml", tmp_path)
    settings = load(tmp_path, env={})
    assert settings.get("mail.reply_to") == "desk@example.org"
    assert settings.base_url == "https://briefings.example.org/"
    assert settings.origins["mail.host"] == "briefing.toml:8"


def test_a_damaged_state_store_is_exit_2_naming_it_and_never_overwritten(desk, capsys):
    desk.readers.write_text(ANA)
    desk.build()
    (desk.out / STATE_FILE).write_bytes(b"not a database, but someone's only copy" * 100)
    before = (desk.out / STATE_FILE).read_bytes()
    code, out, err = desk.send(capsys)
    assert code == 2 and desk.mailbox.messages == []
    assert f"{desk.out / STATE_FILE}: cannot open the state store" in err
    assert "Traceback" not in err
    desk.change_fact("value: 2350000", "value: 2400000")
    code = main(["build", REPORT, "-C", str(desk.project), "-o", str(desk.out), "-f", "html"])
    assert code == 2 and "Traceback" not in capsys.readouterr().err
    assert (desk.out / STATE_FILE).read_bytes() == before
    assert desk.editions() == ["2026-11-18"]  # nothing published without the store


def test_a_name_in_any_script_reaches_the_to_header_encoded(desk, capsys):
    desk.readers.write_text("- name: Zoë Ølberg\n  email: zoe@example.org\n  formats: []\n" + ANA)
    desk.build()
    code, out, err = desk.send(capsys)
    assert code == 0, err
    got = dict(desk.messages())
    assert sorted(got) == ["ana@example.org", "zoe@example.org"]
    assert got["zoe@example.org"]["To"] == "Zoë Ølberg <zoe@example.org>"  # encoded, decoded


def test_a_name_with_a_line_break_is_refused_with_its_line(desk, capsys):
    desk.readers.write_text(
        ANA + '- name: "Eve\\nBcc: all@example.org"\n  email: eve@example.org\n'
    )
    desk.build()
    code, out, err = desk.send(capsys)
    assert code == 2 and desk.mailbox.messages == []
    assert "readers.yaml:4: the name contains a line break (U+000A)" in err
