"""Notification preferences, in-portal notifications and the e-mail outbox (issue 15)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models.base import FAILED, QUEUED, SENDING, SENT, RetriedMixin, partial_index, utcnow

# Outbox states, as for SMS: queued -> sending -> sent / failed / cancelled.
MAIL_QUEUED, MAIL_SENDING, MAIL_SENT, MAIL_FAILED = QUEUED, SENDING, SENT, FAILED


class NotificationPreference(db.Model):
    """One user's channel for one event; no row means the event's default."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "event", name="uq_notification_pref_user_event"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    event: so.Mapped[str] = so.mapped_column(sa.String(40))
    channel: so.Mapped[str] = so.mapped_column(sa.String(10))  # none, message, email, sms
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<NotificationPreference {self.user_id} {self.event}={self.channel}>"


class Notification(db.Model):
    """One in-portal notification; stored language-neutral (event + params), read in the reader's.

    Coalesced: while unread, a second occurrence with the same `coalesce_key` (e.g. one chat
    thread) bumps `count` instead of adding a row; a partial unique index holds this even with
    several workers.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        sa.Index("ix_notifications_user_unread", "user_id", "read_at", "updated_at"),
        # The centre's and the start page's order (services.notifications._own): a page of a
        # user with 20,000 notifications is read from the index, not sorted.
        sa.Index(
            "ix_notifications_user_centre",
            "user_id",
            "channel",
            sa.text("(read_at IS NOT NULL)"),
            sa.text("updated_at DESC"),
            sa.text("id DESC"),
        ),
        partial_index(
            "uq_notifications_unread_key",
            "user_id",
            "coalesce_key",
            unique=True,
            where="read_at IS NULL AND coalesce_key IS NOT NULL",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    event: so.Mapped[str] = so.mapped_column(sa.String(40))
    # The channel chosen when it was raised: only "message" ones show in the bell; e-mail and
    # SMS ones are kept so that coalescing knows the user was already told.
    channel: so.Mapped[str] = so.mapped_column(sa.String(10), default="message")
    coalesce_key: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    params: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    count: so.Mapped[int] = so.mapped_column(default=1)
    interface_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("interfaces.id", ondelete="SET NULL")
    )
    thread_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("chat_threads.id", ondelete="CASCADE"), index=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    read_at: so.Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.event} user={self.user_id}>"


class EmailMessage(RetriedMixin, db.Model):
    """One outgoing e-mail, a row before the mail server is called (outbox, as for SMS)."""

    __tablename__ = "email_messages"
    __table_args__ = (sa.Index("ix_email_messages_status_next", "status", "next_attempt_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))  # test, notification
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default=MAIL_QUEUED)
    interface_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("interfaces.id", ondelete="SET NULL"), index=True
    )
    to_address: so.Mapped[str] = so.mapped_column(sa.String(254))
    language: so.Mapped[str] = so.mapped_column(sa.String(5), default="de")
    subject: so.Mapped[str] = so.mapped_column(sa.String(200))
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    html: so.Mapped[str | None] = so.mapped_column(sa.Text)
    user_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    sent_at: so.Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<EmailMessage {self.id} {self.kind} {self.status}>"
