"""The desk's memory: every edition that ever existed and what each reader has received.

It lives in one SQLite database, `<output>/state.sqlite` (the standard library's `sqlite3`, WAL
mode), because this state grows with every run: a delivery is one row written in one
transaction, whatever the log already holds, where a JSON file rewritten whole costs the square
of its records. The editions themselves stay as folders with `manifest.json` and
`evidence.json`, the archive a person reads without the tool; the database adds what folders
cannot say once they are gone:

- the sequence of each report, which only grows, and every edition id ever published, so an id
  is never given twice whatever was pruned or deleted (one handed to a build that died before
  placing its edition, which nobody saw, may be given again);
- a record of each edition (dates, checksums, the digest of its facts) that outlives `prune`,
  with when and why it went;
- one row per reader and edition, claimed in a transaction before the message is handed to the
  server, so two sends at once never send it twice.

Everything the rest of the tool needs is the `State` protocol below; `SqliteState` is the only
implementation today. A desk whose machines share one state would put a server database behind
the same methods.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

from briefing.base.errors import InputError, Problem
from briefing.base.processes import alive

STATE_FILE = "state.sqlite"
LEGACY_LOG = "deliveries.json"
SCHEMA = 1
SENDING, DELIVERED, FAILED = "sending", "delivered", "failed"
PUBLISHED, PRUNED, ALLOCATED = "published", "pruned", "allocated"
# How the delivery history began, kept under meta 'deliveries_since': 'complete' when the store was
# created before any edition existed, 'imported' from the old JSON log, 'accepted' when a send
# was told to start afresh, 'missing' when it was created after editions already existed (a
# lost or evicted store: every reader would look new, so `send` refuses).
COMPLETE, IMPORTED, ACCEPTED, MISSING = "complete", "imported", "accepted", "missing"
# A claim by a run on another machine is taken over once it is this old (seconds); a claim by a
# run on this machine is taken over as soon as its process is gone.
CLAIM_LEASE = 3600.0


def _now() -> str:
    return datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def claimant() -> str:
    """Who holds a claim: host and process, so a dead run's claims can be recognised."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(holder: str) -> bool:
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's run: only the lease can tell
    return alive(int(pid))


@dataclass(frozen=True)
class EditionRecord:
    report: str
    id: str
    sequence: int
    generated: str  # ISO date
    status: str  # PUBLISHED, PRUNED or ALLOCATED (handed out, never placed)
    facts: str  # digest of the facts and sources (see snapshot.facts_digest); "" if unknown
    details: dict[str, Any]  # title, built_at, current_to_text, summary, files (name, sha256)
    gone: str = ""  # when it was pruned
    reason: str = ""  # why


@dataclass(frozen=True)
class Delivery:
    report: str
    edition: str
    email: str
    status: str
    message_id: str
    answer: str
    attempts: int
    time: str
    resends: int = 0


class State(Protocol):
    """What the tool asks of its memory; a server database can stand behind the same calls."""

    history: str

    def allocate(
        self, report: str, generated: date, taken: set[str], floor: int = 0
    ) -> tuple[str, int]: ...
    def record_edition(self, record: EditionRecord) -> None: ...
    def record_pruned(
        self, report: str, edition: str, reason: str, evidence: bytes | None = None
    ) -> None: ...
    def evidence(self, report: str, edition: str) -> bytes | None: ...
    def edition(self, report: str, edition: str) -> EditionRecord | None: ...
    def editions(self, report: str) -> list[EditionRecord]: ...
    def delivery(self, report: str, edition: str, email: str) -> Delivery | None: ...
    def last_received(self, report: str, email: str) -> EditionRecord | None: ...
    def claim(
        self,
        report: str,
        edition: str,
        email: str,
        resend: bool,
        message_id: Callable[[int], str],
    ) -> Delivery | None: ...
    def finish(self, delivery: Delivery, status: str, answer: str, attempts: int) -> None: ...
    def accept_history(self) -> None: ...
    def close(self) -> None: ...


