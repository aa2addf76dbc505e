"""Retrying background jobs: how often, how soon, which rows are due, and claiming them.

One policy serves the SMS outbox, the e-mail outbox, chat replies and SiNNO registrations. A
worker claims due rows in one statement (FOR UPDATE SKIP LOCKED on PostgreSQL, so two workers
never take the same row) and commits the claim before any gateway is called.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models.base import QUEUED, SENDING


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts, the back-off schedule, and when a claimed row counts as abandoned."""

    max_attempts: int = 6
    first_wait: timedelta = timedelta(minutes=1)
    max_wait: timedelta | None = timedelta(hours=1)  # None: no cap
    # A row left "sending" this long belongs to a worker that died.
    stale_after: timedelta = timedelta(minutes=5)

    def backoff(self, attempts: int, retry_after: int | None = None) -> timedelta:
        """Wait before the next attempt: the first wait doubled per attempt, capped; at least
        what the server asked for (Retry-After, seconds)."""
        wait = self.first_wait * (2 ** max(0, attempts - 1))
        if self.max_wait is not None:
            wait = min(wait, self.max_wait)
        if retry_after:
            wait = max(wait, timedelta(seconds=retry_after))
        return wait

    def next_attempt(
        self, now: datetime, attempts: int, retry_after: int | None = None, *, passing: bool = True
    ) -> datetime | None:
        """When to try a failed job again; None when the fault is final or no attempts are left."""
        if not passing or attempts >= self.max_attempts:
            return None
        return now + self.backoff(attempts, retry_after)

    def due(self, model: Any, now: datetime, *, stale: bool = True) -> sa.ColumnElement[bool]:
        """Rows whose turn has come: queued and due, and (with `stale`) ones left "sending"."""
        queued = sa.and_(model.status == QUEUED, due_at(model.next_attempt_at, now))
        if not stale:
            return queued
        return sa.or_(
            queued, sa.and_(model.status == SENDING, model.claimed_at < now - self.stale_after)
        )


def due_at(column: Any, now: datetime) -> sa.ColumnElement[bool]:
    """A next-attempt time that is not set or has come."""
    return sa.or_(column.is_(None), column <= now)


def sending(model: Any, now: datetime) -> dict[str, Any]:
    """The values of a claimed outbox row: "sending" since now, one attempt more."""
    return {"status": SENDING, "claimed_at": now, "attempts": model.attempts + 1}


def claim(
    session: Session,
    model: Any,
    where: Iterable[sa.ColumnElement[bool]],
    values: Mapping[str, Any],
    *,
    limit: int,
    order_by: Iterable[Any] = (),
    returning: Iterable[Any] = (),
) -> list:
    """Lock up to `limit` matching rows (other workers skip them), set `values`, and commit.

    Returns the claimed ids in order, or the `returning` rows when columns are named. Commits
    also when nothing is due (ending the transaction the select opened).
    """
    where = tuple(where)
    ids = session.scalars(
        sa.select(model.id)
        .where(*where)
        .order_by(*(tuple(order_by) or (model.id,)))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not ids:
        session.commit()
        return []
    # The conditions again: SQLite has no row locks, and its select reads outside the write
    # transaction, so a second worker may have selected (and now waits to claim) the same rows;
    # its update, run under the write lock after the first claim's commit, then takes none.
    update = (
        sa.update(model)
        .where(model.id.in_(ids), *where)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    returning = tuple(returning)
    if returning:
        rows = session.execute(update.returning(*returning)).all()
    else:
        taken = set(session.scalars(update.returning(model.id)))
        rows = [id_ for id_ in ids if id_ in taken]
    session.commit()  # the claim is on disk before any gateway call
    return rows
