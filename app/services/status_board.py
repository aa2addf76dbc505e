"""The status board: each interface's computed state, one page in one statement, the summary,
SMS per hour for the chart.

States: planned (start date ahead), error (last check or use failed), logged_in / logged_out
(types that keep a session set Interface.state["logged_in"]), unchecked (never checked or used
successfully), active. Failing interfaces come first, then the list's default order; an
expression index (last_error IS NULL, group, name, id) serves that order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Interface, SmsMessage
from app.models.base import utcnow
from app.models.interface import IDENTITY_COLUMNS
from app.models.outbox import FAILED, SENT
from app.services.pagination import LIST_PAGE_SIZE, Slice, window

STATES = ("error", "planned", "active", "unchecked", "logged_in", "logged_out")
CHART_HOURS = 7 * 24


@dataclass(frozen=True)
class BoardState:
    """A computed state and, when planned, its start date."""

    key: str
    start_date: date | None = None


def state_of(
    start_date: date | None,
    last_error: str | None,
    last_check_at: datetime | None,
    last_success_at: datetime | None,
    logged_in: bool | None,
    today: date,
) -> BoardState:
    """The state rule, in the order it is decided."""
    if start_date is not None and start_date > today:
        return BoardState("planned", start_date)
    if last_error:
        return BoardState("error")
    if logged_in is True:
        return BoardState("logged_in")
    if logged_in is False:
        return BoardState("logged_out")
    if last_check_at is None and last_success_at is None:
        return BoardState("unchecked")
    return BoardState("active")


def _logged_in_expr():
    return Interface.state["logged_in"].as_boolean()


def state_condition(key: str, today):
    """The SQL condition equal to `state_of(...) == key`."""
    started = sa.or_(Interface.start_date.is_(None), Interface.start_date <= today)
    ok = sa.and_(started, Interface.last_error.is_(None))
    logged = _logged_in_expr()
    if key == "planned":
        return Interface.start_date > today
    if key == "error":
        return sa.and_(started, Interface.last_error.is_not(None))
    if key == "logged_in":
        return sa.and_(ok, logged.is_(True))
    if key == "logged_out":
        return sa.and_(ok, logged.is_(False))
    not_session = logged.is_(None)
    never = sa.and_(Interface.last_check_at.is_(None), Interface.last_success_at.is_(None))
    if key == "unchecked":
        return sa.and_(ok, not_session, never)
    return sa.and_(ok, not_session, sa.not_(never))


@dataclass(frozen=True)
class BoardQuery:
    """The board's filters (kept in the URL) and page."""

    state: str = ""
    group: str = ""
    branch_id: int | None = None
    page: int = 1
    per_page: int = LIST_PAGE_SIZE


@dataclass
class BoardRow:
    """One row: the interface's columns, its state, SMS of the last 24 h."""

    id: int
    type_key: str
    group: str
    name: str
    branch_label: str
    workstation_label: str
    state: BoardState
    last_error: str | None
    last_error_at: datetime | None
    last_success_at: datetime | None
    last_check_at: datetime | None
    balance: float | None
    balance_checked_at: datetime | None
    low_balance: float | None
    last_sync_at: str | None
    sent_24h: int = 0
    failed_24h: int = 0

    @property
    def balance_low(self) -> bool:
        return (
            self.balance is not None
            and self.low_balance is not None
            and self.balance < self.low_balance
        )


# The three values the board needs from the JSON columns come out of the database as scalars:
# decoding each row's whole settings and state cost more than the query.
COLUMNS = (
    *IDENTITY_COLUMNS,
    Interface.start_date,
    Interface.last_error,
    Interface.last_error_at,
    Interface.last_success_at,
    Interface.last_check_at,
    Interface.balance_points,
    Interface.balance_checked_at,
    Interface.settings["low_balance"].as_float(),
    Interface.state["logged_in"].as_boolean(),
    Interface.state["last_sync_at"].as_string(),
)


def _float(value: Any) -> float | None:
    try:
        return None if value in (None, "") else float(value)
    except (TypeError, ValueError):
        return None


def _row(values, today: date) -> BoardRow:
    (
        id_,
        type_key,
        group,
        name,
        branch,
        ws,
        start,
        last_error,
        last_error_at,
        last_success_at,
        last_check_at,
        balance,
        balance_at,
        low_balance,
        logged_in,
        last_sync_at,
    ) = values
    return BoardRow(
        id=id_,
        type_key=type_key,
        group=group,
        name=name,
        branch_label=branch,
        workstation_label=ws,
        state=state_of(
            start,
            last_error,
            last_check_at,
            last_success_at,
            None if logged_in is None else bool(logged_in),
            today,
        ),
        last_error=last_error,
        last_error_at=last_error_at,
        last_success_at=last_success_at,
        last_check_at=last_check_at,
        balance=_float(balance),
        balance_checked_at=balance_at,
        low_balance=_float(low_balance),
        last_sync_at=last_sync_at or None,
    )


def _sms_count(status: str, since):
    return (
        sa.select(sa.func.count())
        .select_from(SmsMessage)
        .where(
            SmsMessage.interface_id == Interface.id,
            SmsMessage.created_at >= since,
            SmsMessage.status == status,
        )
        .correlate(Interface)
        .scalar_subquery()
    )


def _with_sms_counts():
    since = sa.bindparam("since", type_=sa.DateTime)
    return sa.select(*COLUMNS, _sms_count(SENT, since), _sms_count(FAILED, since))


