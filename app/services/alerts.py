"""Alerts: a failing interface, a credit under its threshold, SMS failing repeatedly.

Each condition opens one incident (`status_incidents`) when it starts and resolves it when it
ends; `notify_admins` is called exactly once for each of the two moments. The status board shows
open and recently recovered incidents as a banner. Notifications (e-mail/SMS by the admins'
preferences) connect in `notify_admins`, the one place an alert leaves this module.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.i18n import T_, Text, points_param
from app.models import Interface, SmsMessage, StatusIncident
from app.models.base import dialect_insert, utcnow
from app.models.outbox import FAILED, SENT
from app.models.status import OPEN

log = logging.getLogger(__name__)

CHECK, BALANCE, SMS = "check", "balance", "sms"
KINDS = (CHECK, BALANCE, SMS)
# "SMS failing repeatedly": the last this many finished SMS of an interface all failed.
SMS_FAILURES = 3
BANNER_RECOVERED_FOR = timedelta(hours=24)


@dataclass(frozen=True)
class AlertEvent:
    """An incident opened (`recovered` False) or ended (`recovered` True)."""

    incident_id: int
    interface_id: int
    interface_name: str
    kind: str
    message: Text | str
    recovered: bool
    at: datetime


def notify_admins(session: Session, event: AlertEvent, portal_url: str = "") -> None:
    """Tell the admins about an incident opening or recovering; called once per moment.

    Each admin gets it through their notification preferences (Mein Bereich > Benachrichtigungen:
    "SMS-Guthaben niedrig" for a low credit, "Störung einer Schnittstelle" for the rest); the
    board's banner reads the incidents; the log gets a line for operators.
    """
    from app.services import notifications  # notifications reach the interfaces service too

    log.warning(
        "Alert %s: interface %s (%s) %s: %s",
        event.kind,
        event.interface_id,
        event.interface_name,
        "recovered" if event.recovered else "failing",
        event.message,
    )
    if event.kind == BALANCE and not event.recovered:
        interface = session.get(Interface, event.interface_id)
        points = interface.balance_points if interface is not None else None
        kind = notifications.SMS_LOW_BALANCE
        params = {"points": points_param(points) if points is not None else "?"}
    else:
        message = event.message
        kind = notifications.INTERFACE_ALERT
        params = {
            "message": message.to_data() if isinstance(message, Text) else str(message or ""),
            "recovered": event.recovered,
        }
    notifications.notify(
        session,
        kind,
        interface_id=event.interface_id,
        params={"interface": event.interface_name, **params},
        portal_url=portal_url,
    )


def low_balance_threshold(interface: Interface) -> float | None:
    """The admins' threshold for the credit (SMS interfaces), or None."""
    value = (interface.settings or {}).get("low_balance")
    try:
        return None if value in (None, "") else float(value)
    except (TypeError, ValueError):
        return None


def _sms_failing(session: Session, interface: Interface) -> str | None:
    if interface.group != "SMS":
        return None
    rows = session.execute(
        sa.select(SmsMessage.status, SmsMessage.error)
        .where(SmsMessage.interface_id == interface.id, SmsMessage.status.in_((SENT, FAILED)))
        .order_by(SmsMessage.created_at.desc(), SmsMessage.id.desc())
        .limit(SMS_FAILURES)
    ).all()
    if len(rows) == SMS_FAILURES and all(status == FAILED for status, _ in rows):
        return T_(
            "Die letzten %(count)d SMS sind fehlgeschlagen: %(error)s",
            count=SMS_FAILURES,
            error=rows[0].error or "",
        )
    return None


def conditions(session: Session, interface: Interface) -> dict[str, Text | str | None]:
    """Each alert kind -> its message while the condition holds, else None."""
    threshold = low_balance_threshold(interface)
    points = interface.balance_points
    low = threshold is not None and points is not None and float(points) < threshold
    return {
        CHECK: interface.last_error or None,
        BALANCE: (
            T_(
                "Guthaben %(points)s Punkte unter der Warnschwelle %(threshold)s",
                points=points_param(points),
                threshold=points_param(threshold),
            )
            if low
            else None
        ),
        SMS: _sms_failing(session, interface),
    }


