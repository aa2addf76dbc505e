"""Password reveal after re-authentication: lock-out, rate limit and audit (issue: security review)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import AuditEntry, Interface
from app.models.base import utcnow

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_DURATION = timedelta(minutes=15)
REAUTH_VALID = timedelta(minutes=5)
ADDRESS_LIMIT = 20  # reveal attempts per address and minute, whoever makes them
ADDRESS_WINDOW = timedelta(minutes=1)
HIDE_AFTER_SECONDS = 30


@dataclass(frozen=True)
class LockState:
    """Whether reveal is locked for a user, and until when (naive UTC)."""

    locked: bool
    until: datetime | None = None
    failures_left: int = MAX_FAILURES


def lock_state(session: Session, user_id: int, now: datetime | None = None) -> LockState:
    """Five failures within 15 minutes lock reveal for 15 minutes after the fifth."""
    now = now or utcnow()
    failures = session.scalars(
        sa.select(AuditEntry.at).where(AuditEntry.actor_id == user_id,
                                       AuditEntry.action == "reveal_failed",
                                       AuditEntry.at >= now - FAILURE_WINDOW - LOCK_DURATION)
        .order_by(AuditEntry.at)).all()
    # Walk the failures in order: a run of five within the window starts a lock.
    for i in range(len(failures) - MAX_FAILURES + 1):
        window = failures[i:i + MAX_FAILURES]
        if window[-1] - window[0] <= FAILURE_WINDOW:
            until = window[-1] + LOCK_DURATION
            if until > now:
                return LockState(True, until, 0)
    recent = sum(1 for at in failures if at >= now - FAILURE_WINDOW)
    return LockState(False, None, max(0, MAX_FAILURES - recent))


def address_limited(session: Session, remote_addr: str, now: datetime | None = None) -> bool:
    """Too many reveal attempts from one client address within a minute."""
    now = now or utcnow()
    count = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.remote_addr == remote_addr,
        AuditEntry.action.in_(("reveal", "reveal_failed", "reveal_locked")),
        AuditEntry.at >= now - ADDRESS_WINDOW))
    return count >= ADDRESS_LIMIT


def reauth_fresh(reauth_at: float | None, now: datetime | None = None) -> bool:
    """Whether a remembered re-authentication (a UTC timestamp) is still valid."""
    if not reauth_at:
        return False
    now = now or utcnow()
    age = now - datetime.fromtimestamp(reauth_at, timezone.utc).replace(tzinfo=None)
    return timedelta(0) <= age <= REAUTH_VALID


def audit(session: Session, action: str, actor, remote_addr: str, ok: bool = True,
          interface: Interface | None = None, field: str | None = None) -> AuditEntry:
    """Record one security event (who, what, which interface and field, when, from where)."""
    entry = AuditEntry(action=action, actor_id=actor.id, actor_name=actor.display_name,
                       remote_addr=(remote_addr or "")[:64], ok=ok,
                       interface_id=interface.id if interface else None,
                       interface_name=interface.name if interface else None, field=field)
    session.add(entry)
    return entry