_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sequences (report TEXT PRIMARY KEY, last INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS editions (
    report TEXT NOT NULL, id TEXT NOT NULL, sequence INTEGER NOT NULL, generated TEXT NOT NULL,
    status TEXT NOT NULL, facts TEXT NOT NULL DEFAULT '', details TEXT NOT NULL DEFAULT '{}',
    gone TEXT NOT NULL DEFAULT '', reason TEXT NOT NULL DEFAULT '', evidence BLOB,
    PRIMARY KEY (report, id));
CREATE TABLE IF NOT EXISTS deliveries (
    report TEXT NOT NULL, edition TEXT NOT NULL, email TEXT NOT NULL, status TEXT NOT NULL,
    message_id TEXT NOT NULL DEFAULT '', answer TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0, time TEXT NOT NULL, resends INTEGER NOT NULL DEFAULT 0,
    claimant TEXT NOT NULL DEFAULT '', claimed REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (report, edition, email));
CREATE INDEX IF NOT EXISTS received ON deliveries (report, email, status);
"""


class StateError(InputError):
    """The state store cannot be read or written: like bad input, exit 2 with the file named
    and what to do, never a traceback."""

    def __init__(self, message: str, path: Path | str = STATE_FILE):
        super().__init__([Problem(path, None, message)])

    def __reduce__(self):
        return (type(self), (self.problems[0].message, self.problems[0].path))


class SqliteState:
    """`State` in one SQLite file. Each method is one transaction."""

    def __init__(self, path: Path, db: sqlite3.Connection):
        self.path = path
        self.db = db

    # ------------------------------------------------------------------ opening ----------------

    @classmethod
    def open(cls, output: Path, editions_exist: bool) -> SqliteState:
        """Open (creating if needed). `editions_exist` says whether editions were published
        before this store existed, which decides how its delivery history began."""
        path = output / STATE_FILE
        new = not path.exists()
        _private(path)
        try:
            db = sqlite3.connect(path, timeout=60.0, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # durable at each checkpoint, safe in WAL
            db.executescript(_TABLES)
        except sqlite3.DatabaseError as exc:
            raise StateError(
                f"cannot open the state store ({exc}); it records which editions exist and who "
                "received them, so it is never overwritten: restore it from a backup, check the "
                "folder's permissions, or move it aside",
                path,
            ) from None
        state = cls(path, db)
        schema = state._meta("schema")
        if schema is not None and not (
            schema.isascii() and schema.isdigit() and int(schema) <= SCHEMA
        ):
            db.close()
            raise StateError(
                f"written by a newer version of briefing (schema {schema[:20]!r}; this one "
                f"reads {SCHEMA}); upgrade briefing rather than let an older one change it",
                path,
            )
        if new or state._meta("deliveries_since") is None:
            state._begin_history(output, editions_exist)
        return state

    def _begin_history(self, output: Path, editions_exist: bool) -> None:
        legacy = output / LEGACY_LOG
        with self._tx() as db:
            if db.execute("SELECT value FROM meta WHERE key='deliveries_since'").fetchone():
                return  # another process began it first
            db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA),))
            if legacy.is_file():
                imported = _import_legacy(db, legacy)
                db.execute("INSERT INTO meta VALUES ('imported', ?)", (str(imported),))
                history = IMPORTED
            else:
                history = MISSING if editions_exist else COMPLETE
            db.execute("INSERT INTO meta VALUES ('deliveries_since', ?)", (history,))
            db.execute("INSERT OR REPLACE INTO meta VALUES ('created', ?)", (_now(),))
        if legacy.is_file():
            # Kept as a backup beside the store, under a name nothing reads again.
            # (Another run starting at the same moment may have moved it first.)
            with suppress(FileNotFoundError):
                os.replace(legacy, legacy.with_name(LEGACY_LOG + ".imported"))

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (BEGIN IMMEDIATE), so two runs never both read
        a row as free and then both claim it."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise self._failed(exc) from None
        try:
            yield self.db
            self.db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            self._rollback()
            raise self._failed(exc) from None
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        with suppress(sqlite3.Error):
            self.db.execute("ROLLBACK")

    def _failed(self, exc: sqlite3.Error) -> StateError:
        """A write the database refused (a full disk, a read-only folder, a lock held longer
        than a minute): nothing of this transaction was kept."""
        return StateError(
            f"the state store could not be written ({exc}); nothing of this step was recorded. "
            "Free some space, check the folder's permissions, or wait for the other run",
            self.path,
        )

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    @property
    def history(self) -> str:
        return self._meta("deliveries_since") or MISSING

    def accept_history(self) -> None:
        with self._tx() as db:
            db.execute("UPDATE meta SET value=? WHERE key='deliveries_since'", (ACCEPTED,))

    def close(self) -> None:
        self.db.close()

    # ------------------------------------------------------------------ editions ---------------

    def allocate(
        self, report: str, generated: date, taken: set[str], floor: int = 0
    ) -> tuple[str, int]:
        """The next edition id and sequence number, durably handed out: an id is never handed
        out again once its edition was placed (whatever happens to it later), and a sequence
        number never. `taken` are the folders on disk and `floor` the highest sequence among
        them."""
        base = generated.isoformat()
        with self._tx() as db:
            row = db.execute("SELECT last FROM sequences WHERE report=?", (report,)).fetchone()
            known = db.execute(
                "SELECT COALESCE(MAX(sequence), 0) FROM editions WHERE report=?", (report,)
            ).fetchone()[0]
            sequence = max(row[0] if row else 0, known, floor) + 1
            # An id handed out to a build that died before placing its edition was never seen
            # by anyone (no folder, address, feed entry or message), so it may be given again;
            # every other id ever given may not.
            used = {
                r[0]
                for r in db.execute(
                    "SELECT id FROM editions WHERE report=? AND id LIKE ? AND status != ?",
                    (report, base + "%", ALLOCATED),
                )
            } | taken
            edition_id, n = base, 2
            while edition_id in used:
                edition_id, n = f"{base}-{n}", n + 1
            db.execute(
                "INSERT INTO sequences VALUES (?, ?) ON CONFLICT(report) DO UPDATE SET last=?",
                (report, sequence, sequence),
            )
            db.execute(
                "INSERT OR REPLACE INTO editions (report, id, sequence, generated, status) "
                "VALUES (?, ?, ?, ?, ?)",
                (report, edition_id, sequence, base, ALLOCATED),
            )
        return edition_id, sequence

    def record_edition(self, record: EditionRecord) -> None:
        """An edition as placed (or found on disk): published, with its details."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO editions (report, id, sequence, generated, status, facts, details) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(report, id) DO UPDATE SET "
                "sequence=excluded.sequence, generated=excluded.generated, "
                "status=excluded.status, facts=excluded.facts, details=excluded.details",
                (
                    record.report,
                    record.id,
                    record.sequence,
                    record.generated,
                    record.status,
                    record.facts,
                    json.dumps(record.details, sort_keys=True),
                ),
            )
            db.execute(
                "INSERT INTO sequences VALUES (?, ?) ON CONFLICT(report) DO UPDATE "
                "SET last=MAX(last, excluded.last)",
                (record.report, record.sequence),
            )

    def record_pruned(
        self, report: str, edition: str, reason: str, evidence: bytes | None = None
    ) -> None:
        """The edition's folder goes; its record stays, with its evidence snapshot compressed
        (a few kilobytes), so a reader whose last edition it was can still be told, fact by
        fact, what changed since."""
        packed = zlib.compress(evidence, 9) if evidence else None
        with self._tx() as db:
            db.execute(
                "UPDATE editions SET status=?, gone=?, reason=?, evidence=? "
                "WHERE report=? AND id=?",
                (PRUNED, _now(), reason, packed, report, edition),
            )

    def evidence(self, report: str, edition: str) -> bytes | None:
        """A pruned edition's evidence snapshot, as its evidence.json held it."""
        row = self.db.execute(
            "SELECT evidence FROM editions WHERE report=? AND id=?", (report, edition)
        ).fetchone()
        return zlib.decompress(row[0]) if row and row[0] else None

    def edition(self, report: str, edition: str) -> EditionRecord | None:
        row = self.db.execute(
            f"SELECT {_EDITION_COLUMNS} FROM editions WHERE report=? AND id=?", (report, edition)
        ).fetchone()
        return _edition(row) if row else None

    def editions(self, report: str) -> list[EditionRecord]:
        """Every edition ever recorded, oldest first, pruned ones included."""
        rows = self.db.execute(
            f"SELECT {_EDITION_COLUMNS} FROM editions WHERE report=? ORDER BY sequence, id",
            (report,),
        )
        return [_edition(r) for r in rows]

    # ------------------------------------------------------------------ deliveries -------------

    def delivery(self, report: str, edition: str, email: str) -> Delivery | None:
        row = self.db.execute(
            f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE report=? AND edition=? AND email=?",
            (report, edition, email.lower()),
        ).fetchone()
        return Delivery(*row) if row else None

    def last_received(self, report: str, email: str) -> EditionRecord | None:
        """The newest edition of `report` delivered to `email` (by sequence)."""
        row = self.db.execute(
            f"SELECT {', '.join('e.' + c for c in _EDITION_COLUMNS.split(', '))} "
            "FROM deliveries d JOIN editions e ON e.report=d.report AND e.id=d.edition "
            "WHERE d.report=? AND d.email=? AND d.status=? "
            "ORDER BY e.sequence DESC LIMIT 1",
            (report, email.lower(), DELIVERED),
        ).fetchone()
        return _edition(row) if row else None

    def claim(
        self,
        report: str,
        edition: str,
        email: str,
        resend: bool,
        message_id: Callable[[int], str],
    ) -> Delivery | None:
        """Take the delivery of `edition` to `email` for this run, or None if it is not ours to
        send: already delivered (unless `resend`), or being sent by another live run. The
        Message-ID (made by `message_id` from the number of deliberate resends) is kept in the
        same transaction, before the message is handed over, so a run that dies mid-handover
        is retried with the same one and a mail client shows the duplicate once."""
        email = email.lower()
        me, now = claimant(), time.time()
        with self._tx() as db:
            # The common case, a first delivery: one statement claims it with its Message-ID.
            mid, when = message_id(0), _now()
            first = db.execute(
                "INSERT INTO deliveries (report, edition, email, status, message_id, time, "
                "claimant, claimed) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (report, edition, email, SENDING, mid, when, me, now),
            )
            if first.rowcount == 1:
                return Delivery(report, edition, email, SENDING, mid, "", 0, when)
            row = db.execute(
                "SELECT status, claimant, claimed, resends FROM deliveries "
                "WHERE report=? AND edition=? AND email=?",
                (report, edition, email),
            ).fetchone()
            # The row exists: delivered, failed, or claimed by some run.
            status, holder, claimed, resends = row
            if status == DELIVERED and not resend:
                return None
            if (
                status == SENDING
                and holder
                and holder != me
                and _alive(holder)
                and now - claimed < CLAIM_LEASE
            ):
                return None
            if status == DELIVERED:
                resends += 1  # a deliberate resend is a new message, with a new Message-ID
            db.execute(
                "UPDATE deliveries SET status=?, time=?, claimant=?, claimed=?, resends=?, "
                "message_id=CASE WHEN ? THEN '' ELSE message_id END "
                "WHERE report=? AND edition=? AND email=?",
                (
                    SENDING,
                    _now(),
                    me,
                    now,
                    resends,
                    status == DELIVERED,
                    report,
                    edition,
                    email,
                ),
            )
            found = Delivery(
                *db.execute(
                    f"SELECT {_DELIVERY_COLUMNS} FROM deliveries "
                    "WHERE report=? AND edition=? AND email=?",
                    (report, edition, email),
                ).fetchone()
            )
            if not found.message_id:
                found = Delivery(**{**found.__dict__, "message_id": message_id(found.resends)})
                db.execute(
                    "UPDATE deliveries SET message_id=? WHERE report=? AND edition=? AND email=?",
                    (found.message_id, report, edition, email),
                )
        return found

    def finish(self, delivery: Delivery, status: str, answer: str, attempts: int) -> None:
        """One statement, so one transaction of its own (autocommit)."""
        try:
            self.db.execute(
                "UPDATE deliveries SET status=?, answer=?, attempts=?, time=?, claimant='' "
                "WHERE report=? AND edition=? AND email=?",
                (
                    status,
                    answer,
                    attempts,
                    _now(),
                    delivery.report,
                    delivery.edition,
                    delivery.email,
                ),
            )
        except sqlite3.OperationalError as exc:
            raise self._failed(exc) from None

    def deliveries(self) -> list[Delivery]:
        """Every delivery row (for tests and inspection; not used on the sending path)."""
        rows = self.db.execute(
            f"SELECT {_DELIVERY_COLUMNS} FROM deliveries ORDER BY report, edition, email"
        )
        return [Delivery(*r) for r in rows]


