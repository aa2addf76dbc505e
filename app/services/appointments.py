"""Saving appointments and the types and statuses admins maintain."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Appointment, AppointmentStatus, AppointmentType
from app.services import reminders

# Fields whose change makes an earlier "no reminder because …" outdated.
REMINDER_RELEVANT = ("customer_id", "type_id", "status_id", "branch_id", "starts_at", "is_group")


def save_appointment(
    session: Session, appointment: Appointment, values: dict[str, Any]
) -> Appointment:
    """Create or change an appointment; a changed one gets a fresh reminder check (a waiting SMS is dropped)."""
    changed = any(getattr(appointment, name) != values[name] for name in REMINDER_RELEVANT)
    for name, value in values.items():
        setattr(appointment, name, value)
    if appointment.id is None:
        session.add(appointment)
    session.flush()
    if changed:
        reminders.appointment_changed(session, appointment)
    return appointment


def save_kind(
    session: Session, record: AppointmentType | AppointmentStatus, values: dict[str, Any]
) -> AppointmentType | AppointmentStatus:
    """Create or change an appointment type or status."""
    for name, value in values.items():
        setattr(record, name, value)
    if record.id is None:
        session.add(record)
    session.flush()
    return record


def usage(session: Session, record: AppointmentType | AppointmentStatus) -> int:
    """How many appointments have this type or status (they block its deletion)."""
    column = Appointment.type_id if isinstance(record, AppointmentType) else Appointment.status_id
    return (
        session.scalar(
            sa.select(sa.func.count()).select_from(Appointment).where(column == record.id)
        )
        or 0
    )


def usage_column(model: type[AppointmentType] | type[AppointmentStatus]):
    """A correlated count of the appointments per type or status, for the lists."""
    column = Appointment.type_id if model is AppointmentType else Appointment.status_id
    return (
        sa.select(sa.func.count())
        .select_from(Appointment)
        .where(column == model.id)
        .scalar_subquery()
    )


def delete_kind(session: Session, record: AppointmentType | AppointmentStatus) -> None:
    """Delete a type or status no appointment has (check `usage` first)."""
    session.delete(record)
    session.flush()
