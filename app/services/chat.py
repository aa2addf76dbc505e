"""SiNNO-Chat: synchronisation with the service, the inbox, replies with their delivery state.

Sync (worker, every CHAT_SYNC_SECONDS): pages of messages after the stored cursor are fetched
through the logged-in SiNNO-App Service interface (the next page on a second thread while one is
stored). Each page is stored and the cursor advanced in one transaction; messages are inserted
with ON CONFLICT DO NOTHING on the service's unique message id. A crash before the commit only
means the page is fetched again; a repeat or a second worker stores nothing twice, and the cursor
never passes a message that is not stored. Faults back off (Retry-After respected) and land in
the chat interface's history.

Replies are stored first (queued) with an idempotency key, then delivered (at once by the request,
else by the worker): a retry with the same key can never post twice. Reading a thread marks its
messages read locally at once and at the service (retried by the worker when that fails).
"""

from __future__ import annotations

import functools
import json
import logging
import uuid
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import chain

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.orm import Session

from app.i18n import T_, _
from app.models import ChatMessage, ChatThread, Customer, Interface
from app.models.base import dialect_insert, utcnow
from app.models.chat import INBOUND, OUTBOUND, REPLY_FAILED, REPLY_QUEUED, REPLY_SENDING, REPLY_SENT
from app.services import chat_inbox, notifications
from app.services.interface_types import SERVER
from app.services.interfaces import record_check, record_event, resolve
from app.services.retry import RetryPolicy, claim, sending
from app.services.secrets import SecretBox, SecretError
from app.services.sinno import MessagePage, SinnoClient, SinnoError
from app.services.sinno_interface import client_for, is_logged_in

log = logging.getLogger(__name__)

CHAT_TYPE, SERVICE_TYPE = "sinno_chat", "sinno_app"
PAGE_SIZE = 200
MAX_PAGES = 50  # per pass; the rest follows in the next pass
MAX_TEXT = 2000
# Replies and sync faults: 2, 4, 8 ... minutes, at most 30 (Retry-After respected).
RETRY = RetryPolicy(first_wait=timedelta(minutes=2), max_wait=timedelta(minutes=30))


