"""The SMS outbox: every SMS is a row before the gateway is called (SPEC §6)."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models.base import FAILED, QUEUED, SENDING, SENT, RetriedMixin, utcnow  # noqa: F401

# The states every retried row has (models.base), and the SMS's own: cancelled before it went out.
CANCELLED = "cancelled"


def new_idx() -> str:
    """A gateway idx no other installation sharing the SMSAPI account can have (128 random bits)."""
    return secrets.token_hex(16)


class SmsMessage(RetriedMixin, db.Model):
    """One SMS: queued -> sending -> sent / failed / cancelled. `idx` is its id at the gateway."""

    __tablename__ = "sms_messages"
    __table_args__ = (
        sa.Index("ix_sms_messages_status_next", "status", "next_attempt_at"),
        sa.Index("ix_sms_messages_customer_created", "customer_id", "created_at"),
        sa.Index("ix_sms_messages_number_created", "to_number", "created_at"),  # repeat check
        # The status board's SMS sent/failed per interface and hour.
        sa.Index("ix_sms_messages_interface_created", "interface_id", "created_at"),
        # What still waits to go out through an interface (where it is used, before a delete):
        # one interface sends nearly every SMS of a chain, so its id alone selects the whole table.
        # The status board's chart (sent and failed per hour, services.status_board.sms_per_hour)
        # reads its week from this index alone: status and creation narrow it, the two times it
        # counts by are in it (its statement for a gateway of 200,000 SMS on SQLite: 68 -> 11 ms).
        sa.Index(
            "ix_sms_messages_interface_status",
            "interface_id",
            "status",
            "created_at",
            "sent_at",
            "claimed_at",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # Sent with check_idx=1: a retry of the same row is refused by the gateway (error 53).
    idx: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True, default=new_idx)
    kind: so.Mapped[str] = so.mapped_column(
        sa.String(20)
    )  # test, customer, reminder, notification, sinno_code
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default=QUEUED)
    interface_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("interfaces.id", ondelete="SET NULL")
    )
    to_number: so.Mapped[str] = so.mapped_column(sa.String(20))  # digits with country code, no "+"
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    parts: so.Mapped[int] = so.mapped_column(default=1)
    customer_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("customers.id", ondelete="SET NULL")
    )
    # Unique: one reminder row per appointment, even with several workers planning at once.
    appointment_id: so.Mapped[int | None] = so.mapped_column(sa.Integer, unique=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    sent_at: so.Mapped[datetime | None]
    gateway_message_id: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    points: so.Mapped[float | None] = so.mapped_column(sa.Numeric(10, 4))
    # The sender confirmed sending to a customer without SMS consent (SPEC: ask, and keep the answer).
    consent_confirmed: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())

    def __repr__(self) -> str:
        return f"<SmsMessage {self.id} {self.kind} {self.status}>"
