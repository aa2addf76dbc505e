"""The SMS outbox: claim due rows, send them once, retry transient failures with back-off.

States: queued -> sending -> sent / failed / cancelled. A row is committed as "sending" before
the gateway is called; its random `idx` goes to the gateway with `check_idx=1`, so sending a row
again after a crash (a stale "sending" row is claimed again) is answered with error 53 and the row
is marked sent: the customer gets the message exactly once. A 53 on a row's first attempt cannot
mean that (nothing of it went out before): the row fails with a message asking to check the
gateway account, instead of being marked sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.i18n import N_, T_, TN_, Text
from app.models import Interface, SmsMessage
from app.models.base import utcnow
from app.models.outbox import CANCELLED, FAILED, QUEUED, SENDING, SENT
from app.services.interface_history import record_check
from app.services.retry import RetryPolicy, claim, sending
from app.services.secrets import SecretError
from app.services.sms_clients import ClientPool
from app.services.smsapi import GatewayError

log = logging.getLogger(__name__)

ALREADY_SENT = 53  # gateway error: this idx was used before, i.e. the message went out already
PERMANENT_KINDS = {"auth", "recipient", "message", "sender"}
# 1, 2, 4, 8, 16 minutes ... at most an hour; a row left "sending" 5 minutes is claimed again.
RETRY = RetryPolicy()
# Texts stored by earlier versions, still shown in the reader's language (kept in the catalogue).
STORED_BEFORE = (
    N_("SMS an +%(number)s gesendet: %(parts)d Teil(e), %(points)s Punkte, Nachrichten-ID %(id)s."),
)
MAX_ATTEMPTS, STALE_AFTER, backoff = RETRY.max_attempts, RETRY.stale_after, RETRY.backoff


@dataclass(frozen=True)
class Claimed:
    """The fields of a claimed row the gateway call needs (plain data, no ORM object)."""

    id: int
    kind: str
    interface_id: int | None
    to_number: str
    text: str
    attempts: int
    idx: str


CLAIMED_FIELDS = tuple(f.name for f in fields(Claimed))
# Always written (None clears an old error or retry time); the gateway's data only when it sent.
OUTCOME_FIELDS = ("status", "error", "next_attempt_at")


def attempt(
    message: Claimed,
    interface: Interface | None,
    pool: ClientPool,
    now: datetime,
    retry: bool = True,
) -> tuple[dict, bool, Text]:
    """Call the gateway for one claimed message; return the row's new values, success, and a text.

    Gateway faults never raise: they become a retry (queued with back-off) or a failure.
    """
    values = dict.fromkeys(OUTCOME_FIELDS)
    if interface is None:
        text = T_("Die SMS-Schnittstelle wurde gelöscht.")
        values.update(status=FAILED, error=text)
        return values, False, text
    try:
        # The client derives max_parts from the interface's "Max. Zeichen" (SmsApiSettings.of).
        result = pool.get(interface).send_sms(
            message.to_number, message.text, idx=message.idx, check_idx=True
        )
    except GatewayError as exc:
        if exc.code == ALREADY_SENT and message.attempts <= 1:
            # Nothing of this row can have gone out: another sender uses the same idx.
            text = T_(
                "Das Gateway meldet die SMS %(id)d beim ersten Versuch als bereits versendet "
                "(Fehler 53), obwohl sie noch nie übergeben wurde. Sie wurde nicht gesendet. "
                "Bitte prüfen Sie, ob eine andere Installation dasselbe SMSAPI-Konto "
                "verwendet.",
                id=message.id,
            )
            values.update(status=FAILED, error=text)
            return values, False, text
        if exc.code == ALREADY_SENT:
            values.update(status=SENT)
            values.setdefault("sent_at", now)
            return (
                values,
                True,
                T_("SMS %(id)d war bereits versendet (Gateway-Fehler 53).", id=message.id),
            )
        text = exc.text
        later = RETRY.next_attempt(
            now, message.attempts, passing=retry and exc.kind not in PERMANENT_KINDS
        )
        values.update(status=FAILED if later is None else QUEUED, error=text, next_attempt_at=later)
        return values, False, text
    except SecretError:
        text = T_("Die Zugangsdaten der Schnittstelle können nicht entschlüsselt werden.")
        values.update(status=FAILED, error=text)
        return values, False, text
    values.update(
        status=SENT,
        sent_at=now,
        gateway_message_id=result.message_id,
        points=result.points,
        parts=result.parts,
    )
    return (
        values,
        True,
        TN_(
            "SMS an +%(number)s gesendet: %(parts)d Teil, %(points)s Punkte, Nachrichten-ID %(id)s.",
            "SMS an +%(number)s gesendet: %(parts)d Teile, %(points)s Punkte, Nachrichten-ID %(id)s.",
            "parts",
            number=result.number,
            parts=result.parts,
            points=float(result.points),
            id=result.message_id,
        ),
    )


def _record(
    session: Session,
    message: Claimed,
    interface: Interface | None,
    ok: bool,
    text: Text,
    actor=None,
) -> None:
    """The history shows test SMS and every failure; routine successes only in the outbox."""
    if interface is None:
        return
    if message.kind == "test" or not ok:
        record_check(
            session, interface, "test_sms" if message.kind == "test" else "sms", actor, ok, text
        )
    else:
        interface.last_success_at = utcnow()  # the status board's "zuletzt erfolgreich"
        if interface.last_error:
            interface.last_error = None  # the gateway works again


def deliver(
    session: Session,
    message: SmsMessage,
    interface: Interface | None,
    pool: ClientPool,
    actor=None,
    retry: bool = True,
    now: datetime | None = None,
    portal_url: str = "",
) -> None:
    """Send one row already committed as "sending" and store the outcome (commits).

    `portal_url` is the portal's address for the link in a failure's e-mail ("" leaves it out).
    """
    claimed = Claimed(*(getattr(message, name) for name in CLAIMED_FIELDS))
    values, ok, text = attempt(claimed, interface, pool, now or utcnow(), retry)
    for name, value in values.items():
        setattr(message, name, value)
    _record(session, claimed, interface, ok, text, actor)
    _notify_if_final(session, claimed, interface, values, text, portal_url)
    session.commit()


def _notify_if_final(
    session: Session,
    message: Claimed,
    interface: Interface | None,
    values: dict,
    text: str,
    portal_url: str,
) -> None:
    """ "SMS-Versand fehlgeschlagen" for the admins when a message finally fails.

    Not for test SMS (the admin sees the error in the dialog) nor for notification SMS (a failing
    gateway would otherwise notify about itself in a loop).
    """
    if values.get("status") != FAILED or message.kind in ("test", "notification"):
        return
    from app.services import notifications

    notifications.sms_failed(
        session, message.id, message.to_number, interface, text, portal_url=portal_url
    )


def claim_due(session: Session, limit: int, now: datetime | None = None) -> list[Claimed]:
    """Take up to `limit` due rows for this worker (FOR UPDATE SKIP LOCKED on PostgreSQL).

    Queued rows whose time has come, and rows left "sending" by a worker that died.
    """
    now = now or utcnow()
    rows = claim(
        session,
        SmsMessage,
        [RETRY.due(SmsMessage, now)],
        sending(SmsMessage, now),
        limit=limit,
        returning=[getattr(SmsMessage, name) for name in CLAIMED_FIELDS],
    )
    return sorted((Claimed(*row) for row in rows), key=lambda c: c.id)


def process_due(
    session: Session,
    pool: ClientPool,
    batch: int = 50,
    now: Callable[[], datetime] = utcnow,
    should_stop: Callable[[], bool] = lambda: False,
    portal_url: str = "",
) -> int:
    """Send every due row, batch by batch, until none is left or a stop is asked for.

    Each batch is claimed in one statement and its outcomes written in one executemany: the
    database costs little next to the gateway calls.
    """
    sent = 0
    while not should_stop():
        claimed = claim_due(session, batch, now())
        if not claimed:
            break
        wanted = {c.interface_id for c in claimed if c.interface_id}
        interfaces = (
            {i.id: i for i in session.scalars(sa.select(Interface).where(Interface.id.in_(wanted)))}
            if wanted
            else {}
        )
        outcomes: list[dict] = []
        for i, message in enumerate(claimed):
            if should_stop():
                # Give back what this worker claimed but did not start (SIGTERM).
                outcomes.extend(
                    {"id": rest.id, "status": QUEUED, "attempts": rest.attempts - 1}
                    for rest in claimed[i:]
                )
                break
            interface = interfaces.get(message.interface_id)
            values, ok, text = attempt(message, interface, pool, now())
            _record(session, message, interface, ok, text)
            _notify_if_final(session, message, interface, values, text, portal_url)
            outcomes.append({"id": message.id, "attempts": message.attempts, **values})
            sent += ok
        _write_outcomes(session, outcomes)
        session.commit()
    return sent


def _write_outcomes(session: Session, outcomes: list[dict]) -> None:
    """One executemany per set of columns (ORM bulk UPDATE by primary key)."""
    groups: dict[tuple, list[dict]] = {}
    for row in outcomes:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    for rows in groups.values():
        session.execute(sa.update(SmsMessage), rows)


# The states a message leaves again (sent and cancelled ones stay for good): few rows each, so
# the outbox page counts them through the status index on every view.
OPEN_STATES = (FAILED, QUEUED, SENDING)


def open_counts(session: Session) -> dict[str, int]:
    """How many messages are failed, waiting or being sent (only states that have any)."""
    return dict(
        session.execute(
            sa.select(SmsMessage.status, sa.func.count())
            .where(SmsMessage.status.in_(OPEN_STATES))
            .group_by(SmsMessage.status)
        ).all()
    )


def resend(session: Session, message: SmsMessage) -> bool:
    """Queue a failed (or cancelled) message again, with fresh attempts."""
    return _move(
        session,
        message,
        (FAILED, CANCELLED),
        status=QUEUED,
        attempts=0,
        next_attempt_at=None,
        error=None,
    )


def cancel(session: Session, message: SmsMessage) -> bool:
    """Cancel a message that has not gone out (queued or failed)."""
    return _move(session, message, (QUEUED, FAILED), status=CANCELLED, next_attempt_at=None)


def _move(session: Session, message: SmsMessage, states: tuple[str, ...], **values) -> bool:
    """Change a message that is still in one of `states` (one conditional UPDATE); whether it was.

    The page showed the state a moment ago: a worker may have claimed the row since (it is being
    sent). Written by primary key alone, the change would then be lost to the worker's outcome,
    or let a second worker send the row while the first one does.
    """
    moved = session.execute(
        sa.update(SmsMessage)
        .where(SmsMessage.id == message.id, SmsMessage.status.in_(states))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.expire(message, list(values))
    return moved == 1
