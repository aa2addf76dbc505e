"""Hits counted by the sliding-window limiter (failed log-ins, reveal attempts)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models.base import utcnow


class LimiterHit(db.Model):
    """One counted event under a key such as ``login:pair:<hash>`` or ``reveal:user:7``.

    Keys never hold a typed user name in clear: it may be a password typed into the wrong field.
    """

    __tablename__ = "limiter_hits"
    __table_args__ = (sa.Index("ix_limiter_hits_key_at", "key", "at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    key: so.Mapped[str] = so.mapped_column(sa.String(120))
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<LimiterHit {self.key} {self.at}>"
