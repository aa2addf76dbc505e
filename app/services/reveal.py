"""Password reveal after re-authentication: the whole policy (rate limit, lock, re-auth, audit).

The route only maps an `Outcome` to a response. Limits use the shared sliding-window limiter:
- per admin: 5 wrong passwords within 15 minutes lock the reveal until the oldest of them is 15
  minutes old; each attempt is counted before the password is checked and taken back when it
  was right, so parallel guesses cannot get past the limit;
- per client address: 20 attempts a minute, whoever makes them.
A correct password is remembered for 5 minutes (the session's re-authentication time).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from app.models import AuditEntry, Interface
from app.models.base import utcnow
from app.services import limiter
from app.services.interfaces import read_secret
from app.services.secrets import SecretBox, SecretError

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
REAUTH_VALID = timedelta(minutes=5)
ADDRESS_LIMIT = 20  # reveal attempts per address and minute, whoever makes them
ADDRESS_WINDOW = timedelta(minutes=1)
HIDE_AFTER_SECONDS = 30

USER_RULE = limiter.Rule(MAX_FAILURES, FAILURE_WINDOW)
ADDRESS_RULE = limiter.Rule(ADDRESS_LIMIT, ADDRESS_WINDOW)


def _user_key(user_id: int) -> str:
    return f"reveal:user:{user_id}"


def _address_key(remote_addr: str) -> str:
    return f"reveal:addr:{remote_addr[:45]}"


@dataclass(frozen=True)
class LockState:
    """Whether reveal is locked for a user, and until when (naive UTC)."""

    locked: bool
    until: datetime | None = None
    failures_left: int = MAX_FAILURES


class Outcome(enum.Enum):
    """How a reveal attempt ended."""

    REVEALED = "revealed"
    WRONG_PASSWORD = "wrong_password"
    LOCKED = "locked"
    ADDRESS_LIMITED = "address_limited"
    UNREADABLE = "unreadable"  # the stored value cannot be decrypted with the configured keys
    CONFIRMED = "confirmed"  # confirm_password: the password was right


@dataclass(frozen=True)
class Result:
    """The outcome, the secret (only when revealed), the lock, and the re-auth time to remember."""

    outcome: Outcome
    lock: LockState
    value: str | None = None
    reauth_at: float | None = None


def lock_state(session: Session, user_id: int, now: datetime | None = None) -> LockState:
    """The admin's reveal lock, without counting anything."""
    verdict = limiter.peek(session, _user_key(user_id), USER_RULE, now)
    if not verdict.allowed:
        return LockState(True, verdict.until, 0)
    return LockState(False, None, verdict.remaining)


def reauth_fresh(reauth_at: float | None, now: datetime | None = None) -> bool:
    """Whether a remembered re-authentication (a UTC timestamp) is still valid."""
    if not reauth_at:
        return False
    now = now or utcnow()
    age = now - datetime.fromtimestamp(reauth_at, UTC).replace(tzinfo=None)
    return timedelta(0) <= age <= REAUTH_VALID


def _timestamp(now: datetime) -> float:
    return now.replace(tzinfo=UTC).timestamp()


def attempt(
    session: Session,
    box: SecretBox,
    actor,
    check_password: Callable[[str], bool],
    password: str | None,
    interface: Interface,
    field: str,
    remote_addr: str,
    reauth_at: float | None,
    now: datetime | None = None,
) -> Result:
    """One reveal attempt, every rule applied and audited (commits)."""
    now = now or utcnow()
    addr = remote_addr or ""
    lock = lock_state(session, actor.id, now)
    if lock.locked:
        audit(session, "reveal_locked", actor, addr, ok=False, interface=interface, field=field)
        session.commit()
        return Result(Outcome.LOCKED, lock)
    fresh = reauth_fresh(reauth_at, now)
    rules = {_address_key(addr): ADDRESS_RULE}
    if not fresh:
        rules[_user_key(actor.id)] = USER_RULE
    verdict = limiter.hit(session, rules, now)
    session.commit()  # counted (and the per-key lock released) before the slow password check
    if not verdict.allowed:
        if verdict.refused_key == _user_key(actor.id):
            audit(session, "reveal_locked", actor, addr, ok=False, interface=interface, field=field)
            session.commit()
            return Result(Outcome.LOCKED, LockState(True, verdict.until, 0))
        return Result(Outcome.ADDRESS_LIMITED, lock)
    if not fresh:
        if not password or not check_password(password):
            audit(session, "reveal_failed", actor, addr, ok=False, interface=interface, field=field)
            session.commit()
            lock = lock_state(session, actor.id, now)
            return Result(Outcome.LOCKED if lock.locked else Outcome.WRONG_PASSWORD, lock)
        # The password was right: this attempt is no failure.
        limiter.undo(session, [verdict.hits[_user_key(actor.id)]])
        reauth_at = _timestamp(now)
    try:
        value = read_secret(box, interface, field)
    except SecretError:
        value = None
    audit(session, "reveal", actor, addr, ok=value is not None, interface=interface, field=field)
    session.commit()
    if value is None:
        return Result(Outcome.UNREADABLE, lock, reauth_at=reauth_at)
    return Result(Outcome.REVEALED, lock, value=value, reauth_at=reauth_at)


def confirm_password(
    session: Session,
    actor,
    check_password: Callable[[str], bool],
    password: str | None,
    remote_addr: str,
    now: datetime | None = None,
) -> Result:
    """An admin's own password for a security setting, under the same lock as the reveal (commits).

    Otherwise a taken-over session could guess the password there without limit.
    """
    now = now or utcnow()
    key = _user_key(actor.id)
    verdict = limiter.hit(session, {key: USER_RULE}, now)
    session.commit()
    if not verdict.allowed or not password or not check_password(password):
        audit(session, "option_denied", actor, remote_addr, ok=False)
        session.commit()
        lock = lock_state(session, actor.id, now)
        return Result(Outcome.LOCKED if lock.locked else Outcome.WRONG_PASSWORD, lock)
    limiter.undo(session, [verdict.hits[key]])
    session.commit()
    return Result(Outcome.CONFIRMED, LockState(False))


def unlock(session: Session, user_id: int) -> int:
    """Lift an admin's reveal lock (admin CLI); rows removed."""
    return limiter.clear(session, keys=[_user_key(user_id)])


def audit(
    session: Session,
    action: str,
    actor,
    remote_addr: str,
    ok: bool = True,
    interface: Interface | None = None,
    field: str | None = None,
) -> AuditEntry:
    """Record one security event (who, what, which interface and field, when, from where)."""
    entry = AuditEntry(
        action=action,
        actor_id=actor.id,
        actor_name=actor.display_name,
        remote_addr=(remote_addr or "")[:64],
        ok=ok,
        interface_id=interface.id if interface else None,
        interface_name=interface.name if interface else None,
        field=field,
    )
    session.add(entry)
    return entry
