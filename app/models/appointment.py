"""Appointments, their types and statuses (what the automatic reminders look at)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models.base import utcnow

# Status kinds: reminders skip cancelled ("Storniert") and no-show ("Geplatzt") appointments.
OPEN, DONE, CANCELLED, NO_SHOW = "open", "done", "cancelled", "no_show"
STATUS_KINDS = (OPEN, DONE, CANCELLED, NO_SHOW)


class AppointmentType(db.Model):
    """A kind of appointment ("Termintyp"), e.g. Hörtest or Brillenabholung."""

    __tablename__ = "appointment_types"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    # "Erlaubt für automatische Benachrichtigungen des Kunden"
    allows_auto_notification: so.Mapped[bool] = so.mapped_column(default=False)
    duration_minutes: so.Mapped[int] = so.mapped_column(default=30)
    active: so.Mapped[bool] = so.mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<AppointmentType {self.name}>"


class AppointmentStatus(db.Model):
    """A status an appointment can have; `kind` tells what it means for reminders."""

    __tablename__ = "appointment_statuses"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(20), default=OPEN)

    def __repr__(self) -> str:
        return f"<AppointmentStatus {self.name} ({self.kind})>"


class Appointment(db.Model):
    """An appointment of a customer in a branch ("Termin")."""

    __tablename__ = "appointments"
    __table_args__ = (
        sa.Index("ix_appointments_starts_at_branch", "starts_at", "branch_id"),
        sa.Index("ix_appointments_customer_starts", "customer_id", "starts_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    customer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("customers.id"))
    type_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("appointment_types.id"), index=True)
    status_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("appointment_statuses.id"), index=True
    )
    branch_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("branches.id"))
    starts_at: so.Mapped[datetime]  # naive UTC like every timestamp
    duration_minutes: so.Mapped[int] = so.mapped_column(default=30)
    is_group: so.Mapped[bool] = so.mapped_column(default=False)
    note: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # The reminder: the outbox message that went (or goes) out, or why none was sent.
    reminder_message_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("sms_messages.id", ondelete="SET NULL")
    )
    reminder_skip_reason: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    reminder_checked_at: so.Mapped[datetime | None]

    customer: so.Mapped[Customer] = so.relationship()  # noqa: F821
    type: so.Mapped[AppointmentType] = so.relationship()
    status: so.Mapped[AppointmentStatus] = so.relationship()
    branch: so.Mapped[Branch] = so.relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<Appointment {self.id} {self.starts_at}>"
