"""Liveness and readiness: database reachable, migrations at head, a worker beating recently."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.orm import Session

from app.models import WorkerHeartbeat
from app.models.base import utcnow

HEARTBEAT_MAX_AGE = timedelta(minutes=5)


def worker_name() -> str:
    """This process as the heartbeat table names it: host:pid."""
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def beat(session: Session, name: str, now: datetime | None = None) -> None:
    """Record that this worker is alive (commits)."""
    now = now or utcnow()
    row = session.get(WorkerHeartbeat, name)
    if row is None:
        session.add(WorkerHeartbeat(name=name, started_at=now, beat_at=now))
    else:
        row.beat_at = now
    session.commit()


def last_beat(session: Session) -> datetime | None:
    """The newest heartbeat of any worker."""
    return session.scalar(sa.select(sa.func.max(WorkerHeartbeat.beat_at)))


@cache
def script_heads(directory: str) -> frozenset[str]:
    """The migration heads the code expects (read once per process)."""
    return frozenset(ScriptDirectory(directory).get_heads())


@dataclass(frozen=True)
class Readiness:
    """Each of the three conditions (None: not checked, the database being unreachable)."""

    database: bool
    migrations: bool | None
    worker: bool | None

    @property
    def ready(self) -> bool:
        return self.database is True and self.migrations is True and self.worker is True

    @property
    def failed(self) -> list[str]:
        """Names of the failed conditions, in a fixed order."""
        return [
            name for name in ("database", "migrations", "worker") if getattr(self, name) is False
        ]


def readiness(engine: sa.Engine, migrations_dir: str, now: datetime | None = None) -> Readiness:
    """Check the three conditions on a connection of its own (never raises)."""
    now = now or utcnow()
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
            heads = set(MigrationContext.configure(conn).get_current_heads())
            migrations = heads == set(script_heads(migrations_dir))
            try:
                beat_at = conn.scalar(sa.select(sa.func.max(WorkerHeartbeat.beat_at)))
            except sa.exc.DBAPIError:  # the table is missing before the migrations ran
                conn.rollback()
                beat_at = None
    except sa.exc.SQLAlchemyError:
        return Readiness(False, None, None)
    worker = beat_at is not None and now - beat_at < HEARTBEAT_MAX_AGE
    return Readiness(True, migrations, worker)
