"""Non-destructive connection checks: one interface, many at once (bounded pool), or the due ones.

Each interface type supplies its own check (`InterfaceType.check`, e.g. SMSAPI reads the credit),
which gets the timeouts of the type's protocol (`InterfaceType.protocol`, `gateway.Timeouts`).
Secrets are decrypted here, in the caller's thread; the gateway calls run in a thread pool on plain
values (`CheckTarget`), and every outcome is written back in the caller's thread and session:
the history ("Verbindung geprüft"), last check/success/error, the credit, and the alerts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.i18n import N_, T_, Text
from app.models import CheckRun, Interface
from app.models.base import utcnow
from app.services import alerts, interface_types
from app.services.gateway import Timeouts
from app.services.interface_types import CheckResult, CheckTarget, InterfaceType
from app.services.interfaces import read_secret, record_check
from app.services.secrets import SecretBox, SecretError

log = logging.getLogger(__name__)

DEFAULT_CONCURRENCY = 50
DEFAULT_INTERVAL = timedelta(minutes=15)
SCHEDULE_LOCK = 4_246_016  # PostgreSQL advisory lock: one worker runs the scheduled checks
RUN_LOCK = 4_246_017  # PostgreSQL advisory lock: "Alle prüfen" starts one run at a time
RUN_ABANDONED_AFTER = timedelta(minutes=30)  # a run not finished by then counts as dead
COMMIT_EVERY = 0.5  # seconds between progress commits of a run


# The worker's checks sign the history with this name (stored in German, the catalogue's source
# language; pages show it in the reader's language: template_helpers.actor_label).
SCHEDULER_NAME = N_("Automatische Prüfung")


@dataclass(frozen=True)
class _Scheduler:
    """The actor of the worker's checks, as the history names it."""

    id: None = None
    display_name: str = SCHEDULER_NAME


SCHEDULER = _Scheduler()


def checkable_types() -> list[str]:
    """Keys of the types that have a connection check."""
    return [t.key for t in interface_types.all_types() if t.check is not None]


def is_checkable(interface: Interface) -> bool:
    """Whether "Verbindung prüfen" applies to this interface."""
    itype = interface_types.get(interface.type_key)
    return itype is not None and itype.check is not None


def active_condition(today: date):
    """Interfaces whose start date has come (planned ones are not used, so not checked)."""
    return sa.or_(Interface.start_date.is_(None), Interface.start_date <= today)


def _failure(text: Text) -> CheckResult:
    return CheckResult(False, text)


def _target(
    box: SecretBox, interface: Interface, itype: InterfaceType, timeouts: Timeouts | None
) -> CheckTarget | CheckResult:
    try:
        # Every stored secret (a type's fields, and runtime ones such as a SiNNO session token).
        secrets = {s.field: read_secret(box, interface, s.field) for s in interface.secrets}
    except SecretError:
        return _failure(T_("Die Zugangsdaten der Schnittstelle können nicht entschlüsselt werden."))
    return CheckTarget(
        interface.id,
        dict(interface.settings or {}),
        dict(interface.state or {}),
        secrets,
        timeouts.of(itype.protocol) if timeouts else None,
    )


def _run(check, target: CheckTarget) -> CheckResult:
    try:
        return check(target)
    except Exception:  # a bug in one type's check must not stop the others
        log.exception("Connection check of interface %s failed", target.interface_id)
        return _failure(T_("Die Prüfung ist unerwartet fehlgeschlagen."))


def apply(
    session: Session,
    interface: Interface,
    result: CheckResult,
    actor=None,
    portal_url: str = "",
    now: datetime | None = None,
    checked_state: dict | None = None,
) -> None:
    """Write one outcome: history, last check/success/error, credit, state, alerts (no commit).

    `portal_url` is the portal's address for the link in the admins' alert e-mails ("" leaves
    it out); the callers below pass it on. `checked_state` is the state the check started from.
    """
    now = now or utcnow()
    record_check(session, interface, "check", actor, result.ok, result.message)
    if result.balance is not None:
        interface.balance_points = result.balance
        interface.balance_checked_at = now
    if result.state:
        _merge_state(session, interface, result.state, checked_state)
    alerts.evaluate(session, interface, now, portal_url)


