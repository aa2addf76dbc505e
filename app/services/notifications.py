"""Notifications: events, each user's channel per event, the in-portal centre, e-mail and SMS.

`notify(session, event, ...)` is the one entry point for every feature. Per recipient it looks
up the chosen channel (or the event's default) and stores one `Notification` row, coalesced by
`coalesce_key` while unread (one per chat thread, not one per message). For the channels
"email" and "sms" it also queues a row in the e-mail or SMS outbox in the same transaction; the
worker sends it (committed before sending, retried, never twice). The caller commits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.i18n import N_, TN_, Text, _, current_language, render_param, translator_for
from app.i18n import _ as _current_reader
from app.models import Interface, Notification, NotificationPreference, SmsMessage, User
from app.models.base import dialect_insert, utcnow
from app.models.outbox import QUEUED
from app.services import mail, sms_length
from app.services.interface_types import SERVER
from app.services.interfaces import resolve
from app.services.pagination import LIST_PAGE_SIZE, Slice, fetch_slice
from app.services.smsapi import SmsApiSettings

log = logging.getLogger(__name__)

NONE, MESSAGE, EMAIL, SMS = "none", "message", "email", "sms"
CHANNELS = (NONE, MESSAGE, EMAIL, SMS)
CHANNEL_LABELS = {
    NONE: N_("Keine Benachrichtigung"),
    MESSAGE: N_("Nachricht"),
    EMAIL: N_("E-Mail"),
    SMS: N_("SMS"),
}

CHAT_UNREAD = "chat_unread"
SMS_FAILED = "sms_failed"
SMS_LOW_BALANCE = "sms_low_balance"
INTERFACE_ALERT = "interface_alert"
SMS_TEXT_MAX = 300  # characters of a notification SMS (two to five parts)


@dataclass(frozen=True)
class Event:
    """Something a user can be notified of; `roles` says who has it at all."""

    key: str
    label: str  # German; shown through _()
    roles: frozenset[str]
    default: str = MESSAGE
    # E-mail and SMS rows are never read in the portal, so nothing ends their coalescing the way
    # reading a chat thread does: with this set, one older than it is closed and the next
    # occurrence sends anew (at most one mail or SMS per key and window, each counting the rest).
    outside_window: timedelta | None = None


EVENTS: dict[str, Event] = {}


def register_event(event: Event) -> Event:
    """Add an event (e.g. the status board's alerts); order of registration is the table's order."""
    if event.key in EVENTS:
        raise ValueError(f"Notification event {event.key!r} is registered twice")
    EVENTS[event.key] = event
    return event


# The chat inbox is for employees and admins, so "everyone" who can read chats gets it.
register_event(
    Event(CHAT_UNREAD, N_("Ungelesene SiNNO-Chat-Nachrichten"), frozenset({"employee", "admin"}))
)
register_event(
    Event(
        SMS_FAILED,
        N_("SMS-Versand fehlgeschlagen"),
        frozenset({"admin"}),
        outside_window=timedelta(hours=1),
    )
)
register_event(Event(SMS_LOW_BALANCE, N_("SMS-Guthaben niedrig"), frozenset({"admin"})))
# The status board's alerts (issue 16): a failing check or failing SMS, and its recovery.
register_event(Event(INTERFACE_ALERT, N_("Störung einer Schnittstelle"), frozenset({"admin"})))


class PreferenceError(ValueError):
    """A channel that is not available for this user; nothing was saved."""

    def __init__(self, event: str, message: str):
        super().__init__(message)
        self.event = event
        self.message = message


def events_for(role: str) -> list[Event]:
    """The events a role can choose a channel for, in table order."""
    return [e for e in EVENTS.values() if role in e.roles]


def email_interface(session: Session, today: date | None = None) -> Interface | None:
    """The server-side E-Mail interface that applies now, if any."""
    return resolve(session, "E-Mail", SERVER, today or date.today(), type_key="email_smtp")


def sms_interface(
    session: Session, branch_id: int | None, today: date | None = None
) -> Interface | None:
    """The server-side SMS interface that applies for a user's branch, if any."""
    return resolve(
        session, "SMS", SERVER, today or date.today(), branch_id=branch_id, type_key="smsapi"
    )


@dataclass(frozen=True)
class Availability:
    """Which channels a user may choose, and why not the others (texts in the reader's language)."""

    channels: tuple[str, ...]
    reasons: dict[str, str]


def availability(session: Session, user, today: date | None = None) -> Availability:
    """E-mail needs an E-Mail interface and the user's address; SMS an SMS interface and a mobile."""
    channels, reasons = [NONE, MESSAGE], {}
    if email_interface(session, today) is None:
        reasons[EMAIL] = _("Es ist keine E-Mail-Schnittstelle eingerichtet.")
    elif not user.email:
        reasons[EMAIL] = _("Tragen Sie unter Profil Ihre E-Mail-Adresse ein.")
    else:
        channels.append(EMAIL)
    if sms_interface(session, user.branch_id, today) is None:
        reasons[SMS] = _("Es ist keine SMS-Schnittstelle eingerichtet.")
    elif not user.mobile:
        reasons[SMS] = _("Tragen Sie unter Profil Ihre Mobilfunknummer ein.")
    else:
        channels.append(SMS)
    return Availability(tuple(channels), reasons)


def preferences(session: Session, user_id: int, role: str) -> dict[str, str]:
    """Event -> channel of one user, defaults filled in."""
    stored = dict(
        session.execute(
            sa.select(NotificationPreference.event, NotificationPreference.channel).where(
                NotificationPreference.user_id == user_id
            )
        ).all()
    )
    return {e.key: stored.get(e.key, e.default) for e in events_for(role)}


def set_preferences(
    session: Session, user, choices: dict[str, str], today: date | None = None
) -> list[str]:
    """Store one user's choices (only their own events and available channels); the changed events.

    Raises PreferenceError before anything is written when a choice is not allowed.
    """
    allowed = availability(session, user, today).channels
    events = {e.key: e for e in events_for(user.role)}
    current = preferences(session, user.id, user.role)
    for event, channel in choices.items():
        if event not in events:
            raise PreferenceError(event, _("Unbekanntes Ereignis."))
        if channel not in allowed and channel != current.get(event):
            raise PreferenceError(
                event,
                _(
                    "Der Kanal „%(channel)s“ ist für Sie nicht verfügbar.",
                    channel=_(CHANNEL_LABELS.get(channel, channel)),
                ),
            )
    rows = {
        p.event: p
        for p in session.scalars(
            sa.select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    changed = []
    for event, channel in choices.items():
        if current.get(event) == channel:
            continue
        changed.append(event)
        row = rows.get(event)
        if row is None:
            session.add(NotificationPreference(user_id=user.id, event=event, channel=channel))
        else:
            row.channel, row.updated_at = channel, utcnow()
    return changed


# ---- raising notifications -------------------------------------------------------------------


_USERS, _PREFS = User.__table__.c, NotificationPreference.__table__.c
# Who is told of an event and how: built once (a statement built per call costs more than it runs).
_AUDIENCE = (
    sa.select(_USERS.id, sa.func.coalesce(_PREFS.channel, sa.bindparam("default")))
    .outerjoin(
        NotificationPreference.__table__,
        sa.and_(_PREFS.user_id == _USERS.id, _PREFS.event == sa.bindparam("event")),
    )
    .where(
        _USERS.is_active_account.is_(True),
        _USERS.role.in_(sa.bindparam("roles", expanding=True)),
    )
    .order_by(_USERS.id)
)
_AUDIENCE_OF = _AUDIENCE.where(_USERS.id.in_(sa.bindparam("users", expanding=True)))


def audience(
    session: Session, event: Event | str, user_ids: Iterable[int] | None = None
) -> dict[int, str]:
    """User id -> chosen channel of everyone to tell of `event` ("none" left out); one statement."""
    event = EVENTS[event] if isinstance(event, str) else event
    params: dict[str, Any] = {
        "default": event.default,
        "event": event.key,
        "roles": sorted(event.roles),
    }
    stmt = _AUDIENCE
    if user_ids is not None:
        stmt, params["users"] = _AUDIENCE_OF, list(user_ids)
    return {
        user_id: channel
        for user_id, channel in session.connection().execute(stmt, params)
        if channel != NONE
    }


@dataclass(frozen=True)
class Occurrence:
    """One thing to notify of (e.g. one chat thread with new messages)."""

    params: dict[str, Any]
    coalesce_key: str | None = None
    thread_id: int | None = None
    interface_id: int | None = None


def notify(
    session: Session,
    event: str,
    *,
    params: dict[str, Any] | None = None,
    users: Iterable[int] | None = None,
    coalesce_key: str | None = None,
    thread_id: int | None = None,
    interface_id: int | None = None,
    portal_url: str = "",
    now: datetime | None = None,
) -> int:
    """Tell everyone concerned (or `users`) of an event through their chosen channel.

    With a `coalesce_key`, an unread notification with that key is updated (count + 1, newest
    params) instead of adding one, and no second e-mail or SMS goes out. Returns how many
    notifications were raised or bumped. The caller commits (the outbox rows go with it).
    """
    return notify_many(
        session,
        event,
        [Occurrence(dict(params or {}), coalesce_key, thread_id, interface_id)],
        users=users,
        portal_url=portal_url,
        now=now,
    )


def notify_many(
    session: Session,
    event: str,
    occurrences: list[Occurrence],
    *,
    users: Iterable[int] | None = None,
    portal_url: str = "",
    now: datetime | None = None,
) -> int:
    """`notify` for several occurrences at once: two statements (recipients, one upsert)."""
    spec = EVENTS[event]
    if not occurrences:
        return 0
    told = audience(session, spec, users)
    if not told:
        return 0
    return _raise(session, spec, occurrences, told, portal_url, now or utcnow())


def chat_unread(
    session: Session,
    thread_ids: list[int],
    told: dict[int, str],
    *,
    portal_url: str = "",
    now: datetime | None = None,
) -> int:
    """New unread customer messages in chat threads: one notification per thread and recipient,
    bumped while unread (the thread's name, latest preview and unread count as parameters).

    `told` is `audience(session, CHAT_UNREAD)`, which a sync reads once per pass. Two statements
    (the threads' texts, one upsert); none when there is nobody to tell.
    """
    from app.models import ChatMessage, ChatThread
    from app.models.chat import INBOUND

    if not told or not thread_ids:
        return 0
    t = ChatThread.__table__.c
    m = ChatMessage.__table__.c
    # The customer's newest message: the thread's last one may be the branch's own reply.
    newest = (
        sa.select(sa.func.substr(m.body, 1, 200))
        .where(m.thread_id == t.id, m.direction == INBOUND)
        .order_by(m.sent_at.desc(), m.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    occurrences = [
        Occurrence(
            {"customer": name, "preview": preview or "", "unread": unread},
            f"chat:{thread_id}",
            thread_id,
        )
        for thread_id, name, preview, unread in session.connection().execute(
            sa.select(t.id, t.customer_name, newest, t.unread_count)
            .where(t.id.in_(thread_ids))
            .order_by(t.id)
        )
    ]
    return _raise(session, EVENTS[CHAT_UNREAD], occurrences, told, portal_url, now or utcnow())


def _raise(
    session: Session,
    event: Event,
    occurrences: list[Occurrence],
    told: dict[int, str],
    portal_url: str,
    now: datetime,
) -> int:
    """One upsert for every occurrence and recipient; e-mail and SMS only for new rows.

    An unread row with the same coalesce key (this call's, or one a second worker raised a
    moment ago) is bumped: count + n, the newest params. A key twice in one call counts twice.
    """
    if event.outside_window is not None:
        _close_outside(session, event, occurrences, now)
    rows: dict[tuple, dict] = {}  # (user, coalesce key, or the occurrence's number without one)
    for number, occurrence in enumerate(occurrences):
        for user_id, channel in told.items():
            key = (user_id, occurrence.coalesce_key, None if occurrence.coalesce_key else number)
            row = rows.get(key)
            rows[key] = dict(
                user_id=user_id,
                event=event.key,
                channel=channel,
                coalesce_key=occurrence.coalesce_key,
                params=occurrence.params,
                count=row["count"] + 1 if row else 1,
                thread_id=occurrence.thread_id,
                interface_id=occurrence.interface_id,
                created_at=now,
                updated_at=now,
            )
    stmt = dialect_insert(session, Notification.__table__)
    t = Notification.__table__.c
    stmt = stmt.on_conflict_do_update(
        index_elements=["user_id", "coalesce_key"],
        index_where=sa.text("read_at IS NULL AND coalesce_key IS NOT NULL"),
        set_={
            "count": t["count"] + stmt.excluded["count"],
            "params": stmt.excluded.params,
            "updated_at": stmt.excluded.updated_at,
        },
    ).returning(t.id, t.user_id, t.coalesce_key, t.channel, t["count"])
    raised = session.connection().execute(stmt, list(rows.values())).all()
    # A new row's count is what this call inserted; a bumped one's is more.
    outside = [
        row.id
        for row in raised
        if row.channel in (EMAIL, SMS)
        and (
            row.coalesce_key is None
            or row.count == rows[(row.user_id, row.coalesce_key, None)]["count"]
        )
    ]
    if outside:
        users = {u.id: u for u in session.scalars(sa.select(User).where(User.id.in_(told)))}
        for row in session.scalars(sa.select(Notification).where(Notification.id.in_(outside))):
            if not _send_outside(session, users[row.user_id], row, row.channel, portal_url):
                row.channel = MESSAGE  # not lost: shown in the portal instead
    return len(raised)


def _close_outside(
    session: Session, event: Event, occurrences: list[Occurrence], now: datetime
) -> None:
    """End the coalescing of e-mail and SMS rows older than the event's window (see Event)."""
    keys = {o.coalesce_key for o in occurrences if o.coalesce_key}
    if keys:
        session.execute(
            sa.update(Notification)
            .where(
                Notification.event == event.key,
                Notification.coalesce_key.in_(keys),
                Notification.channel.in_((EMAIL, SMS)),
                Notification.read_at.is_(None),
                Notification.created_at <= now - event.outside_window,
            )
            .values(read_at=now)
            .execution_options(synchronize_session=False)
        )


def _send_outside(
    session: Session, user: User, row: Notification, channel: str, portal_url: str
) -> bool:
    """Queue the e-mail or SMS of a new notification (the worker sends it); False when the
    channel is no longer possible (a chosen channel is kept when its interface or the user's
    address goes away)."""
    language = user.locale if user.locale in ("de", "en") else "de"
    title, body = describe(row.event, row.params, row.count, language)
    link = portal_url.rstrip("/") + link_path(row) if portal_url else ""
    if channel == EMAIL:
        interface = email_interface(session)
        if interface is None or not user.email:
            log.warning("E-mail notification for user %s: no interface or address", user.id)
            return False
        _ = translator_for(language)
        composed = mail.compose(
            title,
            [body],
            (_("Im Portal öffnen"), link) if link else None,
            footer=_(
                "Diese Benachrichtigung können Sie unter Mein Bereich > Benachrichtigungen ändern."
            ),
            language=language,
        )
        mail.queue(session, interface.id, user.email, composed, language, user_id=user.id)
        return True
    else:
        interface = sms_interface(session, user.branch_id)
        if interface is None or not user.mobile:
            log.warning("SMS notification for user %s: no interface or number", user.id)
            return False
        text = _sms_text(f"{title}: {body}", SmsApiSettings.of(interface).max_chars)
        session.add(
            SmsMessage(
                kind="notification",
                status=QUEUED,
                interface_id=interface.id,
                to_number=user.mobile,
                text=text,
                parts=1,
            )
        )
    return True


def _sms_text(text: str, max_chars: int | None) -> str:
    """A notification SMS: at most 300 characters, and no more than the interface's "Max. Zeichen"
    lets through (the client asks the gateway for at most the parts that allows; more is refused)."""
    text = text[: min(SMS_TEXT_MAX, max_chars or SMS_TEXT_MAX)]
    while text and max_chars:
        length = sms_length.count(text)
        if length.parts <= sms_length.max_parts_for(max_chars, length.encoding):
            break
        text = text[:-1]
    return text


# ---- reading ---------------------------------------------------------------------------------


def _stored_param(value: Any, language: str | None) -> str:
    """A parameter that holds a stored Text (as data), a number or plain text, in `language`."""
    if isinstance(value, dict) and "t" in value:
        return Text.from_data(value).render(language)
    if isinstance(value, dict):
        return str(render_param(value, language or current_language()))
    return "" if value is None else str(value)


def describe(
    event: str, params: dict[str, Any], count: int, language: str | None = None
) -> tuple[str, str]:
    """Title and text of a notification, in `language` (default: the current reader's)."""
    _ = translator_for(language) if language else _current_reader
    spec = EVENTS.get(event)
    title = _(spec.label) if spec else event
    p = {k: ("" if v is None else v) for k, v in (params or {}).items()}
    if event == CHAT_UNREAD:
        # What the customer wrote, true once it is read too (not "2 unread" on a read notification).
        body = TN_(
            "%(customer)s hat geschrieben: „%(preview)s“",
            "%(customer)s hat %(messages)d Nachrichten geschrieben, zuletzt: „%(preview)s“",
            "messages",
            customer=str(p.get("customer", "?")),
            messages=int(p.get("unread", count) or count),
            preview=str(p.get("preview", "")),
        ).render(language)
    elif event == SMS_FAILED:
        body = _(
            "SMS an +%(number)s über %(interface)s endgültig fehlgeschlagen: %(error)s",
            number=p.get("number", "?"),
            interface=p.get("interface", "?"),
            error=_stored_param(p.get("error"), language),
        )
        if count > 1:
            body += " " + _("(%(count)d Fehlschläge)", count=count)
    elif event == SMS_LOW_BALANCE:
        body = _(
            "Das Guthaben von %(interface)s ist niedrig: %(points)s Punkte.",
            interface=p.get("interface", "?"),
            points=_stored_param(p.get("points", "?"), language),
        )
    elif event == INTERFACE_ALERT:
        message = _stored_param(p.get("message"), language)
        body = (
            _(
                "%(interface)s arbeitet wieder: %(text)s",
                interface=p.get("interface", "?"),
                text=message,
            )
            if p.get("recovered")
            else _("%(interface)s: %(text)s", interface=p.get("interface", "?"), text=message)
        )
    else:
        body = str(p.get("text", ""))
    return title, body


def link_path(row: Notification) -> str:
    """Where a notification leads (a path without the portal's address)."""
    if row.thread_id:
        return f"/chat/{row.thread_id}"
    if row.interface_id:
        return f"/interfaces/{row.interface_id}"
    return "/notifications"


def _unread(user_id) -> sa.Select:
    """The count of a user's unread in-portal notifications (the bell's number)."""
    return (
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.read_at.is_(None),
            Notification.channel == MESSAGE,
        )
    )


def unread_count(session: Session, user_id: int) -> int:
    """The bell's number: unread in-portal notifications."""
    return session.scalar(_unread(user_id)) or 0


def _own(user_id: int) -> sa.Select:
    """One user's centre entries (only their own), unread first, then newest first."""
    return (
        sa.select(Notification)
        .where(Notification.user_id == user_id, Notification.channel == MESSAGE)
        .order_by(
            Notification.read_at.is_not(None),
            Notification.updated_at.desc(),
            Notification.id.desc(),
        )
    )


def listing(
    session: Session, user_id: int, limit: int = 50, unread_only: bool = False
) -> list[Notification]:
    """One user's notifications, unread first, then newest first (only their own)."""
    stmt = _own(user_id).limit(limit)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return list(session.scalars(stmt))


def centre_page(
    session: Session, user_id: int, page: int = 1, per_page: int = LIST_PAGE_SIZE
) -> Slice:
    """One page of the notification centre: the user's own, unread first; one statement."""
    return fetch_slice(session, _own(user_id), page, per_page)


def mark_read(
    session: Session, user_id: int, notification_id: int | None = None, now: datetime | None = None
) -> int:
    """Mark one of the user's notifications (or all of them) read; how many changed."""
    stmt = sa.update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    return (
        session.execute(
            stmt.values(read_at=now or utcnow()).execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )


def thread_read(session: Session, thread_id: int, now: datetime | None = None) -> int:
    """A chat thread was read: its notifications are done for everyone (the next message raises anew)."""
    return (
        session.execute(
            sa.update(Notification)
            .where(Notification.thread_id == thread_id, Notification.read_at.is_(None))
            .values(read_at=now or utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )


def sms_failed(
    session: Session,
    message_id: int,
    number: str,
    interface: Interface | None,
    error: Text | str | None,
    portal_url: str = "",
    now: datetime | None = None,
) -> None:
    """Hook of the SMS outbox: a message failed for good (one notification per interface until
    read; by e-mail or SMS at most one an hour per interface)."""
    name = interface.name if interface is not None else "?"
    # A stored error is language-neutral (app.i18n.Text): kept so, and read in the reader's language.
    error_param = error.to_data() if isinstance(error, Text) else str(error or "")[:200]
    notify(
        session,
        SMS_FAILED,
        params={
            "number": number,
            "interface": name,
            "error": error_param,
            "message_id": message_id,
        },
        coalesce_key=f"sms_failed:{interface.id if interface is not None else 0}",
        interface_id=interface.id if interface is not None else None,
        portal_url=portal_url,
        now=now,
    )


def header_count_columns(user_id) -> tuple[sa.ScalarSelect, sa.ScalarSelect]:
    """The header's (unread in-portal notifications, unread chat threads), as two scalar subqueries.

    `user_id` is a value or a bound parameter: the user loader reads them with the account in the
    same statement, so a full page pays no statement of its own for the bell and the chat badge.
    """
    from app.models import ChatThread

    notes = _unread(user_id).scalar_subquery()
    chats = (
        sa.select(sa.func.count())
        .select_from(ChatThread)
        .where(ChatThread.unread_count > 0)
        .scalar_subquery()
    )
    return notes, chats
