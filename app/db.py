"""Database policy: how requests use the database, and per-connection settings.

- A safe request (GET, HEAD, OPTIONS) reads outside a transaction and may not write
  (`PortalSession`, the write guard).
- Every connection gets the same settings on both databases (the connect listener).
- A pooled PostgreSQL connection idle for a while is tested before use (`ping_idle_connections`).

`app.extensions` builds the unbound `db` with `NAMING_CONVENTION` and `PortalSession`;
`create_app` calls `init_app` once the engine exists.
"""

from __future__ import annotations

import sqlite3
import time
from weakref import WeakKeyDictionary

from flask import Flask, has_request_context, request
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Methods that must not change anything (RFC 9110 "safe"); their requests only read.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_autocommit_engines: WeakKeyDictionary = WeakKeyDictionary()


class WriteInSafeRequest(RuntimeError):
    """A GET (HEAD, OPTIONS) request tried to change data; it would not be atomic."""


def _in_safe_request() -> bool:
    return has_request_context() and request.method in SAFE_METHODS


class PortalSession(FlaskSession):
    """The request's session: a safe request reads outside a transaction.

    Under PostgreSQL's READ COMMITTED every statement takes its own snapshot anyway, so a
    transaction around a page's reads adds nothing but two round trips (BEGIN and ROLLBACK), a
    third of a list page's time. Every other request keeps one transaction from its first
    statement to its commit; a safe request that tries to write fails loudly
    (``WriteInSafeRequest``) instead of writing piecemeal.
    """

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        engine = super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
        # SQLite's driver begins no transaction for reads: switching it to AUTOCOMMIT would only
        # cost two settings per request.
        if bind is None and engine.dialect.name != "sqlite" and _in_safe_request():
            reader = _autocommit_engines.get(engine)
            if reader is None:  # one per engine: the session keys its connections by engine
                reader = _autocommit_engines[engine] = engine.execution_options(
                    isolation_level="AUTOCOMMIT"
                )
            return reader
        return engine


# ---- the write guard: a safe request that changes data fails before anything is written ----


@event.listens_for(PortalSession, "before_flush")
def _no_flush_in_safe_request(session, _flush_context, _instances) -> None:
    if (session.new or session.dirty or session.deleted) and _in_safe_request():
        raise WriteInSafeRequest(f"{request.method} {request.path} must not change data")


@event.listens_for(PortalSession, "do_orm_execute")
def _no_dml_in_safe_request(state) -> None:
    if (state.is_insert or state.is_update or state.is_delete) and _in_safe_request():
        raise WriteInSafeRequest(f"{request.method} {request.path} must not change data")


@event.listens_for(Engine, "connect")
def _session_settings(dbapi_connection, _record) -> None:
    """Per-connection settings of the two databases."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        # Enforce foreign keys like PostgreSQL, and let readers and a writer work at once.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA journal_mode=WAL")
        # Safe with WAL; a commit lost to a power cut only means a resend, which the gateway's
        # idx check turns into "already sent".
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
    elif type(dbapi_connection).__module__.startswith("psycopg"):
        # psycopg prepares a statement on the server after a few executions, and PostgreSQL then
        # plans it once for any parameters. A search's best plan depends on its terms: a common
        # term walks the sort order's index and stops after one page, a rare one needs the
        # trigram index. The generic plan always takes the trigram index and sorts, twice as
        # slow for common terms; planning each execution for its values costs ~0.1 ms.
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET plan_cache_mode = force_custom_plan")
        dbapi_connection.commit()


def ping_idle_connections(engine: Engine, idle_seconds: float) -> None:
    """Test a pooled connection before use when it has been idle for more than `idle_seconds`.

    A database restart or a firewall's idle timeout kills connections that sit in the pool; a
    connection that served a request a moment ago is alive. SQLAlchemy's ``pool_pre_ping`` tests
    every checkout, one extra round trip per request (an eighth of a list page's time). A dead
    connection found here is replaced before the request sees it.
    """
    dialect = engine.dialect

    @event.listens_for(engine.pool, "checkin")
    def _idle_from(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:  # the driver's own error: the pool reconnects and retries
            raise DisconnectionError("database connection lost while idle") from exc


def init_app(app: Flask, engine: Engine) -> None:
    """Apply the policy to the app's engine (SQLite needs no idle ping: a file cannot drop)."""
    if engine.dialect.name != "sqlite":
        ping_idle_connections(engine, app.config["DATABASE_PING_AFTER_IDLE"])
