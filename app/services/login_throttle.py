"""Throttling of failed log-ins, per user name and per client address, kept in the database."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import LoginAttempt
from app.models.base import utcnow

# A client address may fail more often than one user name (several people share a branch NAT).
ADDRESS_FACTOR = 4


@dataclass(frozen=True)
class ThrottleState:
    """Whether log-in is blocked and until when (naive UTC)."""

    blocked: bool
    until: datetime | None = None


def check(session: Session, username: str, remote_addr: str, max_failures: int,
          window_seconds: int, now: datetime | None = None) -> ThrottleState:
    """Tell whether this user name or address has failed too often within the window."""
    now = now or utcnow()
    since = now - timedelta(seconds=window_seconds)
    for column, value, limit in (
        (LoginAttempt.username, username.strip().lower(), max_failures),
        (LoginAttempt.remote_addr, remote_addr, max_failures * ADDRESS_FACTOR),
    ):
        times = session.scalars(
            sa.select(LoginAttempt.attempted_at)
            .where(column == value, LoginAttempt.attempted_at >= since)
            .order_by(LoginAttempt.attempted_at.desc())
            .limit(limit)
        ).all()
        if len(times) >= limit:
            # Blocked until the oldest of the counted failures leaves the window.
            return ThrottleState(True, times[-1] + timedelta(seconds=window_seconds))
    return ThrottleState(False)


def record_failure(session: Session, username: str, remote_addr: str) -> None:
    """Remember one failed log-in."""
    session.add(LoginAttempt(username=username.strip().lower()[:64], remote_addr=remote_addr[:64]))


def clear(session: Session, username: str, older_than_seconds: int) -> None:
    """Forget a user's failures after a successful log-in, and prune old rows."""
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    session.execute(sa.delete(LoginAttempt).where(
        sa.or_(LoginAttempt.username == username.strip().lower(), LoginAttempt.attempted_at < cutoff)
    ))
