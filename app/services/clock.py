"""The portal's local time: dates the users see (start dates, "today") are in its time zone."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo


def local_now(tz_name: str) -> datetime:
    """The current local time in the portal's time zone (aware)."""
    return datetime.now(timezone.utc).astimezone(ZoneInfo(tz_name))


def local_today(tz_name: str) -> date:
    """Today's date in the portal's time zone."""
    return local_now(tz_name).date()


def local_date_of(moment_utc: datetime, tz_name: str) -> date:
    """The local date of a naive-UTC or aware moment."""
    if moment_utc.tzinfo is None:
        moment_utc = moment_utc.replace(tzinfo=timezone.utc)
    return moment_utc.astimezone(ZoneInfo(tz_name)).date()