@lru_cache(maxsize=64)
def _board_statement(state: str, by_group: bool, by_branch: bool) -> sa.Select:
    """The page's SELECT for one combination of filters, built once; values are bound parameters."""
    conditions = []
    if state:
        conditions.append(state_condition(state, sa.bindparam("today", type_=sa.Date)))
    if by_group:
        conditions.append(Interface.group == sa.bindparam("group"))
    if by_branch:
        conditions.append(Interface.branch_id == sa.bindparam("branch_id"))
    failing_last = Interface.last_error.is_(None)
    # The same order either way; written group-first when one group is shown, so that the
    # database walks the index (group, last_error IS NULL, name, id) instead of sorting the group.
    order = (Interface.group, failing_last) if by_group else (failing_last, Interface.group)
    return (
        _with_sms_counts()
        .where(*conditions)
        .order_by(*order, Interface.name, Interface.id)
        .limit(sa.bindparam("limit"))
        .offset(sa.bindparam("offset"))
    )


def _board_row(values, today: date) -> BoardRow:
    row = _row(values[:-2], today)
    row.sent_24h, row.failed_24h = values[-2], values[-1]
    return row


def board_page(
    session: Session, query: BoardQuery, today: date, now: datetime | None = None
) -> Slice:
    """One page (BoardRow items, the query as its filters) in one statement: failing first, then
    group, name, id; each row with its SMS sent and failed in the last 24 h (counted per shown
    row, through the (interface, created) index)."""
    now = now or utcnow()
    state = query.state if query.state in STATES else ""
    stmt = _board_statement(state, bool(query.group), query.branch_id is not None)
    params = {
        "since": now - timedelta(hours=24),
        "today": today,
        "group": query.group,
        "branch_id": query.branch_id,
        **window(query.page, query.per_page),
    }
    # Core execution: the ORM's per-statement result set-up cost more than the query itself.
    rows = [
        _board_row(values, today) for values in session.connection().execute(stmt, params).all()
    ]
    return Slice.of(rows, query.page, query.per_page, filters=query)


def board_row(
    session: Session, interface_id: int, today: date, now: datetime | None = None
) -> BoardRow | None:
    """One interface's board row (after a check)."""
    now = now or utcnow()
    values = session.execute(
        _with_sms_counts().where(Interface.id == interface_id), {"since": now - timedelta(hours=24)}
    ).first()
    return None if values is None else _board_row(values, today)


# ---- the start pages' summary ------------------------------------------------------------------


@dataclass
class Summary:
    """How many interfaces in each state, the failing ones, low credits, failed SMS of 24 h."""

    counts: dict[str, int] = field(default_factory=dict)
    failing: list[BoardRow] = field(default_factory=list)
    low_balances: list[BoardRow] = field(default_factory=list)
    failed_sms_24h: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def summary(
    session: Session, today: date, now: datetime | None = None, listed: int = 10
) -> Summary:
    """The board's summary for the start pages."""
    now = now or utcnow()
    state = sa.case(*((state_condition(key, today), key) for key in STATES), else_="active")
    counts = dict.fromkeys(STATES, 0)
    for key, count in session.execute(sa.select(state.label("s"), sa.func.count()).group_by("s")):
        counts[key] = count
    failing = [
        _row(v, today)
        for v in session.execute(
            sa.select(*COLUMNS)
            .where(state_condition("error", today))
            .order_by(Interface.last_error_at.desc().nulls_last(), Interface.id)
            .limit(listed)
        )
    ]
    with_balance = [
        _row(v, today)
        for v in session.execute(
            sa.select(*COLUMNS)
            .where(Interface.balance_points.is_not(None), Interface.group == "SMS")
            .order_by(Interface.balance_points)
            .limit(500)
        )
    ]
    failed = (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(SmsMessage)
            .where(SmsMessage.status == FAILED, SmsMessage.created_at >= now - timedelta(hours=24))
        )
        or 0
    )
    return Summary(
        counts=counts,
        failing=failing,
        low_balances=[r for r in with_balance if r.balance_low][:listed],
        failed_sms_24h=failed,
    )


# ---- the chart ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HourlySms:
    """Sent and failed SMS per hour, oldest hour first, for the last 7 days."""

    start: datetime
    sent: list[int]
    failed: list[int]

    @property
    def peak(self) -> int:
        return max([1, *self.sent, *self.failed])


def sms_per_hour(
    session: Session, interface_id: int, now: datetime | None = None, hours: int = CHART_HOURS
) -> HourlySms:
    """Sent (by sending time) and failed (by last attempt) SMS per hour of one interface.

    Counted per hour by the database (one row per hour and status, not one per SMS: a busy
    interface sends tens of thousands a week).
    """
    now = now or utcnow()
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours - 1)
    sent, failed = [0] * hours, [0] * hours
    at = sa.func.coalesce(
        sa.case((SmsMessage.status == SENT, SmsMessage.sent_at), else_=SmsMessage.claimed_at),
        SmsMessage.created_at,
    )
    if session.get_bind().dialect.name == "postgresql":
        hour = sa.func.date_trunc("hour", at)
    else:  # SQLite keeps timestamps as ISO text
        hour = sa.func.strftime("%Y-%m-%d %H:00:00", at)
    rows = session.execute(
        sa.select(SmsMessage.status, hour.label("hour"), sa.func.count())
        .where(
            SmsMessage.interface_id == interface_id,
            SmsMessage.created_at >= start - timedelta(days=1),
            SmsMessage.status.in_((SENT, FAILED)),
            at >= start,
        )
        .group_by(SmsMessage.status, sa.literal_column("hour"))
    )
    for status, hour_start, count in rows:
        if isinstance(hour_start, str):
            hour_start = datetime.fromisoformat(hour_start)
        index = int((hour_start - start).total_seconds() // 3600)
        if 0 <= index < hours:
            (sent if status == SENT else failed)[index] += count
    return HourlySms(start, sent, failed)
