"""When a build happens. SOURCE_DATE_EPOCH, when set, fixes it (reproducible builds: identical
inputs give identical files); otherwise it is now, in UTC."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

from briefing.base.errors import InputError


def build_time() -> datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return datetime.now(tz=UTC).replace(microsecond=0)
    if not epoch.isdigit() or len(epoch) > 11:
        raise InputError.one(
            "SOURCE_DATE_EPOCH",
            None,
            f"{epoch[:40]!r} is not a time: give whole seconds since 1970 (for example "
            "1795000000), or unset it to use the current time",
        )
    return datetime.fromtimestamp(int(epoch), tz=UTC)


def generated_date() -> date:
    """The edition date printed on the cover and used in the edition's id."""
    return build_time().date()
