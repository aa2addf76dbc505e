"""What an employee's start page shows: unread chats, own unread notifications, today's appointments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from app.models import Appointment, ChatThread, Notification, SmsMessage
from app.services import notifications


@dataclass(frozen=True)
class EmployeeHome:
    """The three lists of the employee's start page."""

    threads: list[ChatThread]
    unread_threads: int
    notifications: list[Notification]
    appointments: list[tuple]  # (Appointment, sms status, sms sent at, sms created at)


def today_bounds(tz_name: str, now: datetime | None = None) -> tuple[datetime, datetime]:
    """Today in the portal's time zone, as naive UTC bounds [start, end)."""
    zone = ZoneInfo(tz_name)
    local = (now.replace(tzinfo=UTC) if now else datetime.now(UTC)).astimezone(zone)
    start = datetime.combine(local.date(), time.min, zone)
    end = start + timedelta(days=1)
    return (
        start.astimezone(UTC).replace(tzinfo=None),
        end.astimezone(UTC).replace(tzinfo=None),
    )


def employee_home(
    session: Session,
    user_id: int,
    branch_id: int | None,
    tz_name: str,
    now: datetime | None = None,
    limit: int = 10,
) -> EmployeeHome:
    """Unread chats newest first, the user's unread notifications, the branch's appointments today."""
    threads = list(
        session.scalars(
            sa.select(ChatThread)
            .where(ChatThread.unread_count > 0)
            .order_by(ChatThread.last_message_at.desc(), ChatThread.id.desc())
            .limit(limit)
        )
    )
    unread_threads = (
        session.scalar(
            sa.select(sa.func.count()).select_from(ChatThread).where(ChatThread.unread_count > 0)
        )
        or 0
    )
    rows = notifications.listing(session, user_id, limit=limit, unread_only=True)
    appointments: list[tuple] = []
    if branch_id is not None:
        start, end = today_bounds(tz_name, now)
        appointments = list(
            session.execute(
                sa.select(Appointment, SmsMessage.status, SmsMessage.sent_at, SmsMessage.created_at)
                .outerjoin(SmsMessage, SmsMessage.id == Appointment.reminder_message_id)
                .where(
                    Appointment.branch_id == branch_id,
                    Appointment.starts_at >= start,
                    Appointment.starts_at < end,
                )
                .options(
                    joinedload(Appointment.customer),
                    joinedload(Appointment.type),
                    joinedload(Appointment.status),
                )
                .order_by(Appointment.starts_at, Appointment.id)
            ).all()
        )
    return EmployeeHome(threads, unread_threads, rows, appointments)
