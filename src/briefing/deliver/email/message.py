"""One email per reader, report and edition, built with the standard library's EmailMessage.

The body is multipart/alternative: plain text and HTML, both rendered from the mail templates
(`email/`, packaged with briefing; a project's `templates/email/` overrides them) with the
edition's summary: its opening section, what changed,
the information-current-to date and the sources. The HTML uses inline styles only, so it reads
the same in any mail client and fetches nothing. The chosen files are attached with their media
types, after their bytes are checked against the edition's manifest.
"""

from __future__ import annotations

import email.policy
import hashlib
import json
import re
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any
from urllib.parse import quote

from briefing.base.textcheck import header_problem
from briefing.base.wording import columns, label
from briefing.deliver.readers import Reader
from briefing.publish.editions import Edition
from briefing.writers import REGISTRY

# SMTP line endings, and header lines folded only past RFC 5322's limit of 998 characters: the
# default of 78 makes the email package encode any word longer than a line (RFC 2047), which
# turns a List-Unsubscribe or List-Id URL into something no mail client can use. Bodies are
# encoded when they are added, with lines of 76, whatever this says.
WIRE = email.policy.SMTP.clone(max_line_length=998)
TEXT_TEMPLATE = "email/message.txt.j2"
HTML_TEMPLATE = "email/message.html.j2"


class EditionDamaged(Exception):
    """An edition's file no longer matches its manifest; sending it would spread the damage."""


class FormatMissing(Exception):
    """The reader chose a format the edition was built without: mailing the rest and calling
    it delivered would lose the file they asked for without a word."""


def edition_summary(edition: Edition) -> dict[str, Any]:
    path = edition.path / "summary.json"
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EditionDamaged(
            f"{path}: missing; this edition predates summaries. Publish a new one with "
            "`briefing build --force`"
        ) from None
    except (OSError, ValueError) as exc:
        raise EditionDamaged(f"{path}: unreadable ({exc})") from None
    # The title becomes the Subject and the List-Id. It was checked when the report was loaded;
    # a summary from elsewhere (an older version, a hand edit) is checked again here.
    title = summary.get("title") if isinstance(summary, dict) else None
    if not isinstance(title, str) or (why := header_problem(title)):
        raise EditionDamaged(
            f"{path}: its title {why or 'is missing'}, and it would be the messages' subject; "
            "publish a new edition with `briefing build --force`"
        )
    return summary


def attachment(edition: Edition, fmt: str) -> tuple[str, bytes] | None:
    """The edition's file in `fmt`, checked against its manifest; None if the edition has none."""
    entry = edition.manifest.file(fmt)
    if entry is None:
        return None
    data = (edition.path / entry.name).read_bytes()
    if hashlib.sha256(data).hexdigest() != entry.sha256:
        raise EditionDamaged(
            f"{edition.path / entry.name}: its SHA-256 does not match the manifest; "
            "the edition was altered after it was published"
        )
    return entry.name, data


FORMAT_NAMES = {"pdf": "PDF", "docx": "Word file", "html": "web page"}
LINK_LABELS = {"html": "read_online", "pdf": "link_pdf", "docx": "link_docx"}  # wording keys


@dataclass(frozen=True)
class MailSettings:
    """What the message needs of the project's settings (see settings.py)."""

    sender: str
    from_name: str = ""
    reply_to: str = ""
    list_id: str = ""
    base_url: str = ""  # with a trailing slash; empty: no links, files attached


def message_id(edition: Edition, email: str, resends: int, sender: str) -> str:
    """Unique to this edition (its id is never reused, and its build time is mixed in besides),
    this reader and this sending of it. A message retried after a crash keeps its id (the state
    store keeps it), so a mail client shows the duplicate once; a deliberate `--resend` is a
    new message with a new id, which no client hides."""
    built = edition.manifest.built_at
    key = hashlib.sha256(
        f"{edition.report}/{edition.id}/{built}/{email.lower()}/{resends}".encode()
    ).hexdigest()[:24]
    domain = sender.rpartition("@")[2] or "briefing.invalid"
    return f"<{edition.report}.{edition.id}.{key}@{domain}>"


