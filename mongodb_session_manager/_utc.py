"""UTC helpers with no dependencies (the CLI uses them before any driver is imported)."""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(value: datetime) -> datetime:
    """Read a naive datetime as UTC (BSON dates are UTC); convert aware ones to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
