"""One sliding-window limiter: at most `limit` hits per key within `window`, counted atomically.

Used by the log-in throttle and the password-reveal lock. Checking and counting happen under one
lock per key, so parallel requests cannot all pass the check before any of them is counted:
PostgreSQL takes a transaction-scoped advisory lock per key; on SQLite the hit is written first,
which takes the database's single write lock until the caller commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import LimiterHit
from app.models.base import utcnow


@dataclass(frozen=True)
class Rule:
    """At most `limit` hits within `window`."""

    limit: int
    window: timedelta


@dataclass(frozen=True)
class Verdict:
    """The answer for one or more keys: allowed (and counted) or refused until a time (naive UTC)."""

    allowed: bool
    until: datetime | None = None
    remaining: int = 0  # hits left under the tightest rule after this one
    refused_key: str | None = None
    hits: dict[str, int] = field(default_factory=dict)  # key -> the hit counted for it


def _lock_id(key: str) -> int:
    """A signed 64-bit number for pg_advisory_xact_lock, stable across processes."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


def _times(
    session: Session, key: str, rule: Rule, now: datetime, exclude: set[int]
) -> list[datetime]:
    """The newest `limit` hits of a key within the window, newest first."""
    stmt = (
        sa.select(LimiterHit.at)
        .where(LimiterHit.key == key, LimiterHit.at > now - rule.window)
        .order_by(LimiterHit.at.desc())
        .limit(rule.limit)
    )
    if exclude:
        stmt = stmt.where(LimiterHit.id.not_in(exclude))
    return list(session.scalars(stmt))


def hit(session: Session, rules: dict[str, Rule], now: datetime | None = None) -> Verdict:
    """Count one hit on every key, unless one of them is full: then count none and say until when.

    Atomic with any concurrent `hit` on the same keys; the caller commits soon after (the lock is
    held until then).
    """
    now = now or utcnow()
    keys = sorted(rules)  # one order everywhere: no deadlock between two callers
    if session.get_bind().dialect.name == "postgresql":
        for key in keys:
            session.execute(sa.select(sa.func.pg_advisory_xact_lock(_lock_id(key))))
    rows = [LimiterHit(key=key, at=now) for key in keys]
    session.add_all(rows)
    session.flush()  # on SQLite the first write holds the database lock until commit
    own = {row.id for row in rows}
    remaining = None
    for key in keys:
        rule = rules[key]
        times = _times(session, key, rule, now, own)
        if len(times) >= rule.limit:
            for row in rows:
                session.delete(row)
            session.flush()
            # Free again when the oldest of the counted hits leaves the window.
            return Verdict(False, until=times[-1] + rule.window, refused_key=key)
        left = rule.limit - len(times) - 1
        remaining = left if remaining is None else min(remaining, left)
    return Verdict(True, remaining=remaining or 0, hits={row.key: row.id for row in rows})


def peek(session: Session, key: str, rule: Rule, now: datetime | None = None) -> Verdict:
    """Whether a key is full, without counting anything."""
    now = now or utcnow()
    times = _times(session, key, rule, now, set())
    if len(times) >= rule.limit:
        return Verdict(False, until=times[-1] + rule.window, refused_key=key)
    return Verdict(True, remaining=rule.limit - len(times))


def undo(session: Session, hit_ids: Iterable[int]) -> None:
    """Take back hits counted provisionally (the attempt turned out not to count)."""
    hit_ids = list(hit_ids)
    if hit_ids:
        session.execute(sa.delete(LimiterHit).where(LimiterHit.id.in_(hit_ids)))


def clear(session: Session, keys: list[str] | None = None, prefix: str | None = None) -> int:
    """Forget the hits of some keys, or of every key starting with a prefix; the number removed."""
    conditions = []
    if keys:
        conditions.append(LimiterHit.key.in_(keys))
    if prefix:
        conditions.append(LimiterHit.key.startswith(prefix, autoescape=True))
    if not conditions:
        return 0
    return session.execute(sa.delete(LimiterHit).where(sa.or_(*conditions))).rowcount or 0


def prune(session: Session, older_than: timedelta, now: datetime | None = None) -> None:
    """Remove hits older than any window in use."""
    now = now or utcnow()
    session.execute(sa.delete(LimiterHit).where(LimiterHit.at < now - older_than))
