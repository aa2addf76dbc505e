"""The security audit log: password reveals, failed attempts, security option changes."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models.base import utcnow


class AuditEntry(db.Model):
    """One security-relevant event; never holds a secret value."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        sa.Index("ix_audit_entries_actor_action_at", "actor_id", "action", "at"),
        sa.Index("ix_audit_entries_addr_at", "remote_addr", "at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    actor_name: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    # reveal, reveal_failed, reveal_locked, option_on, option_off
    action: so.Mapped[str] = so.mapped_column(sa.String(30))
    interface_id: so.Mapped[int | None]
    interface_name: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    field: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    remote_addr: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    ok: so.Mapped[bool] = so.mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<AuditEntry {self.action} by {self.actor_name} at {self.at}>"
