"""The one retry policy: back-off schedule, when a job is final, which rows are due, claiming."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.extensions import db
from app.models import SmsMessage
from app.services.retry import RetryPolicy, claim, sending

NOW = datetime(2030, 5, 6, 12, 0)


def test_backoff_doubles_up_to_the_cap_and_respects_retry_after():
    policy = RetryPolicy(first_wait=timedelta(minutes=2), max_wait=timedelta(minutes=30))
    waits = [policy.backoff(n) for n in range(1, 7)]
    assert waits == [timedelta(minutes=m) for m in (2, 4, 8, 16, 30, 30)]
    assert policy.backoff(1, retry_after=600) == timedelta(minutes=10)
    assert RetryPolicy(max_wait=None).backoff(8) == timedelta(minutes=128)


def test_next_attempt_is_none_when_final():
    policy = RetryPolicy(max_attempts=3)
    assert policy.next_attempt(NOW, 1) == NOW + timedelta(minutes=1)
    assert policy.next_attempt(NOW, 3) is None
    assert policy.next_attempt(NOW, 1, passing=False) is None


def _sms(**kw) -> SmsMessage:
    return SmsMessage(kind="customer", to_number="4915112345678", text="Hallo", **kw)


def test_claim_takes_due_and_stale_rows_once(app):
    policy = RetryPolicy()
    due = _sms(status="queued")
    later = _sms(status="queued", next_attempt_at=NOW + timedelta(minutes=1))
    stale = _sms(status="sending", claimed_at=NOW - timedelta(minutes=6), attempts=1)
    busy = _sms(status="sending", claimed_at=NOW - timedelta(minutes=1), attempts=1)
    db.session.add_all([due, later, stale, busy])
    db.session.commit()
    ids = claim(
        db.session, SmsMessage, [policy.due(SmsMessage, NOW)], sending(SmsMessage, NOW), limit=10
    )
    assert ids == [due.id, stale.id]
    db.session.expire_all()
    assert (due.status, due.attempts, due.claimed_at) == ("sending", 1, NOW)
    assert (stale.attempts, later.status, busy.claimed_at) == (
        2,
        "queued",
        NOW - timedelta(minutes=1),
    )
    # Claimed rows are "sending" now: a second worker finds nothing.
    again = claim(
        db.session, SmsMessage, [policy.due(SmsMessage, NOW)], sending(SmsMessage, NOW), limit=10
    )
    assert again == []


def test_two_workers_claiming_at_once_take_each_row_once(app):
    """The second worker's look for due rows comes before the first one's claim is committed:
    it takes none of them (on SQLite it claimed the same rows again, and a mail went out twice)."""
    from tests.races import Uncommitted, meanwhile

    rows = [_sms(status="queued"), _sms(status="sending", claimed_at=NOW - timedelta(minutes=6))]
    db.session.add_all(rows)
    db.session.commit()
    policy = RetryPolicy()

    def take(session):
        return claim(
            session, SmsMessage, [policy.due(SmsMessage, NOW)], sending(SmsMessage, NOW), limit=10
        )

    mine = take(Uncommitted(db.session))  # not committed
    theirs = []
    meanwhile(app, lambda: theirs.extend(take(db.session)))
    assert sorted(mine) == sorted(r.id for r in rows) and theirs == []
    assert [db.session.get(SmsMessage, r.id).attempts for r in rows] == [1, 1]