def _merge_state(session: Session, interface: Interface, found: dict, checked: dict | None) -> None:
    """Add a check's findings (e.g. SiNNO's "logged_in") to the state as stored now (its row
    locked), unless the state changed since the check started from it.

    A run holds its interfaces from its start: merged into that copy, a check would write back
    the state from before an "Anmelden" (or "Abmelden") made meanwhile, and the check judged
    the session from before it too.
    """
    session.flush()  # on SQLite: the read below then waits for, and sees, a log-in's commit
    session.refresh(interface, ["state"], with_for_update=True)
    current = interface.state or {}
    if checked is not None and current != checked:
        return
    interface.state = {**current, **found}


def check_one(
    session: Session,
    box: SecretBox,
    interface: Interface,
    actor=None,
    timeouts: Timeouts | None = None,
    portal_url: str = "",
) -> CheckResult:
    """Check one interface now and record the outcome (commits)."""
    itype = interface_types.get(interface.type_key)
    if itype is None or itype.check is None:
        raise ValueError(f"interface type {interface.type_key!r} has no check")
    target = _target(box, interface, itype, timeouts)
    if isinstance(target, CheckResult):
        result, checked_state = target, None
    else:
        result, checked_state = _run(itype.check, target), target.state
    apply(session, interface, result, actor, portal_url, checked_state=checked_state)
    session.commit()
    return result


@dataclass
class Tally:
    """How many checks ran and how many failed."""

    done: int = 0
    failed: int = 0


def check_many(
    session: Session,
    box: SecretBox,
    interfaces: Iterable[Interface],
    actor=None,
    timeouts: Timeouts | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    portal_url: str = "",
    progress: Callable[[Tally], None] | None = None,
) -> Tally:
    """Check many interfaces concurrently, at most `concurrency` gateway calls at a time.

    Each gateway call is handed to the pool as soon as its secrets are decrypted; outcomes are
    written in this thread as they arrive and committed about twice a second (with `progress`
    called first, e.g. to update a run's counters), and once at the end.
    """
    tally = Tally()
    by_id: dict[int, Interface] = {}
    checked_states: dict[int, dict] = {}
    last_commit = time.monotonic()

    def record(interface: Interface, result: CheckResult) -> None:
        nonlocal last_commit
        checked_state = checked_states.get(interface.id)
        apply(session, interface, result, actor, portal_url, checked_state=checked_state)
        tally.done += 1
        tally.failed += not result.ok
        if time.monotonic() - last_commit >= COMMIT_EVERY:
            if progress:
                progress(tally)
            session.commit()
            last_commit = time.monotonic()

    futures: dict = {}
    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="check") as pool:
        for interface in interfaces:
            itype = interface_types.get(interface.type_key)
            if itype is None or itype.check is None:
                continue
            by_id[interface.id] = interface
            target = _target(box, interface, itype, timeouts)
            if isinstance(target, CheckResult):
                record(interface, target)
            else:
                checked_states[interface.id] = target.state
                futures[pool.submit(_run, itype.check, target)] = interface.id
        for future in as_completed(futures):
            record(by_id[futures[future]], future.result())
    if progress:
        progress(tally)
    session.commit()
    return tally


# ---- "Alle prüfen" ---------------------------------------------------------------------------------


def _all_active(today: date):
    return (
        sa.select(Interface)
        .where(Interface.type_key.in_(checkable_types()), active_condition(today))
        .options(selectinload(Interface.secrets))
        .order_by(Interface.id)
    )


