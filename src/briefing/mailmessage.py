"""One email per reader, report and edition, built with the standard library's EmailMessage.

The body is multipart/alternative: plain text and HTML, both rendered from the project's
templates (`templates/email/`) with the edition's summary: its opening section, what changed,
the information-current-to date and the sources. The HTML uses inline styles only, so it reads
the same in any mail client and fetches nothing. The chosen files are attached with their media
types, after their bytes are checked against the edition's manifest.
"""

from __future__ import annotations

import hashlib
import json
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from .editions import Edition
from .readers import Reader
from .writers import REGISTRY

TEXT_TEMPLATE = "email/message.txt.j2"
HTML_TEMPLATE = "email/message.html.j2"


class EditionDamaged(Exception):
    """An edition's file no longer matches its manifest; sending it would spread the damage."""


def edition_summary(edition: Edition) -> dict[str, Any]:
    path = edition.path / "summary.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EditionDamaged(
            f"{path}: missing; this edition predates summaries. Publish a new one with "
            "`briefing build --force`"
        ) from None
    except (OSError, ValueError) as exc:
        raise EditionDamaged(f"{path}: unreadable ({exc})") from None


def attachment(edition: Edition, fmt: str) -> tuple[str, bytes] | None:
    """The edition's file in `fmt`, checked against its manifest; None if the edition has none."""
    entry = next((f for f in edition.manifest.get("files", []) if f["format"] == fmt), None)
    if entry is None:
        return None
    data = (edition.path / entry["name"]).read_bytes()
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise EditionDamaged(
            f"{edition.path / entry['name']}: its SHA-256 does not match the manifest; "
            "the edition was altered after it was published"
        )
    return entry["name"], data


def message_id(report: str, edition: str, email: str, sender: str) -> str:
    """The same for the same reader, report and edition, so a resent message is recognisable
    as the same one (clients that deduplicate by Message-ID show it once)."""
    key = hashlib.sha256(f"{report}/{edition}/{email.lower()}".encode()).hexdigest()[:24]
    domain = sender.rpartition("@")[2] or "briefing.invalid"
    return f"<{report}.{edition}.{key}@{domain}>"


def _address(name: str, email: str) -> Address:
    local, _, domain = email.rpartition("@")
    return Address(display_name=name, username=local, domain=domain)


def compose(
    reader: Reader, edition: Edition, sender: str, templates: Path, when: Any
) -> EmailMessage:

    from .templating import environment

    summary = edition_summary(edition)
    files = [a for a in (attachment(edition, f) for f in reader.formats) if a is not None]
    context = {
        "summary": summary,
        "reader": reader,
        "edition": edition.id,
        "what_changed": edition.summary,
        "attached": [name for name, _ in files],
    }
    text_env = environment(
        templates,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    html_env = environment(templates, autoescape=True)
    msg = EmailMessage()
    msg["Subject"] = f"{summary['title']}: edition of {summary['generated_text']}"
    msg["From"] = sender
    msg["To"] = _address(reader.name, reader.email)
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = message_id(edition.report, edition.id, reader.email, sender)
    # For readers' mail rules and for tracing: which report and edition this is.
    msg["X-Briefing-Report"] = edition.report
    msg["X-Briefing-Edition"] = edition.id
    msg.set_content(text_env.get_template(TEXT_TEMPLATE).render(context))
    msg.add_alternative(html_env.get_template(HTML_TEMPLATE).render(context), subtype="html")
    for name, data in files:
        fmt = name.rpartition(".")[2]
        media = next(f.media_type for f in REGISTRY.values() if f.extension == fmt)
        maintype, _, subtype = media.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg
