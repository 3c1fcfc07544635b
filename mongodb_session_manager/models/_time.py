"""Timezone-aware UTC timestamps for every stored date."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator

from mongodb_session_manager._utc import as_utc as as_utc


def utcnow() -> datetime:
    """Now, timezone-aware UTC, truncated to milliseconds (what BSON dates keep)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]
"""A datetime that is always timezone-aware UTC after validation."""