def start_run(
    session: Session, today: date, actor=None, now: datetime | None = None
) -> tuple[CheckRun, bool]:
    """The run under way, or a new one over every active interface that can be checked
    (commits); and whether it is new, i.e. the caller executes it.

    One run at a time, also when two people click "Alle prüfen" at once: the look for a running
    run and the insert are one statement, which PostgreSQL runs under a transaction-scoped
    advisory lock (SQLite under its single write lock). A run whose process died (never
    finished) stops counting after `RUN_ABANDONED_AFTER`.
    """
    now = now or utcnow()
    total = session.scalar(sa.select(sa.func.count()).select_from(_all_active(today).subquery()))
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(RUN_LOCK)))
    running = sa.select(CheckRun.id).where(
        CheckRun.finished_at.is_(None), CheckRun.started_at > now - RUN_ABANDONED_AFTER
    )
    new_id = session.execute(
        sa.insert(CheckRun)
        .from_select(
            ["total", "started_by_id", "started_at", "done", "failed"],
            sa.select(
                sa.literal(total or 0, sa.Integer),
                sa.literal(getattr(actor, "id", None), sa.Integer),
                sa.literal(now, sa.DateTime),
                sa.literal(0, sa.Integer),
                sa.literal(0, sa.Integer),
            ).where(~sa.exists(running)),
        )
        .returning(CheckRun.id)
    ).scalar()
    session.commit()
    if new_id is not None:
        return session.get(CheckRun, new_id), True
    # The one under way (or, when it ended a moment ago, that one with its results).
    return session.scalar(sa.select(CheckRun).order_by(CheckRun.id.desc()).limit(1)), False


def execute_run(
    session: Session,
    box: SecretBox,
    run_id: int,
    today: date,
    actor=None,
    timeouts: Timeouts | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    portal_url: str = "",
) -> CheckRun:
    """Check every active interface for a run, keeping its counters current (commits)."""
    run = session.get(CheckRun, run_id)
    interfaces = session.scalars(_all_active(today)).all()
    run.total = len([i for i in interfaces if is_checkable(i)])

    def progress(tally: Tally) -> None:
        run.done, run.failed = tally.done, tally.failed

    try:
        check_many(session, box, interfaces, actor, timeouts, concurrency, portal_url, progress)
    finally:
        session.rollback()  # nothing half-written stays pending if a check blew up
        run = session.get(CheckRun, run_id)
        run.finished_at = utcnow()
        session.commit()
    return run


# ---- the worker's schedule --------------------------------------------------------------------------


@contextmanager
def _schedule_lock(session: Session) -> Iterator[bool]:
    """One worker at a time runs the scheduled checks (PostgreSQL: a session advisory lock).

    The lock lives on a connection of its own, held for the whole run: the checks commit, and
    each commit may hand the session a different pooled connection, so a lock taken through the
    session could be left held on one connection and "released" on another.
    """
    if session.get_bind().dialect.name != "postgresql":
        yield True
        return
    with session.get_bind().connect() as conn:
        got = bool(conn.scalar(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": SCHEDULE_LOCK}))
        conn.commit()
        try:
            yield got
        finally:
            if got:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": SCHEDULE_LOCK})
                conn.commit()


def run_due(
    session: Session,
    box: SecretBox,
    today: date,
    interval: timedelta = DEFAULT_INTERVAL,
    timeouts: Timeouts | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    now: datetime | None = None,
    limit: int = 1000,
    portal_url: str = "",
) -> Tally:
    """Check the active interfaces not checked within `interval` (one worker at a time)."""
    now = now or utcnow()
    with _schedule_lock(session) as got:
        if not got:
            session.commit()
            return Tally()
        due = session.scalars(
            _all_active(today)
            .where(
                sa.or_(Interface.last_check_at.is_(None), Interface.last_check_at <= now - interval)
            )
            .order_by(None)
            .order_by(Interface.last_check_at.asc().nulls_first(), Interface.id)
            .limit(limit)
        ).all()
        if not due:
            session.commit()
            return Tally()
        return check_many(session, box, due, SCHEDULER, timeouts, concurrency, portal_url)
