"""`briefing send`: email each reader the newest edition of the reports they follow, once.

It never builds: it reads published editions (their files, manifest and summary). The delivery
log makes it safe to run after every scheduled build: a reader who has an edition is skipped,
a failure for one reader is recorded and reported without stopping the others, and a rerun
after a crash sends only what was not delivered. One send runs at a time per output folder.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .clock import build_time
from .deliveries import DELIVERED, FAILED, SENDING, DeliveryLog
from .editions import Edition, EditionStore, report_ids
from .errors import EXIT_OK, EXIT_SEND_FAILED, InputError, Problems
from .load import report_files
from .lock import output_lock
from .publish import checkpoint
from .readers import Reader, load_readers

SEND_LOCK = ".send.lock"


@dataclass
class Tally:
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def _editions(
    output: Path, wanted: list[str], edition_id: str | None, problems: Problems
) -> list[Edition]:
    have = report_ids(output)
    for rid in wanted:
        if rid not in have:
            problems.add(
                output, None, f"no published editions of {rid!r}; run `briefing build {rid}` first"
            )
    chosen: list[Edition] = []
    for rid in wanted or have:
        if rid not in have:
            continue
        store = EditionStore(output, rid)
        editions = store.list()
        if edition_id is not None:
            match = next((e for e in editions if e.id == edition_id), None)
            if match is None:
                listed = ", ".join(e.id for e in editions) or "none"
                problems.add(
                    output / rid / "editions",
                    None,
                    f"no edition {edition_id!r} of {rid!r}; it has: {listed}",
                )
                continue
            chosen.append(match)
        elif editions:
            chosen.append(editions[-1])
    if edition_id is not None and len(wanted) != 1:
        problems.add(
            "--edition", None, "name exactly one report with --edition (editions are per report)"
        )
    return chosen


def send(
    root: Path,
    output: Path,
    wanted: list[str],
    readers_file: Path,
    *,
    edition_id: str | None = None,
    dry_run: Path | None = None,
    resend: bool = False,
    say: Callable[[str], None] = print,
) -> int:
    from . import smtpconfig
    from .mailer import LoginRefused, deliver
    from .mailmessage import EditionDamaged, compose

    problems = Problems()
    known = {p.stem for p in report_files(root)} | set(report_ids(output))
    readers = load_readers(readers_file, _shown(readers_file, root), known, problems)
    editions = _editions(output, wanted, edition_id, problems)
    from .mailmessage import HTML_TEMPLATE, TEXT_TEMPLATE

    for name in (TEXT_TEMPLATE, HTML_TEMPLATE):
        if not (root / "templates" / name).is_file():
            problems.add(
                root / "templates" / name,
                None,
                "missing: the mail is written from it; run from the project folder or pass --project",
            )
    problems.raise_if_any()
    settings = None if dry_run is not None else smtpconfig.from_environment()
    jobs: list[tuple[Reader, Edition]] = [
        (reader, edition)
        for edition in editions
        for reader in readers
        if reader.wants(edition.report)
    ]
    templates = root / "templates"
    tally = Tally()
    with output_lock(output, wait=True, say=say, name=SEND_LOCK, what="send"):
        try:
            log = DeliveryLog.open(output)
        except ValueError as exc:
            raise InputError.one(output / "deliveries.json", None, str(exc)) from None
        for reader, edition in jobs:
            label = f"{reader.email} ({edition.report} {edition.id})"
            try:
                msg = compose(
                    reader,
                    edition,
                    settings.sender if settings else _dry_sender(),
                    templates,
                    build_time(),
                )
            except EditionDamaged as exc:
                tally.failed.append(f"{label}: {exc}")
                continue
            if dry_run is not None:
                dry_run.mkdir(parents=True, exist_ok=True)
                target = dry_run / f"{edition.report}-{edition.id}-{reader.email}.eml"
                target.write_bytes(bytes(msg))
                tally.written.append(target)
                continue
            if log.status(edition.report, edition.id, reader.email) == DELIVERED and not resend:
                tally.skipped.append(label)
                continue
            message_id = msg["Message-ID"]
            log.record(edition.report, edition.id, reader.email, SENDING, message_id=message_id)
            try:
                outcome = deliver(msg, settings, reader.email)
            except LoginRefused as exc:
                log.record(
                    edition.report,
                    edition.id,
                    reader.email,
                    FAILED,
                    answer=str(exc),
                    message_id=message_id,
                )
                raise InputError.one("BRIEFING_SMTP_USER", None, str(exc)) from None
            status = DELIVERED if outcome.delivered else FAILED
            log.record(
                edition.report,
                edition.id,
                reader.email,
                status,
                answer=outcome.answer,
                attempts=outcome.attempts,
                message_id=message_id,
            )
            checkpoint("delivered")
            if outcome.delivered:
                tally.sent.append(label)
                say(f"sent {label}: {outcome.answer}")
            else:
                tally.failed.append(f"{label}: {outcome.answer}")
    return _report(tally, dry_run, say)


def _dry_sender() -> str:
    return os.environ.get("BRIEFING_SMTP_FROM", "").strip() or "briefing@example.invalid"


def _report(tally: Tally, dry_run: Path | None, say: Callable[[str], None]) -> int:
    if dry_run is not None:
        say(f"dry run: wrote {len(tally.written)} message(s) to {dry_run}; nothing was sent")
        for path in tally.written:
            say(f"  {path}")
    else:
        say(
            f"sent {len(tally.sent)}, already sent {len(tally.skipped)} (skipped), "
            f"failed {len(tally.failed)}"
        )
    for line in tally.failed:
        print(f"briefing: failed: {line}", file=sys.stderr)
    return EXIT_SEND_FAILED if tally.failed else EXIT_OK
