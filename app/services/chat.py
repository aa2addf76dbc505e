"""SiNNO-Chat: synchronisation with the service, the inbox, replies with their delivery state.

Sync (worker, every CHAT_SYNC_SECONDS): pages of messages after the stored cursor are fetched
through the logged-in SiNNO-App Service interface. Each page is stored and the cursor advanced in
one transaction; messages are inserted with ON CONFLICT DO NOTHING on the service's unique
message id. A crash before the commit only means the page is fetched again; a repeat or a second
worker stores nothing twice, and the cursor never passes a message that is not stored. Faults back
off (Retry-After respected) and land in the chat interface's history.

Replies are stored first (queued) with an idempotency key, then delivered (at once by the request,
else by the worker): a retry with the same key can never post twice. Reading a thread marks its
messages read locally at once and at the service (retried by the worker when that fails).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.orm import Session

from app.i18n import T_, _
from app.models import ChatMessage, ChatThread, Customer, Interface
from app.models.base import utcnow
from app.models.chat import INBOUND, OUTBOUND, REPLY_FAILED, REPLY_QUEUED, REPLY_SENDING, REPLY_SENT
from app.services import notifications
from app.services.interface_types import SERVER
from app.services.interfaces import record_check, record_event, resolve
from app.services.retry import RetryPolicy, claim, sending
from app.services.secrets import SecretBox, SecretError
from app.services.sinno import SinnoError
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


def _lock(session: Session, interface_id: int) -> Interface | None:
    """The chat interface row, locked for this transaction (None: another worker has it)."""
    return session.scalar(
        sa.select(Interface)
        .where(Interface.id == interface_id)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )


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
    try:
        while report.pages < MAX_PAGES:
            locked = _lock(session, chat_id)
            if locked is None:
                report.skipped = "busy"
                session.rollback()
                break
            cursor = (locked.state or {}).get("cursor")
            page = client.list_messages(since=cursor, limit=page_size)
            report.stored += store_page(session, page.messages, now, portal_url)
            report.pages += 1
            recovered = bool((locked.state or {}).get("failures")) or (locked.state or {}).get(
                "note"
            )
            _set_state(
                locked,
                cursor=page.next_cursor,
                last_sync_at=now.isoformat(),
                failures=0,
                note=None,
                last_error=None,
                next_sync_at=(now + timedelta(seconds=interval_seconds)).isoformat(),
            )
            if recovered or locked.last_error:
                record_check(
                    session,
                    locked,
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
        client.close()
    return report


def _threads_for(session: Session, messages: list) -> dict[str, int]:
    """Service customer id -> thread id for a page, creating missing threads (three statements)."""
    wanted = {m.customer_id for m in messages}
    found = dict(session.connection().execute(_THREAD_IDS, {"ids": list(wanted)}).all())
    missing = wanted - set(found)
    if not missing:
        return found
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
                search_text=" ".join(
                    filter(None, [name.lower(), number.lower(), customer_id.lower()])
                )[:200],
                last_preview="",
                unread_count=0,
                created_at=utcnow(),
            )
        )
    session.execute(
        _insert(session, ChatThread)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["service_customer_id"])
    )
    found.update(session.connection().execute(_THREAD_IDS, {"ids": list(missing)}).all())
    return found


def _insert(session: Session, model):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model)


_KNOWN = sa.select(ChatMessage.__table__.c.service_message_id).where(
    ChatMessage.__table__.c.service_message_id.in_(sa.bindparam("ids", expanding=True))
)
_THREAD_IDS = sa.select(
    ChatThread.__table__.c.service_customer_id, ChatThread.__table__.c.id
).where(ChatThread.__table__.c.service_customer_id.in_(sa.bindparam("ids", expanding=True)))


def store_page(
    session: Session, messages: Iterable, now: datetime | None = None, portal_url: str = ""
) -> int:
    """Store a page of service messages idempotently; refresh the threads; notify. No commit."""
    now = now or utcnow()
    messages = list(messages)
    if not messages:
        return 0
    threads = _threads_for(session, messages)
    rows = []
    for m in messages:
        rows.append(
            dict(
                thread_id=threads[m.customer_id],
                service_message_id=m.id,
                direction=m.direction,
                body=m.text,
                sent_at=m.sent_at.replace(tzinfo=None) if m.sent_at.tzinfo else m.sent_at,
                created_at=now,
                read_at=(
                    m.read_at.replace(tzinfo=None) if m.read_at and m.read_at.tzinfo else m.read_at
                ),
                read_reported_at=now if m.read_at else None,
                status=REPLY_SENT if m.direction == OUTBOUND else None,
                author_name=(m.author or "")[:120],
                attempts=0,
            )
        )
    # Ids already stored (an earlier run, a repeat) are skipped; ON CONFLICT covers a second
    # worker racing for the same page. One executemany, compiled once for every page.
    # (Core statements with expanding parameters: no ORM bookkeeping per row.)
    conn = session.connection()
    known = set(conn.execute(_KNOWN, {"ids": [r["service_message_id"] for r in rows]}).scalars())
    rows = [r for r in rows if r["service_message_id"] not in known]
    if rows:
        # RETURNING tells which rows this worker stored (another may have won a race for some).
        table = ChatMessage.__table__
        stored = set(
            conn.execute(
                _insert(session, table)
                .on_conflict_do_nothing(index_elements=["service_message_id"])
                .returning(table.c.service_message_id),
                rows,
            ).scalars()
        )
        rows = [r for r in rows if r["service_message_id"] in stored]
    if not rows:
        return 0
    _advance_threads(session, rows)
    fresh = {r["thread_id"] for r in rows if r["direction"] == INBOUND and r["read_at"] is None}
    if fresh:
        notifications.notify_many(
            session,
            notifications.CHAT_UNREAD,
            [
                notifications.Occurrence(
                    {"customer": name, "preview": preview, "unread": unread},
                    f"chat:{thread_id}",
                    thread_id,
                )
                for thread_id, name, preview, unread in session.execute(
                    sa.select(
                        ChatThread.id,
                        ChatThread.customer_name,
                        ChatThread.last_preview,
                        ChatThread.unread_count,
                    )
                    .where(ChatThread.id.in_(fresh))
                    .order_by(ChatThread.id)
                )
            ],
            portal_url=portal_url,
            now=now,
        )
    return len(rows)


def _advance_threads(session: Session, rows: list[dict]) -> None:
    """Add a page's new messages to their threads: unread count, last time and preview (one executemany).

    `rows` are only the messages this worker's INSERT stored (RETURNING), so adding is exact even
    when two workers race for a page; `_refresh_threads` recomputes from the messages (mark unread).
    """
    per_thread: dict[int, dict] = {}
    for r in rows:
        entry = per_thread.setdefault(
            r["thread_id"],
            {"tid": r["thread_id"], "unread": 0, "at": r["sent_at"], "preview": r["body"][:200]},
        )
        if r["direction"] == INBOUND and r["read_at"] is None:
            entry["unread"] += 1
        if r["sent_at"] >= entry["at"]:
            entry["at"], entry["preview"] = r["sent_at"], r["body"][:200]
    t = ChatThread.__table__.c  # Core: an executemany with its own WHERE, not the ORM's bulk update
    newer = sa.or_(t.last_message_at.is_(None), t.last_message_at <= sa.bindparam("at"))
    session.connection().execute(
        sa.update(ChatThread.__table__)
        .where(t.id == sa.bindparam("tid"))
        .values(
            unread_count=t.unread_count + sa.bindparam("unread"),
            last_message_at=sa.case((newer, sa.bindparam("at")), else_=t.last_message_at),
            last_preview=sa.case((newer, sa.bindparam("preview")), else_=t.last_preview),
        ),
        list(per_thread.values()),
    )


def _refresh_threads(session: Session, thread_ids: set[int]) -> None:
    """Unread count, last time and preview of threads, from their messages (one statement each)."""
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
    """A thread's latest messages, oldest first."""
    rows = list(
        session.scalars(
            sa.select(ChatMessage)
            .where(ChatMessage.thread_id == thread_id)
            .order_by(ChatMessage.id.desc())
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


def _update_messages(session: Session, ids, **values) -> None:
    """One UPDATE of these messages (the session's loaded copies are not touched)."""
    session.execute(
        sa.update(ChatMessage)
        .where(ChatMessage.id.in_(ids))
        .values(**values)
        .execution_options(synchronize_session=False)
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
    if ids:
        _update_messages(session, ids, read_at=now)
    thread.unread_count = 0
    notifications.thread_read(session, thread.id, now)
    return ids


def mark_unread(session: Session, thread: ChatThread) -> bool:
    """ "Als ungelesen markieren": the latest customer message counts as unread again. No commit."""
    last = session.scalar(
        sa.select(ChatMessage)
        .where(ChatMessage.thread_id == thread.id, ChatMessage.direction == INBOUND)
        .order_by(ChatMessage.id.desc())
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
        return False
    # A sync may have stored this very message already (the post went through before a crash).
    session.execute(
        sa.delete(ChatMessage).where(
            ChatMessage.service_message_id == posted.id, ChatMessage.id != reply.id
        )
    )
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