_EDITION_COLUMNS = "report, id, sequence, generated, status, facts, details, gone, reason"
_DELIVERY_COLUMNS = "report, edition, email, status, message_id, answer, attempts, time, resends"


def _edition(row: tuple) -> EditionRecord:
    report, eid, sequence, generated, status, facts, details, gone, reason = row
    return EditionRecord(
        report, eid, sequence, generated, status, facts, json.loads(details or "{}"), gone, reason
    )


def _private(path: Path) -> None:
    """The store holds readers' addresses and the servers' answers: readable by its owner
    only. Created so before SQLite opens it (its journal files take the same mode), and a
    store from an earlier version is narrowed to it."""
    with suppress(FileExistsError, FileNotFoundError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    with suppress(OSError):
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)


def _import_legacy(db: sqlite3.Connection, legacy: Path) -> int:
    """The JSON log of earlier versions, record by record. Its editions may be gone: they are
    recorded as pruned (sequence unknown, so ordered by their id's date)."""
    try:
        data = json.loads(legacy.read_text(encoding="utf-8"))
        records = data["records"] if isinstance(data, dict) else None
        if not isinstance(records, dict):
            raise ValueError("no 'records'")
    except (OSError, ValueError, KeyError, RecursionError) as exc:
        raise StateError(
            f"unreadable ({type(exc).__name__}: {str(exc)[:200]}); it records who has received what, so it is imported before "
            "anything is sent: repair it, or move it aside if no one was ever sent an edition",
            legacy,
        ) from None
    count = 0
    for key, r in records.items():
        # A record that cannot be read is not skipped: the reader it stood for would be
        # mailed again. The whole import stops and names it.
        try:
            report, edition, email = str(r["report"]), str(r["edition"]), str(r["email"]).lower()
            status = r["status"] if r["status"] in (SENDING, DELIVERED, FAILED) else FAILED
            attempts = int(r.get("attempts", 0) or 0)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise StateError(
                f"the record {key!r} is not a delivery record ({type(exc).__name__}: {exc}); "
                "it records who has received what, so it is imported before anything is sent: "
                "repair it, or move the file aside if no one was ever sent an edition",
                legacy,
            ) from None
        db.execute(
            "INSERT OR IGNORE INTO deliveries (report, edition, email, status, message_id, "
            "answer, attempts, time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                report,
                edition,
                email,
                status,
                str(r.get("message_id", "")),
                str(r.get("answer", "")),
                attempts,
                str(r.get("time", _now())),
            ),
        )
        # Placeholder so the delivery joins an edition; the real record replaces it when the
        # edition is found on disk, and one that is gone stays as pruned.
        db.execute(
            "INSERT OR IGNORE INTO editions (report, id, sequence, generated, status, reason) "
            "VALUES (?, ?, 0, ?, ?, ?)",
            (report, edition, edition[:10], PRUNED, "gone before the state store existed"),
        )
        count += 1
    return count