class ReplyError(ValueError):
    """A reply that cannot be stored (empty or too long); nothing was saved."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def chat_interface(session: Session, today: date | None = None) -> Interface | None:
    """The server-side SiNNO-Chat interface that applies (chain-wide)."""
    return resolve(session, "App", SERVER, today or date.today(), type_key=CHAT_TYPE)


def service_interface(session: Session, today: date | None = None) -> Interface | None:
    """The logged-in SiNNO-App Service interface the chat runs through, if any.

    The one that applies server side first; otherwise any logged-in one (the company's session
    is the same whichever interface holds it).
    """
    today = today or date.today()
    candidate = resolve(session, "App", SERVER, today, type_key=SERVICE_TYPE)
    if candidate is not None and is_logged_in(candidate):
        return candidate
    others = session.scalars(
        sa.select(Interface)
        .where(
            Interface.type_key == SERVICE_TYPE,
            sa.or_(Interface.start_date.is_(None), Interface.start_date <= today),
        )
        .order_by(Interface.server_side.desc(), Interface.id)
    )
    return next((i for i in others if is_logged_in(i)), None)


_backoff = RETRY.backoff  # the sync's wait after a fault


@dataclass
class PassMemory:
    """What a sync pass remembers from page to page (a thread is never deleted while the chat
    syncs; the recipients of chat notifications are read once per pass)."""

    threads: dict[str, int] = field(default_factory=dict)  # service customer id -> thread id
    told: dict[int, str] | None = None  # user id -> channel, see notifications.audience


@dataclass
class SyncReport:
    """What one sync pass did."""

    stored: int = 0
    pages: int = 0
    skipped: str = ""  # why nothing was done ("not due", "no service", "busy", "error")
    error: str | None = None


def _set_state(interface: Interface, **values) -> None:
    state = dict(interface.state or {})
    state.update(values)
    interface.state = state


_LOCK_STATE = (
    sa.select(Interface.__table__.c.state, Interface.__table__.c.last_error)
    .where(Interface.__table__.c.id == sa.bindparam("interface_id"))
    .with_for_update(skip_locked=True)
)
# A page fetched is a successful use: the status board's "zuletzt erfolgreich" and state.
_SAVE_STATE = (
    sa.update(Interface.__table__)
    .where(Interface.__table__.c.id == sa.bindparam("interface_id"))
    .values(state=sa.bindparam("new_state"), last_success_at=sa.bindparam("now"))
)


def _lock(conn: sa.Connection, interface_id: int):
    """The chat interface's (state, last_error), its row locked for this transaction.

    None: another worker has it. Core, not the ORM: a page needs two columns, not an object.
    """
    return conn.execute(_LOCK_STATE, {"interface_id": interface_id}).first()


def sync(
    session: Session,
    box: SecretBox,
    now: datetime | None = None,
    interval_seconds: float = 150,
    timeouts: tuple[float, float] | None = None,
    portal_url: str = "",
    force: bool = False,
    page_size: int = PAGE_SIZE,
) -> SyncReport:
    """One sync pass when due (commits). Safe to run in several workers at once."""
    now = now or utcnow()
    report = SyncReport()
    chat = chat_interface(session, now.date())
    if chat is None:
        report.skipped = "no chat"
        session.commit()
        return report
    state = chat.state or {}
    due_at = state.get("next_sync_at")
    if not force and due_at and datetime.fromisoformat(due_at) > now:
        report.skipped = "not due"
        session.commit()
        return report
    service = service_interface(session, now.date())
    if service is None:
        report.skipped = "no service"
        note = _(
            "Keine angemeldete SiNNO-App Service Schnittstelle: der Chat wird nicht synchronisiert."
        )
        if state.get("note") != "no_service":
            record_check(session, chat, "chat_sync", None, False, note)
        _set_state(
            chat,
            note="no_service",
            next_sync_at=(now + timedelta(seconds=interval_seconds)).isoformat(),
        )
        session.commit()
        return report
    chat_id = chat.id
    memory = PassMemory()
    try:
        client = client_for(session, box, service, timeouts)
    except SecretError:
        report.skipped, report.error = (
            "error",
            _("Die Anmeldung der SiNNO-Schnittstelle kann nicht entschlüsselt werden."),
        )
        record_check(session, chat, "chat_sync", None, False, report.error)
        session.commit()
        return report
    # The next page is fetched on a second thread while this one is stored: the service's
    # answer time and the database's work overlap instead of adding up. Only that thread uses
    # the client while a fetch is under way (`_fetch` waits for it first).
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chat-sync")
    ahead: tuple[str, Future] | None = None
    try:
        while report.pages < MAX_PAGES:
            conn = session.connection()
            locked = _lock(conn, chat_id)
            if locked is None:
                report.skipped = "busy"
                session.rollback()
                break
            state = dict(locked.state or {})
            page = _fetch(client, state.get("cursor"), page_size, ahead)
            ahead = None
            if page.has_more and report.pages + 1 < MAX_PAGES:
                ahead = (
                    page.next_cursor,
                    pool.submit(
                        client.list_messages, since=page.next_cursor, limit=page_size, renew=False
                    ),
                )
            recovered = bool(state.get("failures")) or state.get("note")
            state.update(
                cursor=page.next_cursor,
                last_sync_at=now.isoformat(),
                failures=0,
                note=None,
                last_error=None,
                next_sync_at=(now + timedelta(seconds=interval_seconds)).isoformat(),
            )
            report.stored += store_page(
                session, page.messages, now, portal_url, memory, cursor=(chat_id, state)
            )
            report.pages += 1
            if recovered or locked.last_error:
                record_check(
                    session,
                    session.get(Interface, chat_id),
                    "chat_sync",
                    None,
                    True,
                    _("Chat wieder synchronisiert.") if recovered else _("Chat synchronisiert."),
                )
            session.commit()  # page and cursor together, or neither
            if not page.has_more:
                break
    except SinnoError as exc:
        session.rollback()
        chat = session.get(Interface, chat_id)
        message = exc.text
        failures = int((chat.state or {}).get("failures") or 0) + 1
        _set_state(
            chat,
            failures=failures,
            last_error=message.to_data(),  # language-neutral, see sync_info's reader
            next_sync_at=(now + _backoff(failures, exc.retry_after)).isoformat(),
        )
        record_check(session, chat, "chat_sync", None, False, message)
        session.commit()
        report.skipped, report.error = "error", str(message)
    finally:
        pool.shutdown(wait=True)  # a fetch still under way ends before the client closes
        client.close()
    return report


def _fetch(
    client: SinnoClient, since: str | None, limit: int, ahead: tuple[str, Future] | None
) -> MessagePage:
    """The page after the cursor `since`, as the locked state has it.

    The page fetched `ahead` counts when it was asked for that cursor: its fault is this page's
    fault. It is fetched again here when another worker has moved the cursor since, and when
    its token had expired: the renewal stores the new token in the session, which only this
    thread may touch.
    """
    if ahead is not None:
        cursor, future = ahead
        try:
            page = future.result()  # waits: the client is never used by two threads at once
        except SinnoError as exc:
            if cursor == since and exc.code != "token_expired":
                raise
        else:
            if cursor == since:
                return page
    return client.list_messages(since=since, limit=limit)


def _threads_for(
    session: Session, conn: sa.Connection, messages: list, known: dict[str, int]
) -> dict[str, int]:
    """Service customer id -> thread id for a page, creating missing threads.

    `known` holds the threads an earlier page of this pass found; the others cost one
    statement, three when some are new.
    """
    wanted = {m.customer_id for m in messages} - known.keys()
    if not wanted:
        return known
    found = dict(conn.execute(_THREAD_IDS, {"ids": list(wanted)}).all())
    known.update(found)
    missing = wanted - found.keys()
    if not missing:
        return known
    customers = {
        c.sinno_customer_id: c
        for c in session.scalars(sa.select(Customer).where(Customer.sinno_customer_id.in_(missing)))
    }
    authors = {m.customer_id: m.author for m in messages if m.direction == INBOUND and m.author}
    rows = []
    for customer_id in sorted(missing):
        customer = customers.get(customer_id)
        name = (
            customer.full_name
            if customer is not None
            else (authors.get(customer_id) or customer_id)
        )
        number = (customer.number or "") if customer is not None else ""
        rows.append(
            dict(
                service_customer_id=customer_id,
                customer_id=customer.id if customer else None,
                customer_name=name[:160],
                branch_id=customer.branch_id if customer else None,
                search_text=chat_inbox.search_text(name, number, customer_id),
                last_preview="",
                unread_count=0,
                created_at=utcnow(),
            )
        )
    # An executemany (compiled once), not a multi-row VALUES compiled anew for each count.
    conn.execute(
        dialect_insert(session, ChatThread.__table__).on_conflict_do_nothing(
            index_elements=["service_customer_id"]
        ),
        rows,
    )
    known.update(conn.execute(_THREAD_IDS, {"ids": list(missing)}).all())
    return known


_THREAD_IDS = sa.select(
    ChatThread.__table__.c.service_customer_id, ChatThread.__table__.c.id
).where(ChatThread.__table__.c.service_customer_id.in_(sa.bindparam("ids", expanding=True)))

# The page's hot statements run on the driver (`exec_driver_sql`): a page is 200 rows of 11
# values, and SQLAlchemy's per-row parameter handling (a dict per row, a Python date formatter
# per time on SQLite) cost more than SQLite's own insert. One statement each for the messages and
# the threads, with a VALUES list, as SQLAlchemy's "insertmanyvalues" would send; the texts are
# the same on SQLite and PostgreSQL, only the parameter mark differs.
_MESSAGE_COLUMNS = (
    "thread_id",
    "service_message_id",
    "direction",
    "body",
    "sent_at",
    "created_at",
    "read_at",
    "read_reported_at",
    "status",
    "author_name",
    "attempts",
)
_CHUNK = 500  # rows per statement: at most 5,500 parameters, below both databases' limits


@functools.lru_cache(maxsize=32)
def _insert_messages_sql(mark: str, rows: int) -> str:
    """INSERT of `rows` messages, ON CONFLICT DO NOTHING, RETURNING the stored service ids."""
    values = "(" + ", ".join([mark] * len(_MESSAGE_COLUMNS)) + ")"
    return (
        f"INSERT INTO chat_messages ({', '.join(_MESSAGE_COLUMNS)})"
        f" VALUES {', '.join([values] * rows)}"
        " ON CONFLICT (service_message_id) DO NOTHING RETURNING service_message_id"
    )


# PostgreSQL takes the page as one array per column (eleven parameters instead of 2,200: parsed and
# planned in a fraction of the time), sent in binary (%b; the text form escapes every element with
# a regular expression, a third of the insert's time). The same statement adds the stored messages
# to their threads, as `_advance_threads` does (the last in page order wins a tie), and with
# `_store_page_pg(True)` saves the cursor: one round trip per page for all three.
_STORE_PAGE_PG = (
    "WITH page AS (SELECT * FROM unnest("
    "%b::integer[], %b::varchar[], %b::varchar[], %b::text[], %b::timestamp[], %b::timestamp[],"
    " %b::timestamp[], %b::timestamp[], %b::varchar[], %b::varchar[], %b::integer[])"
    f" WITH ORDINALITY AS p ({', '.join(_MESSAGE_COLUMNS)}, n)),"
    f" stored AS (INSERT INTO chat_messages ({', '.join(_MESSAGE_COLUMNS)})"
    f" SELECT {', '.join(_MESSAGE_COLUMNS)} FROM page"
    " ON CONFLICT (service_message_id) DO NOTHING RETURNING service_message_id),"
    " per_thread AS (SELECT DISTINCT ON (page.thread_id) page.thread_id, page.sent_at AS sent,"
    " left(page.body, 200) AS preview, count(*) FILTER"
    " (WHERE page.direction = 'in' AND page.read_at IS NULL)"
    " OVER (PARTITION BY page.thread_id) AS unread"
    " FROM page JOIN stored USING (service_message_id)"
    " ORDER BY page.thread_id, page.sent_at DESC, page.n DESC),"
    " advanced AS (UPDATE chat_threads SET unread_count = unread_count + per_thread.unread,"
    " last_preview = CASE WHEN last_message_at IS NULL OR last_message_at <= per_thread.sent"
    " THEN per_thread.preview ELSE last_preview END,"
    " last_message_at = CASE WHEN last_message_at IS NULL OR last_message_at <= per_thread.sent"
    " THEN per_thread.sent ELSE last_message_at END"
    " FROM per_thread WHERE chat_threads.id = per_thread.thread_id)"
)


@functools.cache
def _store_page_pg(with_cursor: bool) -> str:
    """`_STORE_PAGE_PG`, with the chat interface's state and last success saved too (three
    more parameters)."""
    save = (
        ", saved AS (UPDATE interfaces SET state = %s::json, last_success_at = %s"
        " WHERE interfaces.id = %s)"
        if with_cursor
        else ""
    )
    return _STORE_PAGE_PG + save + " SELECT service_message_id FROM stored"


@functools.lru_cache(maxsize=32)
def _advance_threads_sql(mark: str, threads: int) -> str:
    """One UPDATE of `threads` threads from a VALUES list: unread + n, the newer time and preview."""
    values = ", ".join([f"({mark}, {mark}, {mark}, {mark})"] * threads)
    newer = "last_message_at IS NULL OR last_message_at <= page.sent"
    return (
        f"WITH page (thread_id, unread, sent, preview) AS (VALUES {values})"
        " UPDATE chat_threads SET unread_count = unread_count + page.unread,"
        f" last_preview = CASE WHEN {newer} THEN page.preview ELSE last_preview END,"
        f" last_message_at = CASE WHEN {newer} THEN page.sent ELSE last_message_at END"
        " FROM page WHERE chat_threads.id = page.thread_id"
    )


def _mark(conn: sa.Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _time_param(conn: sa.Connection):
    """A time (aware, or naive UTC) as the driver takes it for a naive UTC column.

    PostgreSQL: a naive datetime. SQLite: the text SQLAlchemy's DateTime stores (its own
    formatter runs in Python for every value, five times slower than `isoformat`).
    """
    if conn.dialect.name == "sqlite":

        def to_sqlite(moment: datetime) -> str:
            if moment.tzinfo is not None:
                moment = moment.astimezone(UTC)
            return moment.isoformat(" ", "microseconds")[:26]  # without the offset

        return to_sqlite

    def to_naive(moment: datetime) -> datetime:
        return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)

    return to_naive


def store_page(
    session: Session,
    messages: Iterable,
    now: datetime | None = None,
    portal_url: str = "",
    memory: PassMemory | None = None,
    cursor: tuple[int, dict] | None = None,
) -> int:
    """Store a page of service messages idempotently; refresh the threads; notify. No commit.

    `cursor`, (the chat interface's id, its new state), is saved with the page: in the same
    transaction, and on PostgreSQL in the insert's statement (a round trip less per page).

    One INSERT .. ON CONFLICT DO NOTHING RETURNING stores the page: ids stored before (a repeat,
    a crash before the cursor moved) or by a second worker racing for the page are skipped, and
    RETURNING says which rows this call stored, so the threads' counts stay exact. Statements:
    the page's threads (none when the pass's `memory` knows them all), the insert, the threads'
    update and the cursor (both in the insert's statement on PostgreSQL), the notifications'
    recipients (once per pass), and when there are any the threads' texts and one upsert.
    """
    now = now or utcnow()
    unique: dict[str, object] = {}
    for m in messages:
        unique.setdefault(m.id, m)  # an id twice in a page: the first counts, as in the table
    page = list(unique.values())
    conn = session.connection()
    postgresql = conn.dialect.name == "postgresql"
    if cursor is not None and not (page and postgresql):
        conn.execute(_SAVE_STATE, {"interface_id": cursor[0], "new_state": cursor[1], "now": now})
        cursor = None
    if not page:
        return 0
    memory = memory or PassMemory()
    threads = _threads_for(session, conn, page, memory.threads)
    to_db = _time_param(conn)
    sent = {m.id: to_db(m.sent_at) for m in page}
    stored = _insert_messages(conn, page, threads, sent, to_db(now), to_db, cursor)
    if not stored:
        return 0
    page = [m for m in page if m.id in stored]
    if not postgresql:  # PostgreSQL's insert advanced the threads
        _advance_threads(conn, page, threads, sent)
    fresh = {threads[m.customer_id] for m in page if m.direction == INBOUND and m.read_at is None}
    if fresh:
        if memory.told is None:
            memory.told = notifications.audience(session, notifications.CHAT_UNREAD)
        notifications.chat_unread(
            session, sorted(fresh), memory.told, portal_url=portal_url, now=now
        )
    return len(page)


def _insert_messages(
    conn: sa.Connection,
    page: list,
    threads: dict[str, int],
    sent: dict,
    now,
    to_db,
    cursor: tuple[int, dict] | None,
) -> set[str]:
    """Insert a page's messages (no duplicate ids); the service ids this call stored.

    PostgreSQL: the same statement advances the threads and saves the `cursor` state
    (`_store_page_pg`).
    """
    postgresql = conn.dialect.name == "postgresql"
    stored: set[str] = set()
    for start in range(0, len(page), _CHUNK):
        chunk = page[start : start + _CHUNK]
        rows: list = []
        for m in chunk:
            read = m.read_at
            rows.append(
                (
                    threads[m.customer_id],
                    m.id,
                    m.direction,
                    m.text,
                    sent[m.id],
                    now,
                    None if read is None else to_db(read),
                    None if read is None else now,  # the service knows it is read
                    REPLY_SENT if m.direction == OUTBOUND else None,
                    m.author[:120],
                    0,
                )
            )
        if postgresql:
            params = tuple(list(column) for column in zip(*rows, strict=True))
            if cursor is not None:
                params += (json.dumps(cursor[1]), now, cursor[0])
            result = conn.exec_driver_sql(_store_page_pg(cursor is not None), params)
            cursor = None  # saved with the first chunk
        else:
            params = tuple(chain.from_iterable(rows))
            result = conn.exec_driver_sql(_insert_messages_sql(_mark(conn), len(rows)), params)
        stored.update(row[0] for row in result)
    return stored


def _advance_threads(conn: sa.Connection, page: list, threads: dict[str, int], sent: dict) -> None:
    """Add a page's new messages to their threads: unread count, last time and preview.

    One UPDATE .. FROM a VALUES list (SQLite 3.33+, PostgreSQL). `page` holds only the messages
    this call's INSERT stored (RETURNING), so adding is exact even when two workers race for a
    page; `_refresh_threads` recomputes from the messages (mark unread). `sent` holds the
    driver's values, which compare like the times (SQLite's text has one fixed width).
    """
    per_thread: dict[int, list] = {}
    for m in page:
        at, thread_id = sent[m.id], threads[m.customer_id]
        entry = per_thread.get(thread_id)
        if entry is None:
            entry = per_thread[thread_id] = [0, at, m.text]
        if m.direction == INBOUND and m.read_at is None:
            entry[0] += 1
        if at >= entry[1]:
            entry[1], entry[2] = at, m.text
    rows = [(tid, unread, at, preview[:200]) for tid, (unread, at, preview) in per_thread.items()]
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        params = tuple(chain.from_iterable(chunk))
        conn.exec_driver_sql(_advance_threads_sql(_mark(conn), len(chunk)), params)


def _refresh_threads(session: Session, thread_ids: set[int]) -> None:
    """Unread count, last time and preview of threads, from their messages (one statement each).

    The threads are locked first: a sync storing messages into them holds their rows until its
    commit, and the recount must see those messages. (Waiting inside the UPDATE would not do:
    PostgreSQL would write a count from before the sync over the sync's own "+ n".)
    """
    session.execute(
        sa.select(ChatThread.id)
        .where(ChatThread.id.in_(thread_ids))
        .order_by(ChatThread.id)
        .with_for_update()
    )
    unread = (
        sa.select(sa.func.count())
        .select_from(ChatMessage)
        .where(
            ChatMessage.thread_id == ChatThread.id,
            ChatMessage.direction == INBOUND,
            ChatMessage.read_at.is_(None),
        )
        .correlate(ChatThread)
        .scalar_subquery()
    )
    latest = so.aliased(ChatMessage)
    last_id = (
        sa.select(latest.id)
        .where(latest.thread_id == ChatThread.id)
        .order_by(latest.sent_at.desc(), latest.id.desc())
        .limit(1)
        .correlate(ChatThread)
        .scalar_subquery()
    )
    shown = so.aliased(ChatMessage)
    session.execute(
        sa.update(ChatThread)
        .where(ChatThread.id.in_(thread_ids))
        .values(
            unread_count=unread,
            last_message_at=sa.select(shown.sent_at).where(shown.id == last_id).scalar_subquery(),
            last_preview=sa.select(sa.func.substr(shown.body, 1, 200))
            .where(shown.id == last_id)
            .scalar_subquery(),
        )
        .execution_options(synchronize_session=False)
    )


# ---- threads ------------------------------------------------------------------------------------
# The inbox's listing is app/services/chat_inbox.py.


def messages_of(session: Session, thread_id: int, limit: int = 200) -> list[ChatMessage]:
    """A thread's latest messages, oldest first: in the order they were written (a customer's
    message synced after the branch's reply still comes before it when it was written first)."""
    rows = list(
        session.scalars(
            sa.select(ChatMessage)
            .where(ChatMessage.thread_id == thread_id)
            .order_by(ChatMessage.sent_at.desc(), ChatMessage.id.desc())
            .limit(limit)
        )
    )
    rows.reverse()
    return rows


def unread_threads(session: Session) -> int:
    """The navigation badge: threads with unread customer messages."""
    return (
        session.scalar(
            sa.select(sa.func.count()).select_from(ChatThread).where(ChatThread.unread_count > 0)
        )
        or 0
    )


# ---- reading ------------------------------------------------------------------------------------


def _update_messages(session: Session, ids, *where, **values) -> int:
    """One UPDATE of these messages (the session's loaded copies are not touched); how many."""
    return (
        session.execute(
            sa.update(ChatMessage)
            .where(ChatMessage.id.in_(ids), *where)
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )


def mark_read(session: Session, thread: ChatThread, now: datetime | None = None) -> list[int]:
    """Mark the thread's unread customer messages read (local); the ids to report. No commit."""
    now = now or utcnow()
    ids = list(
        session.scalars(
            sa.select(ChatMessage.id).where(
                ChatMessage.thread_id == thread.id,
                ChatMessage.direction == INBOUND,
                ChatMessage.read_at.is_(None),
            )
        )
    )
    read = _update_messages(session, ids, ChatMessage.read_at.is_(None), read_at=now) if ids else 0
    if read:
        # Relative, as the sync adds: a message it stored since the select above stays counted
        # (a plain 0 would hide it from the badge while it is unread).
        count = ChatThread.unread_count
        session.execute(
            sa.update(ChatThread)
            .where(ChatThread.id == thread.id)
            .values(unread_count=sa.case((count > read, count - read), else_=0))
            .execution_options(synchronize_session=False)
        )
        session.expire(thread, ["unread_count"])
    notifications.thread_read(session, thread.id, now)
    return ids


def mark_unread(session: Session, thread: ChatThread) -> bool:
    """ "Als ungelesen markieren": the latest customer message counts as unread again. No commit."""
    last = session.scalar(
        sa.select(ChatMessage)
        .where(ChatMessage.thread_id == thread.id, ChatMessage.direction == INBOUND)
        .order_by(ChatMessage.sent_at.desc(), ChatMessage.id.desc())
        .limit(1)
    )
    if last is None:
        return False
    last.read_at = None
    session.flush()
    _refresh_threads(session, {thread.id})
    session.expire(thread)
    return True


def report_reads(
    session: Session,
    box: SecretBox,
    now: datetime | None = None,
    timeouts: tuple[float, float] | None = None,
    limit: int = 200,
) -> int:
    """Tell the service which messages were read (commits); failures stay for the next pass."""
    now = now or utcnow()
    pending = session.execute(
        sa.select(ChatMessage.id, ChatMessage.service_message_id)
        .where(
            ChatMessage.direction == INBOUND,
            ChatMessage.read_at.is_not(None),
            ChatMessage.read_reported_at.is_(None),
            ChatMessage.service_message_id.is_not(None),
        )
        .order_by(ChatMessage.id)
        .limit(limit)
    ).all()
    if not pending:
        return 0
    service = service_interface(session, now.date())
    if service is None:
        return 0
    done = []
    try:
        with client_for(session, box, service, timeouts) as client:
            for local_id, service_id in pending:
                try:
                    client.mark_read(service_id)
                except SinnoError as exc:
                    if exc.code == "message_not_found":
                        done.append(local_id)  # nothing to mark at the service
                        continue
                    log.info("Reporting chat reads stopped: %r", exc)
                    break
                done.append(local_id)
    except SecretError:
        return 0
    if done:
        _update_messages(session, done, read_reported_at=now)
    session.commit()
    return len(done)


# ---- replies ------------------------------------------------------------------------------------


def add_reply(session: Session, thread: ChatThread, text: str, author) -> ChatMessage:
    """Store a reply (queued, with its idempotency key); answering reads the thread. No commit."""
    text = (text or "").strip()
    if not text:
        raise ReplyError(_("Bitte geben Sie eine Antwort ein."))
    if len(text) > MAX_TEXT:
        raise ReplyError(
            _(
                "Die Antwort hat %(n)d Zeichen; erlaubt sind höchstens %(max)d.",
                n=len(text),
                max=MAX_TEXT,
            )
        )
    now = utcnow()
    reply = ChatMessage(
        thread_id=thread.id,
        direction=OUTBOUND,
        body=text,
        sent_at=now,
        created_at=now,
        status=REPLY_QUEUED,
        idempotency_key=str(uuid.uuid4()),
        author_id=getattr(author, "id", None),
        author_name=(getattr(author, "display_name", "") or "")[:120],
    )
    session.add(reply)
    mark_read(session, thread, now)
    thread.last_message_at, thread.last_preview = now, text[:200]
    return reply


def _deliver(
    session: Session, client, reply: ChatMessage, thread: ChatThread, now: datetime
) -> bool:
    """Post one reply already marked "sending"; store the outcome (no commit)."""
    try:
        posted = client.post_reply(
            thread.service_customer_id,
            reply.body,
            idempotency_key=reply.idempotency_key,
            author=reply.author_name,
        )
    except SinnoError as exc:
        reply.error = exc.text  # StoredText: rendered in the reader's language
        reply.next_attempt_at = RETRY.next_attempt(
            now, reply.attempts, exc.retry_after, passing=exc.passing
        )
        reply.status = REPLY_FAILED if reply.next_attempt_at is None else REPLY_QUEUED
        record_reply_failure(session, reply)
        return False
    # A sync may have stored this very message already (the post went through before a crash):
    # that copy goes, the reply keeps the id.
    copy = sa.delete(ChatMessage).where(
        ChatMessage.service_message_id == posted.id, ChatMessage.id != reply.id
    )
    session.execute(copy)
    try:
        with session.begin_nested():
            reply.service_message_id = posted.id
            session.flush()
    except sa.exc.IntegrityError:
        # A sync was storing it at that moment: the delete did not see its copy, the id waited
        # for the sync's commit and collided. Now the copy is visible (PostgreSQL only).
        session.execute(copy)
        reply.service_message_id = posted.id
    reply.status, reply.error, reply.next_attempt_at = REPLY_SENT, None, None
    return True


def deliver_now(session: Session, box: SecretBox, reply: ChatMessage, timeouts=None) -> bool:
    """Deliver a just-stored reply at once (commits before and after the call)."""
    now = utcnow()
    reply.status, reply.claimed_at, reply.attempts = REPLY_SENDING, now, reply.attempts + 1
    session.commit()  # stored (with its key) before the service is called
    thread = session.get(ChatThread, reply.thread_id)
    service = service_interface(session, now.date())
    if service is None:
        reply.status, reply.next_attempt_at = REPLY_QUEUED, now + timedelta(minutes=1)
        reply.error = T_(
            "Keine angemeldete SiNNO-App Service Schnittstelle; die Antwort wird gesendet, "
            "sobald eine angemeldet ist."
        )
        session.commit()
        return False
    try:
        with client_for(session, box, service, timeouts) as client:
            ok = _deliver(session, client, reply, thread, now)
    except SecretError:
        reply.status, reply.error = (
            REPLY_FAILED,
            T_("Die Anmeldung der SiNNO-Schnittstelle kann nicht entschlüsselt werden."),
        )
        record_reply_failure(session, reply)
        ok = False
    session.commit()
    return ok


def deliver_due(
    session: Session, box: SecretBox, now: datetime | None = None, timeouts=None, limit: int = 50
) -> int:
    """The worker's job: deliver queued replies and ones left "sending" by a dead process.

    Re-sending a stale one is safe: the same idempotency key never posts twice.
    """
    now = now or utcnow()
    ids = claim(
        session,
        ChatMessage,
        [ChatMessage.direction == OUTBOUND, RETRY.due(ChatMessage, now)],
        sending(ChatMessage, now),
        limit=limit,
    )
    if not ids:
        return 0
    service = service_interface(session, now.date())
    if service is None:
        _update_messages(
            session, ids, status=REPLY_QUEUED, next_attempt_at=now + timedelta(minutes=1)
        )
        session.commit()
        return 0
    sent = 0
    with client_for(session, box, service, timeouts) as client:
        for reply in session.scalars(
            sa.select(ChatMessage).where(ChatMessage.id.in_(ids)).order_by(ChatMessage.id)
        ).all():
            thread = session.get(ChatThread, reply.thread_id)
            sent += _deliver(session, client, reply, thread, now)
            session.commit()
    return sent


def resend(session: Session, reply: ChatMessage) -> bool:
    """ "Erneut senden" for a failed reply: queued again with fresh attempts and the same key."""
    if reply.direction != OUTBOUND or reply.status != REPLY_FAILED:
        return False
    reply.status, reply.attempts, reply.next_attempt_at, reply.error = REPLY_QUEUED, 0, None, None
    return True


def record_reply_failure(session: Session, reply: ChatMessage) -> None:
    """A reply that failed for good shows in the chat interface's history."""
    chat = chat_interface(session)
    if chat is not None and reply.status == REPLY_FAILED:
        record_event(session, chat, "chat_reply", None, ok=False, message=reply.error or "")
