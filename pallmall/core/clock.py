"""Time: always timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pallmall.core.errors import InvalidInput


def utcnow() -> datetime:
    """The current time, timezone-aware UTC, microseconds kept."""
    return datetime.now(UTC)


def parse_date(field: str, value: str) -> date:
    """Parse ``YYYY-MM-DD`` (ISO 8601 calendar date).

    Raises:
        InvalidInput: naming ``field`` when ``value`` is not such a date.
    """
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(field, f"{value!r} is not a date (YYYY-MM-DD)") from None
