"""Status board state: worker heartbeats, alert incidents and "Alle prüfen" runs."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.i18n import Text
from app.models.base import StoredText, partial_index, utcnow


class WorkerHeartbeat(db.Model):
    """One row per worker process, touched on every pass; /readyz reads the newest."""

    __tablename__ = "worker_heartbeats"

    name: so.Mapped[str] = so.mapped_column(sa.String(120), primary_key=True)  # host:pid
    started_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    beat_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<WorkerHeartbeat {self.name} {self.beat_at}>"


OPEN = "resolved_at IS NULL"  # an incident not resolved yet


class StatusIncident(db.Model):
    """An alert: opened once when a condition starts, resolved once when it ends."""

    __tablename__ = "status_incidents"
    __table_args__ = (
        sa.Index("ix_status_incidents_open", "resolved_at", "interface_id", "kind"),
        # At most one open incident per interface and kind: two workers (or a worker and
        # "Verbindung prüfen") seeing the same failure at once open it, and alert, once.
        partial_index("uq_status_incidents_open", "interface_id", "kind", where=OPEN, unique=True),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # No foreign key: an incident of a deleted interface stays readable, like its history.
    interface_id: so.Mapped[int] = so.mapped_column(index=True)
    interface_name: so.Mapped[str] = so.mapped_column(sa.String(120))
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))  # check | balance | sms
    message: so.Mapped[Text | str] = so.mapped_column(StoredText(500), default="")
    opened_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    resolved_at: so.Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<StatusIncident {self.interface_id} {self.kind} {self.opened_at}>"


class CheckRun(db.Model):
    """One "Alle prüfen": how many interfaces, how many done and failed so far."""

    __tablename__ = "status_check_runs"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    started_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    finished_at: so.Mapped[datetime | None]
    started_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    total: so.Mapped[int] = so.mapped_column(default=0)
    done: so.Mapped[int] = so.mapped_column(default=0)
    failed: so.Mapped[int] = so.mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<CheckRun {self.id} {self.done}/{self.total}>"
