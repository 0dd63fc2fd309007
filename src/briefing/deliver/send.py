"""`briefing send`: email each reader the newest edition of the reports they follow, once.

It never builds: it reads published editions (their files, manifest and summary) and the state
store (state.py), which makes it safe to run after every scheduled build. What each reader is
sent, and why anything is not, is decided in plan.py. Each delivery is claimed in a
transaction before the message is handed over, so two sends at once never send one message
twice; a failure for one reader is recorded and reported without stopping the others, and a
rerun after a crash sends only what was not delivered.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from briefing.base import stopping
from briefing.base.clock import build_time
from briefing.base.errors import EXIT_OK, EXIT_SEND_FAILED, InputError, Problems
from briefing.base.files import checkpoint
from briefing.base.stopping import Terminated
from briefing.base.wording import counted
from briefing.config.load import report_files
from briefing.deliver.readers import load_readers
from briefing.publish.editions import Edition, EditionStore, reconcile, report_ids
from briefing.publish.state import DELIVERED, FAILED, MISSING, STATE_FILE


@dataclass
class Tally:
    sent: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (label, why)
    failed: list[str] = field(default_factory=list)
    not_attempted: list[str] = field(default_factory=list)  # left for the next run
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


def check_readers(root: Path, output: Path, readers_file: Path, problems: Problems) -> list:
    """The readers file, each reader's reports among those the project defines or has
    published (reading the output folder, never writing it): what `send` and `check` refuse."""
    known = {p.stem for p in report_files(root)} | set(report_ids(output))
    return load_readers(readers_file, _shown(readers_file, root), known, problems)


def check_mail_templates(root: Path, problems: Problems) -> None:
    """The two templates a message is written from, the project's or the package's."""
    from briefing.base.templating import OUTSIDE, Outside, locate
    from briefing.deliver.email.message import HTML_TEMPLATE, TEXT_TEMPLATE

    for name in (TEXT_TEMPLATE, HTML_TEMPLATE):
        try:
            found = locate(root / "templates", name)
        except Outside:
            problems.add(root / "templates" / name, None, OUTSIDE)
            continue
        if found is None:  # the package ships them: only a broken install lacks one
            problems.add(
                root / "templates" / name,
                None,
                "missing from the project and from the package: the mail is written from it; "
                "reinstall briefing",
            )


def send(
    root: Path,
    output: Path,
    wanted: list[str],
    readers_file: Path,
    *,
    edition_id: str | None = None,
    dry_run: Path | None = None,
    resend: bool = False,
    new_state: bool = False,
    say: Callable[[str], None] = print,
) -> int:
    from briefing.config import settings as project_settings
    from briefing.deliver.email import settings as smtpconfig
    from briefing.deliver.email.message import (
        Composer,
        EditionDamaged,
        FormatMissing,
        MailSettings,
        edition_summary,
        message_id,
    )
    from briefing.deliver.email.smtp import ServerDown, Session, SettingRefused
    from briefing.deliver.plan import decide

    problems = Problems()
    readers = check_readers(root, output, readers_file, problems)
    try:
        settings = project_settings.load(root)
    except InputError as exc:
        problems.items.extend(exc.problems)
        settings = None
    editions = _editions(output, wanted, edition_id, problems)
    check_mail_templates(root, problems)
    problems.raise_if_any()
    assert settings is not None
    smtp = None if dry_run is not None else smtpconfig.from_settings(settings)
    mail = MailSettings(
        sender=smtp.sender if smtp else settings.get("mail.from") or "briefing@example.invalid",
        from_name=settings.get("mail.from_name"),
        reply_to=settings.get("mail.reply_to"),
        list_id=settings.get("mail.list_id"),
        base_url=settings.base_url,
    )
    composer = Composer(mail, root / "templates", build_time())
    compared: dict = {}  # pairs of editions compared for readers who missed some (mailplan)
    tally = Tally()
    session = Session(smtp) if smtp is not None else None  # checks the retry settings
    state = reconcile(output)  # a StateError is an InputError: exit 2, the file named
    down = ""  # why the run stopped sending (a server that could not be reached), if it did
    try:
        if state.history == MISSING:
            if dry_run is None and not new_state:
                raise InputError.one(
                    output / STATE_FILE,
                    None,
                    "the state store was created after editions had been published, so it "
                    "does not know who received them and every reader would be sent the "
                    "newest edition again. Restore the state store (with the editions it "
                    "belongs to) from your backup; or, if no reader has been sent an edition "
                    "from this output folder, run send once with --new-state",
                )
            if dry_run is None:
                state.accept_history()
            else:
                say(
                    "note: the state store does not know who received earlier editions; "
                    "every reader is treated as new"
                )
        for edition in editions:
            try:
                summary = edition_summary(edition)
            except EditionDamaged as exc:
                tally.failed += [
                    f"{r.email} ({edition.report} {edition.id}): {exc}"
                    for r in readers
                    if r.wants(edition.report)
                ]
                continue
            record = state.edition(edition.report, edition.id)
            facts = record.facts if record else ""
            for reader in (r for r in readers if r.wants(edition.report)):
                decision = decide(
                    state,
                    reader,
                    edition,
                    facts,
                    summary,
                    named=edition_id is not None,
                    resend=resend,
                    compared=compared,
                )
                label = decision.label
                if not decision.send:
                    tally.skipped.append((label, decision.reason))
                    continue
                if down:
                    tally.not_attempted.append(label)
                    continue
                if dry_run is not None:
                    had = state.delivery(edition.report, edition.id, reader.email)
                    resends = (
                        (had.resends + (1 if resend and had.status == DELIVERED else 0))
                        if had
                        else 0
                    )
                    mid = message_id(edition, reader.email, resends, mail.sender)
                else:
                    claimed = state.claim(
                        edition.report,
                        edition.id,
                        reader.email,
                        resend,
                        lambda n, e=edition, r=reader: message_id(e, r.email, n, mail.sender),
                    )
                    if claimed is None:
                        tally.skipped.append((label, "being sent by another run, or received"))
                        continue
                    mid = claimed.message_id
                try:
                    msg = composer.message(
                        reader,
                        edition,
                        message_id=mid,
                        changes=decision.changes,
                        note=decision.note,
                        summary=summary,
                    )
                except (EditionDamaged, FormatMissing, UnicodeError) as exc:
                    # A damaged edition, a format it lacks, or an address no mail header can
                    # carry: this reader's problem, recorded and reported; the others still get
                    # theirs.
                    why = str(exc)
                    if isinstance(exc, UnicodeError):
                        cause = getattr(exc, "reason", exc)
                        why = f"cannot address a message to {reader.email!r} ({cause})"
                    if dry_run is None:
                        state.finish(claimed, FAILED, why, 0)
                    tally.failed.append(f"{label}: {why}")
                    continue
                if dry_run is not None:
                    target = _write_eml(dry_run, _eml_name(edition, reader.email), msg)
                    tally.written.append(target)
                    say(f"would send {label}: {decision.reason} ({target.name})")
                    continue
                # A stop (Ctrl-C, SIGTERM) waits while a message is with the server: stopped
                # between handing it over and recording the answer, the next run would send
                # it again. The wait is bounded by the connection's timeout, and no retry
                # begins once a stop is waiting (email/smtp.py).
                stopping.hold()
                try:
                    outcome = session.deliver(msg, reader.envelope, reader.smtputf8)
                except SettingRefused as exc:
                    state.finish(claimed, FAILED, str(exc), 1)
                    raise InputError.one(exc.setting, None, str(exc)) from None
                except ServerDown as exc:
                    state.finish(claimed, FAILED, str(exc), session.attempts)
                    tally.failed.append(f"{label}: {exc}")
                    down = str(exc)
                    continue
                else:
                    status = DELIVERED if outcome.delivered else FAILED
                    state.finish(claimed, status, outcome.answer, outcome.attempts)
                finally:
                    held = stopping.release()
                    if held is not None:
                        raise KeyboardInterrupt() if held == signal.SIGINT else Terminated(held)
                checkpoint("delivered")
                if outcome.delivered:
                    tally.sent.append(label)
                    say(f"sent {label}: {decision.reason}; {outcome.answer}")
                else:
                    tally.failed.append(f"{label}: {outcome.answer}")
    finally:
        if session is not None:
            session.close()
        state.close()
    return _report(tally, dry_run, say)


def _write_eml(folder: Path, name: str, msg: bytes) -> Path:
    """One message into the dry-run folder, replacing whatever is at its name (a symbolic link
    planted there included: the link is replaced, never followed)."""
    from briefing.base.files import write_atomic

    target = folder / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(target, msg)
    except OSError as exc:
        raise InputError.one(
            folder,
            None,
            f"cannot write the dry run's messages here ({exc.strerror}); choose another folder "
            "with --dry-run",
        ) from None
    return target


def _eml_name(edition: Edition, email: str) -> str:
    """A file name made from a digest of the address, never from the address itself, so no
    address can turn it into a path or a name the file system refuses; the dry run prints
    it beside the reader it is for. Report ids and edition ids are the project's own."""
    import hashlib

    digest = hashlib.sha256(email.lower().encode()).hexdigest()[:16]
    return f"{edition.report}-{edition.id}-{digest}.eml"


def _report(tally: Tally, dry_run: Path | None, say: Callable[[str], None]) -> int:
    for label, why in tally.skipped:
        say(f"not sent {label}: {why}")
    if dry_run is not None:
        say(
            f"dry run: wrote {counted(len(tally.written), 'message')} to {dry_run}, "
            f"{len(tally.skipped)} not to be sent; nothing was sent"
        )
    else:
        left = f", not attempted {len(tally.not_attempted)}" if tally.not_attempted else ""
        say(
            f"sent {len(tally.sent)}, not sent {len(tally.skipped)}, "
            f"failed {len(tally.failed)}{left}"
        )
    for line in tally.failed:
        print(f"briefing: failed: {line}", file=sys.stderr)
    for label in tally.not_attempted:
        print(
            f"briefing: not attempted: {label}: the run stopped (see above); the next run sends it",
            file=sys.stderr,
        )
    return EXIT_SEND_FAILED if tally.failed or tally.not_attempted else EXIT_OK
