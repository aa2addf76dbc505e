"""The SMS outbox: claim due rows, send them once, retry transient failures with back-off.

States: queued -> sending -> sent / failed / cancelled. A row is committed as "sending" before
the gateway is called; its id is the gateway's `idx` with `check_idx=1`, so sending a row again
after a crash (a stale "sending" row is claimed again) is answered with error 53 and the row is
marked sent: the customer gets the message exactly once.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.i18n import _, current_language
from app.models import Interface, SmsMessage
from app.models.base import utcnow
from app.models.outbox import CANCELLED, FAILED, QUEUED, SENDING, SENT
from app.services import sms_length
from app.services.interfaces import record_check
from app.services.secrets import SecretBox, SecretError
from app.services.smsapi import GatewayError, SmsApiClient

log = logging.getLogger(__name__)

ALREADY_SENT = 53  # gateway error: this idx was used before, i.e. the message went out already
PERMANENT_KINDS = {"auth", "recipient", "message", "sender"}
MAX_ATTEMPTS = 6
BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=1)
# A row left "sending" this long belongs to a worker that died; it is claimed again.
STALE_AFTER = timedelta(minutes=5)


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 1, 2, 4, 8, 16 minutes ... at most an hour."""
    return min(BACKOFF * (2 ** max(0, attempts - 1)), MAX_BACKOFF)


@dataclass
class ClientPool:
    """One gateway client per interface (and configuration), reused across messages."""

    box: SecretBox
    timeouts: tuple[float, float] | None = None
    _clients: dict = field(default_factory=dict)

    def get(self, interface: Interface) -> SmsApiClient:
        from app.services.sms import settings_for

        key = (interface.id, interface.updated_at)
        client = self._clients.get(key)
        if client is None:
            options = ({"connect_timeout": self.timeouts[0], "read_timeout": self.timeouts[1]}
                       if self.timeouts else {})
            client = self._clients[key] = SmsApiClient(settings_for(interface, self.box, **options))
        return client

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()


def deliver(session: Session, message: SmsMessage, interface: Interface | None, pool: ClientPool,
            actor=None, retry: bool = True, now: datetime | None = None, commit: bool = True) -> None:
    """Send one claimed row and store the outcome. Gateway faults never raise.

    The row was committed as "sending" before; the outcome may be committed later with others
    (`commit=False`): if the worker dies first, the row is claimed again and the gateway's
    idx check answers "already sent", so nothing goes out twice.
    """
    now = now or utcnow()
    if interface is None:
        _fail(message, _("Die SMS-Schnittstelle wurde gelöscht."))
        if commit:
            session.commit()
        return
    try:
        max_chars = int((interface.settings or {}).get("max_chars") or 1000)
        result = pool.get(interface).send_sms(
            message.to_number, message.text, idx=str(message.id), check_idx=True,
            max_parts=sms_length.max_parts_for(max_chars, sms_length.encoding_for(message.text)))
    except GatewayError as exc:
        if exc.code == ALREADY_SENT:
            message.status, message.error = SENT, None
            message.sent_at = message.sent_at or now
            ok, text = True, _("SMS %(id)d war bereits versendet (Gateway-Fehler 53).", id=message.id)
        else:
            text = exc.message_for(current_language())
            ok = False
            if retry and exc.kind not in PERMANENT_KINDS and message.attempts < MAX_ATTEMPTS:
                message.status, message.error = QUEUED, text[:500]
                message.next_attempt_at = now + backoff(message.attempts)
            else:
                _fail(message, text)
    except SecretError:
        ok, text = False, _("Die Zugangsdaten der Schnittstelle können nicht entschlüsselt werden.")
        _fail(message, text)
    else:
        message.status, message.sent_at, message.error = SENT, now, None
        message.gateway_message_id = result.message_id
        message.points = result.points
        message.parts = result.parts
        ok = True
        text = _("SMS an +%(number)s gesendet: %(parts)d Teil(e), %(points)s Punkte, Nachrichten-ID "
                 "%(id)s.", number=result.number, parts=result.parts, points=f"{result.points:.2f}",
                 id=result.message_id)
    # The history shows test SMS and every failure; routine successes only in the outbox.
    if message.kind == "test" or not ok:
        record_check(session, interface, "test_sms" if message.kind == "test" else "sms", actor, ok, text)
    elif interface.last_error:
        interface.last_error = None  # the gateway works again
    if commit:
        session.commit()


def _fail(message: SmsMessage, text: str) -> None:
    message.status, message.error, message.next_attempt_at = FAILED, text[:500], None


def claim_due(session: Session, limit: int, now: datetime | None = None) -> list[SmsMessage]:
    """Take up to `limit` due rows for this worker (FOR UPDATE SKIP LOCKED on PostgreSQL)."""
    now = now or utcnow()
    due = sa.or_(
        sa.and_(SmsMessage.status == QUEUED,
                sa.or_(SmsMessage.next_attempt_at.is_(None), SmsMessage.next_attempt_at <= now)),
        sa.and_(SmsMessage.status == SENDING, SmsMessage.claimed_at < now - STALE_AFTER),
    )
    rows = session.scalars(
        sa.select(SmsMessage).where(due).order_by(SmsMessage.id).limit(limit)
        .with_for_update(skip_locked=True)).all()
    for row in rows:
        row.status, row.claimed_at = SENDING, now
        row.attempts += 1
    session.commit()
    if rows:
        # The commit expired the rows; load them back in one query, not one query per row.
        ids = [row.id for row in rows]
        rows = session.scalars(sa.select(SmsMessage).where(SmsMessage.id.in_(ids))
                               .order_by(SmsMessage.id)).all()
    return rows


def process_due(session: Session, pool: ClientPool, batch: int = 50, now: Callable[[], datetime] = utcnow,
                should_stop: Callable[[], bool] = lambda: False) -> int:
    """Send every due row, batch by batch, until none is left or a stop is asked for."""
    sent = 0
    while not should_stop():
        rows = claim_due(session, batch, now())
        if not rows:
            break
        wanted = {row.interface_id for row in rows if row.interface_id}
        interfaces: dict[int, Interface | None] = {i.id: i for i in session.scalars(
            sa.select(Interface).where(Interface.id.in_(wanted)))} if wanted else {}
        for i, row in enumerate(rows):
            if should_stop():
                # Give back what this worker claimed but did not start (SIGTERM).
                for rest in rows[i:]:
                    rest.status, rest.attempts = QUEUED, rest.attempts - 1
                session.commit()
                return sent
            deliver(session, row, interfaces.get(row.interface_id), pool, now=now(), commit=False)
            sent += row.status == SENT
        session.commit()  # the batch's outcomes in one transaction
    return sent


def resend(session: Session, message: SmsMessage) -> bool:
    """Queue a failed (or cancelled) message again, with fresh attempts."""
    if message.status not in (FAILED, CANCELLED):
        return False
    message.status, message.attempts, message.next_attempt_at, message.error = QUEUED, 0, None, None
    return True


def cancel(session: Session, message: SmsMessage) -> bool:
    """Cancel a message that has not gone out (queued or failed)."""
    if message.status not in (QUEUED, FAILED):
        return False
    message.status, message.next_attempt_at = CANCELLED, None
    return True