def subject(summary: dict[str, Any], edition: Edition) -> str:
    """Two editions of one day have different subjects: the second is "second edition of"."""
    later = re.fullmatch(r"\d{4}-\d{2}-\d{2}-(\d+)", edition.id)
    number = int(later.group(1)) if later else 1
    ordinals = columns("ordinals")
    which = (
        label("edition_first")
        if number == 1
        else label("edition_nth", ordinal=ordinals[number - 1])
        if number <= len(ordinals)
        else label("edition_n", n=number)
    )
    return label(
        "mail_subject", title=summary["title"], which=which, date=summary["generated_text"]
    )


def links(edition: Edition, base_url: str) -> list[dict[str, str]]:
    """The edition's files at their public addresses, the web page first."""
    if not base_url:
        return []
    out = []
    for f in sorted(edition.manifest.files, key=lambda f: f.format != "html"):
        shown = label(LINK_LABELS[f.format]) if f.format in LINK_LABELS else f.format.upper()
        out.append(
            {
                "format": f.format,
                "label": shown,
                "url": f"{base_url}{edition.report}/editions/{edition.id}/{f.name}",
            }
        )
    return out


class MailTemplates:
    """The text and HTML templates, compiled once per run rather than once per message."""

    def __init__(self, templates: Path):
        from briefing.base.templating import environment

        text_env = environment(
            templates,
            autoescape=False,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        html_env = environment(templates, autoescape=True)
        for env in (text_env, html_env):
            env.globals["label"] = label  # the words around the edition's (wording.py)
        self.text = text_env.get_template(TEXT_TEMPLATE)
        self.html = html_env.get_template(HTML_TEMPLATE)
        # Their text, as loaded (the project's file or the package's), for Composer.personal.
        self.text_source, self.html_source = (
            text_env.loader.get_source(text_env, name)[0]  # type: ignore[union-attr]
            for name in (TEXT_TEMPLATE, HTML_TEMPLATE)
        )


class Attachments:
    """Each edition's files, read and checked against the manifest once per run, however many
    readers chose them."""

    def __init__(self) -> None:
        self._files: dict[tuple[Path, str], tuple[str, bytes] | None] = {}

    def get(self, edition: Edition, fmt: str) -> tuple[str, bytes] | None:
        key = (edition.path, fmt)
        if key not in self._files:
            self._files[key] = attachment(edition, fmt)
        return self._files[key]


class Composer:
    """Messages for one run. The body of a message depends on the edition, on what changed
    since the reader's last edition and on the formats they chose, not on who they are (the
    templates do not name the reader; if a project's template does, every message is made
    whole). So each distinct body is rendered and encoded once, and a reader's message is that
    body with their own To and Message-ID: a list of 10,000 readers costs little more than
    handing 10,000 messages to the server."""

    def __init__(self, mail: MailSettings, templates: Path, when: Any):
        self.mail = mail
        self.templates = MailTemplates(templates)
        self.when = when
        self.files = Attachments()
        source = self.templates.text_source + self.templates.html_source
        self.personal = re.search(r"\breader\b", source) is not None
        self._bodies: dict[tuple, bytes] = {}

    def message(
        self,
        reader: Reader,
        edition: Edition,
        *,
        message_id: str,
        changes: dict[str, Any] | None = None,
        note: str = "",
        summary: dict[str, Any] | None = None,
    ) -> bytes:
        """The message as it goes on the wire (SMTP line endings)."""
        key = (edition.path, id(changes), note, reader.formats)
        body = None if self.personal else self._bodies.get(key)
        if body is None:
            msg = compose(
                reader,
                edition,
                self.mail,
                self.templates,
                self.when,
                changes=changes,
                note=note,
                summary=summary,
                files=self.files,
            )
            body = msg.as_bytes(policy=WIRE)
            if not self.personal:
                self._bodies[key] = body
        return to_header(reader, message_id) + body


def to_header(reader: Reader, message_id: str) -> bytes:
    """The reader's own two header lines. formataddr quotes a name that needs it and encodes a
    non-ASCII one (RFC 2047), at a tenth of the cost of the header classes. An address that is
    not ASCII before the @ is written as it is, in UTF-8, which a server that offered SMTPUTF8
    carries (RFC 6532); every other address goes in its ASCII form. Name and address were
    checked when the readers file was read (one line, no control characters); checked again
    here, because a header line that gains a line break forges a header of its own."""
    if header_problem(reader.name) or any(c in reader.envelope for c in "\r\n\0"):
        raise UnicodeError(f"the name or address of {reader.origin} cannot go into a header")
    if reader.smtputf8:
        shown = formataddr((reader.name, "x@x"))[: -len("<x@x>")] if reader.name else ""
        return f"To: {shown}<{reader.envelope}>\r\nMessage-ID: {message_id}\r\n".encode()
    to = formataddr((reader.name, reader.envelope))
    return f"To: {to}\r\nMessage-ID: {message_id}\r\n".encode("ascii")


def compose(
    reader: Reader,
    edition: Edition,
    mail: MailSettings,
    templates: MailTemplates,
    when: Any,
    *,
    changes: dict[str, Any] | None = None,
    note: str = "",
    summary: dict[str, Any] | None = None,
    files: Attachments | None = None,
) -> EmailMessage:
    """The message without its To and Message-ID, which `Composer.message` adds per reader.
    `changes`: what changed since the reader's last edition (None: first or full summary)."""
    summary = dict(summary or edition_summary(edition))
    summary["changes"] = changes
    # With a public address the web page travels as a link: mail filters quarantine HTML
    # attachments. Without one, every chosen format is attached.
    linked = links(edition, mail.base_url)
    built = edition.manifest.formats
    lacking = [f for f in reader.formats if f not in built]
    if lacking:
        names = " or ".join(FORMAT_NAMES.get(f, f.upper()) for f in lacking)
        raise FormatMissing(
            f"the edition {edition.id} has no {names} (it was built without it), which this "
            f"reader chose; publish one with every format they need (`briefing build "
            f"--format {','.join(sorted(built | set(lacking)))}`), or change their formats "
            f"in the readers file ({reader.origin})"
        )
    formats = [f for f in reader.formats if not (linked and f == "html")]
    files = files or Attachments()
    attached = [a for a in (files.get(edition, f) for f in formats) if a is not None]
    context = {
        "summary": summary,
        "reader": reader,
        "edition": edition.id,
        "first": edition.manifest.previous is None,
        "note": note,
        "what_changed": edition.summary,
        "attached": [name for name, _ in attached],
        "links": linked,
        "web": next((link["url"] for link in linked if link["format"] == "html"), ""),
    }
    desk = mail.reply_to or mail.sender
    msg = EmailMessage()
    msg["Subject"] = subject(summary, edition)
    msg["From"] = Address(display_name=mail.from_name, addr_spec=mail.sender)
    if mail.reply_to:
        msg["Reply-To"] = mail.reply_to
    msg["Date"] = format_datetime(when)
    list_id = mail.list_id or f"{edition.report}.{mail.sender.rpartition('@')[2]}"
    title = " ".join(str(summary["title"]).split()).replace('"', "'")
    msg["List-Id"] = f'"{title}" <{list_id}>'
    unsubscribe = quote(f"unsubscribe {edition.report}")
    # The address percent-encoded as a mailto: URL needs it (RFC 6068): a `?` or `&` in its
    # local part would otherwise start the URL's query.
    msg["List-Unsubscribe"] = f"<mailto:{quote(desk, safe='@')}?subject={unsubscribe}>"
    # For readers' mail rules and for tracing: which report and edition this is.
    msg["X-Briefing-Report"] = edition.report
    msg["X-Briefing-Edition"] = edition.id
    msg.set_content(templates.text.render(context))
    msg.add_alternative(templates.html.render(context), subtype="html")
    for name, data in attached:
        fmt = name.rpartition(".")[2]
        media = next(f.media_type for f in REGISTRY.values() if f.extension == fmt)
        maintype, _, subtype = media.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg
