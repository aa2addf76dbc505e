"""SiNNO-Chat: one thread per app customer, its messages, replies with their delivery state."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models.base import FAILED, QUEUED, SENDING, SENT, RetriedMixin, partial_index, utcnow

INBOUND, OUTBOUND = "in", "out"
# Replies: stored first (queued), then delivered by the worker or at once.
REPLY_QUEUED, REPLY_SENDING, REPLY_SENT, REPLY_FAILED = QUEUED, SENDING, SENT, FAILED


class ChatThread(db.Model):
    """The conversation with one app customer (the service's customer id is unique)."""

    __tablename__ = "chat_threads"
    __table_args__ = (
        # The inbox: newest first, unread counts from the row itself (no per-row query).
        sa.Index("ix_chat_threads_last_message", "last_message_at", "id"),
        # The header's badge counts threads with unread messages on every page.
        sa.Index("ix_chat_threads_unread", "unread_count"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    service_customer_id: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    customer_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    customer_name: so.Mapped[str] = so.mapped_column(sa.String(160), default="")
    # Lower-cased customer name and number: what the inbox search matches.
    search_text: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    branch_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("branches.id"), index=True)
    last_message_at: so.Mapped[datetime | None]
    last_preview: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    unread_count: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<ChatThread {self.id} {self.customer_name!r} unread={self.unread_count}>"


class ChatMessage(RetriedMixin, db.Model):
    """One message: inbound from the customer (synced) or outbound (a reply of the shop)."""

    __tablename__ = "chat_messages"
    __table_args__ = (
        sa.Index("ix_chat_messages_thread", "thread_id", "id"),
        # The worker's due replies. Partial: synced customer messages have no status, and
        # an index entry per message made the sync's insert slower (both databases use it
        # for `status = ...`, which implies IS NOT NULL).
        partial_index(
            "ix_chat_messages_reply_status", "status", "next_attempt_at", where="status IS NOT NULL"
        ),
        # Only replies have a key; synced messages left out for the same reason.
        partial_index(
            "ix_chat_messages_idempotency_key",
            "idempotency_key",
            unique=True,
            where="idempotency_key IS NOT NULL",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    thread_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("chat_threads.id", ondelete="CASCADE")
    )
    # The service's id: unique, so a page synced twice (crash, repeat, two workers) stores once.
    service_message_id: so.Mapped[str | None] = so.mapped_column(sa.String(64), unique=True)
    direction: so.Mapped[str] = so.mapped_column(sa.String(3))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    sent_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # Inbound: when someone in the portal read (or answered) it.
    read_at: so.Mapped[datetime | None]
    # Inbound: when the service was told it is read (None while that is still to do: retried).
    read_reported_at: so.Mapped[datetime | None]
    # Outbound: delivery state; the idempotency key makes a repeated delivery a no-op.
    status: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    idempotency_key: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    author_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    author_name: so.Mapped[str] = so.mapped_column(sa.String(120), default="")

    def __repr__(self) -> str:
        return f"<ChatMessage {self.id} {self.direction} thread={self.thread_id}>"
