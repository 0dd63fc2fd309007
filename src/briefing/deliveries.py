"""The delivery log, `output/deliveries.json`: one record per reader and edition, with the SMTP
server's answer. It is what makes `briefing send` idempotent.

A record is written, atomically, before a message is handed to the server ("sending") and again
after ("delivered" with the server's reply, or "failed" with the reason). So a rerun after a
crash or a SIGKILL sends only what is not marked delivered, and never resends a delivered one.
A record left at "sending" means the run died mid-handover: the message may or may not have
arrived, and it is sent again (with the same Message-ID, which mail clients use to collapse
duplicates): losing a briefing is worse than receiving it twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .publish import write_atomic

LOG_NAME = "deliveries.json"
SENDING, DELIVERED, FAILED = "sending", "delivered", "failed"


def key(report: str, edition: str, email: str) -> str:
    return f"{report}/{edition}/{email.lower()}"


@dataclass
class DeliveryLog:
    path: Path
    records: dict[str, dict[str, Any]]

    @classmethod
    def open(cls, output: Path) -> DeliveryLog:
        path = output / LOG_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            records = data["records"] if isinstance(data, dict) else {}
        except FileNotFoundError:
            records = {}
        except (OSError, ValueError, KeyError) as exc:
            raise ValueError(
                f"{path}: unreadable ({exc}); it records who has received what, so it is not "
                "overwritten: repair it or move it aside"
            ) from None
        return cls(path, records)

    def status(self, report: str, edition: str, email: str) -> str | None:
        record = self.records.get(key(report, edition, email))
        return record["status"] if record else None

    def record(self, report: str, edition: str, email: str, status: str, **details: Any) -> None:
        entry = self.records.setdefault(key(report, edition, email), {})
        entry.update(
            report=report,
            edition=edition,
            email=email,
            status=status,
            time=datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            **details,
        )
        self.save()

    def save(self) -> None:
        data = {"format": 1, "records": dict(sorted(self.records.items()))}
        write_atomic(self.path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode())