def evaluate(
    session: Session, interface: Interface, now: datetime | None = None, portal_url: str = ""
) -> list[AlertEvent]:
    """Open or resolve this interface's incidents as its conditions say (no commit).

    `portal_url`: the portal's address for the link in the admins' e-mails ("" leaves it out).
    """
    now = now or utcnow()
    session.flush()
    open_ = {
        i.kind: i
        for i in session.scalars(
            sa.select(StatusIncident).where(
                StatusIncident.interface_id == interface.id, StatusIncident.resolved_at.is_(None)
            )
        )
    }
    events = []
    for kind, message in conditions(session, interface).items():
        incident = open_.get(kind)
        if message and incident is None:
            incident_id = _open(session, interface, kind, message, now)
            if incident_id is not None:
                events.append(
                    AlertEvent(incident_id, interface.id, interface.name, kind, message, False, now)
                )
        elif message and incident is not None and _stored(message) != _stored(incident.message):
            # Still failing, now for another reason: the banner says what fails now (the
            # incident keeps when it began; nobody is alerted again).
            _reword(session, incident.id, message)
        elif not message and incident is not None and _resolve(session, incident.id, now):
            events.append(
                AlertEvent(
                    incident.id, interface.id, interface.name, kind, incident.message, True, now
                )
            )
    for event in events:
        notify_admins(session, event, portal_url)
    return events


def _open(
    session: Session, interface: Interface, kind: str, message: Text | str, now: datetime
) -> int | None:
    """Open an incident; None when one is open already (another worker opened it a moment
    ago: the unique partial index `uq_status_incidents_open` lets only one through)."""
    stmt = (
        dialect_insert(session, StatusIncident.__table__)
        .values(
            interface_id=interface.id,
            interface_name=interface.name,
            kind=kind,
            message=message,
            opened_at=now,
        )
        .on_conflict_do_nothing(index_elements=["interface_id", "kind"], index_where=sa.text(OPEN))
        .returning(StatusIncident.__table__.c.id)
    )
    return session.execute(stmt).scalar()


def _stored(message: Text | str | None) -> str | None:
    """A message as its column stores it, to compare a condition's with an incident's."""
    return message.dumps() if isinstance(message, Text) else message


def _reword(session: Session, incident_id: int, message: Text | str) -> None:
    """An open incident's message follows its condition's (a resolved one keeps its last)."""
    session.execute(
        sa.update(StatusIncident)
        .where(StatusIncident.id == incident_id, StatusIncident.resolved_at.is_(None))
        .values(message=message)
        .execution_options(synchronize_session=False)
    )


def _resolve(session: Session, incident_id: int, now: datetime) -> bool:
    """Resolve an open incident; False when another worker resolved it a moment ago."""
    result = session.execute(
        sa.update(StatusIncident)
        .where(StatusIncident.id == incident_id, StatusIncident.resolved_at.is_(None))
        .values(resolved_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def sweep(
    session: Session, since: datetime, now: datetime | None = None, portal_url: str = ""
) -> list[AlertEvent]:
    """Evaluate what may have changed since `since`: open incidents, recent errors and successes,
    recent SMS failures (the worker's pass; commits)."""
    now = now or utcnow()
    recent_sms = sa.select(SmsMessage.interface_id).where(
        SmsMessage.status == FAILED, SmsMessage.claimed_at >= since
    )
    open_ids = sa.select(StatusIncident.interface_id).where(StatusIncident.resolved_at.is_(None))
    interfaces = session.scalars(
        sa.select(Interface).where(
            sa.or_(
                Interface.id.in_(open_ids),
                Interface.last_error_at >= since,
                Interface.last_success_at >= since,
                Interface.id.in_(recent_sms),
            )
        )
    ).all()
    events = []
    for interface in interfaces:
        events += evaluate(session, interface, now, portal_url)
    # An incident of a deleted interface ends with it.
    for incident in session.scalars(
        sa.select(StatusIncident).where(
            StatusIncident.resolved_at.is_(None),
            StatusIncident.interface_id.not_in(sa.select(Interface.id)),
        )
    ):
        incident.resolved_at = now
    session.commit()
    return events


_BANNER = (
    sa.select(StatusIncident)
    .where(
        sa.or_(
            StatusIncident.resolved_at.is_(None),
            StatusIncident.resolved_at >= sa.bindparam("recovered_since", type_=sa.DateTime),
        )
    )
    .order_by(StatusIncident.resolved_at.is_not(None), StatusIncident.opened_at.desc())
    .limit(sa.bindparam("limit"))
)


def banner(session: Session, now: datetime | None = None, limit: int = 10) -> list[StatusIncident]:
    """Open incidents and those recovered within a day, newest first (one statement)."""
    now = now or utcnow()
    return list(
        session.scalars(_BANNER, {"recovered_since": now - BANNER_RECOVERED_FOR, "limit": limit})
    )
