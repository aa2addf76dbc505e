"""The portal's local time: dates the users see (start dates, "today") are in its time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def local_now(tz_name: str) -> datetime:
    """The current local time in the portal's time zone (aware)."""
    return datetime.now(UTC).astimezone(ZoneInfo(tz_name))


def local_today(tz_name: str) -> date:
    """Today's date in the portal's time zone."""
    return local_now(tz_name).date()
