"""When a build happens. SOURCE_DATE_EPOCH, when set, fixes it (reproducible builds: identical
inputs give identical files); otherwise it is now, in UTC."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime


def build_time() -> datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now(tz=UTC).replace(microsecond=0)


def generated_date() -> date:
    """The edition date printed on the cover and used in the edition's id."""
    return build_time().date()
