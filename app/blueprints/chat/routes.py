"""Chat inbox routes (employees and admins); the service calls live in app/services/chat.py
and app/services/chat_inbox.py (the listing)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app, g, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField

from app.blueprints.actions import outcome_page, require_form
from app.blueprints.auth.decorators import role_required
from app.blueprints.chat import bp
from app.blueprints.paging import page_arg
from app.extensions import db, secret_box
from app.htmx import is_htmx, no_content, render, trigger
from app.i18n import Text
from app.models import ChatMessage, ChatThread, Role
from app.services import chat, chat_inbox, notifications


class ReplyForm(FlaskForm):
    """The reply box under a thread."""

    text = TextAreaField(render_kw={"rows": 3, "maxlength": chat.MAX_TEXT})


@bp.app_template_global()
def header_counts() -> tuple[int, int]:
    """(unread notifications, unread chat threads) for the header, in one statement per request."""
    if not current_user.is_authenticated:
        return 0, 0
    counts = g.get("_header_counts")
    if counts is None:  # the user loader usually read them already (full pages)
        row = db.session.execute(
            sa.select(*notifications.header_count_columns(current_user.id))
        ).one()
        counts = g._header_counts = (row[0], row[1])
        g._notification_count = row[0]
    return counts


@bp.app_template_filter("chat_time")
def chat_time(value: datetime | None) -> str:
    """A message time, short, in the portal's time zone and the reader's language.

    The same text as `|datetime("short")` (the medium date and CLDR's short time, for de and en),
    built with plain formatting: a page of the inbox shows fifty of them, and Babel's formatter
    is the largest single cost of the page.
    """
    if value is None:
        return "—"
    fmt = g.get("_chat_time")
    if fmt is None:
        from flask_babel import get_locale, get_timezone

        locale = get_locale()
        fmt = g._chat_time = (
            get_timezone(),
            locale.language,
            locale.months["format"]["abbreviated"],
        )
    zone, language, months = fmt
    t = value.replace(tzinfo=UTC).astimezone(zone)
    if language == "en":
        hour = t.hour % 12 or 12
        return (
            f"{months[t.month]} {t.day}, {t.year}, "
            f"{hour}:{t.minute:02d}\u202f{'PM' if t.hour >= 12 else 'AM'}"
        )
    return f"{t.day:02d}.{t.month:02d}.{t.year}, {t.hour:02d}:{t.minute:02d}"


def _stored_error(value) -> Text | str | None:
    """The sync error kept in the chat interface's state: a Text's data, or an older plain text."""
    if isinstance(value, dict) and "t" in value:
        return Text.from_data(value)
    return value


def _sync_info() -> dict:
    """Last sync time and why the chat does not sync, for the inbox's header line."""
    interface = chat.chat_interface(db.session)
    if interface is None:
        return {"configured": False}
    state = interface.state or {}
    last = state.get("last_sync_at")
    return {
        "configured": True,
        "interface_id": interface.id,
        "last_sync_at": datetime.fromisoformat(last) if last else None,
        "no_service": state.get("note") == "no_service",
        "error": _stored_error(state.get("last_error")),
    }


@bp.get("/")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def index():
    """Threads newest first, with unread counts; search by customer (as you type)."""
    q = (request.args.get("q") or "").strip()[:100]
    page = chat_inbox.inbox(db.session, q, page_arg(), current_app.config["LIST_PAGE_SIZE"])
    if is_htmx() and request.args.get("rows"):
        return render_template("chat/_threads.html", page=page)
    return render("chat/index.html", "chat/_threads.html", page=page)


@bp.get("/sync-info")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def sync_info():
    """The last sync time, or why the chat does not sync (loaded by htmx beside the list)."""
    return render_template("chat/_sync_info.html", sync=_sync_info())


@bp.get("/badge")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def badge():
    """The navigation's chat entry with its unread badge (polled)."""
    return render_template("chat/_nav.html")


def _thread(thread_id: int) -> ChatThread:
    return db.get_or_404(ChatThread, thread_id)


def _thread_page(
    thread: ChatThread, form=None, status: int = 200, fragment="chat/_thread_body.html", error=None
):
    return render(
        "chat/thread.html",
        fragment,
        status=status,
        thread=thread,
        messages=chat.messages_of(db.session, thread.id),
        form=form or ReplyForm(formdata=None),
        action_form=FlaskForm(),
        error=error,
    )


@bp.get("/<int:thread_id>")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def thread(thread_id: int):
    """The conversation and the reply box; unread messages are marked read by a POST on load."""
    return _thread_page(_thread(thread_id))


@bp.get("/<int:thread_id>/messages")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def messages(thread_id: int):
    """The messages alone (polled while the thread is open)."""
    return _messages(_thread(thread_id))


def _messages(thread: ChatThread) -> str:
    return render_template(
        "chat/_messages.html",
        thread=thread,
        messages=chat.messages_of(db.session, thread.id),
        action_form=FlaskForm(),
    )


def _thread_url(thread: ChatThread) -> str:
    return url_for("chat.thread", thread_id=thread.id)


def _changed(thread: ChatThread) -> dict:
    """The events after a thread changed: its row, the badge and the bell refresh themselves."""
    return {"chat-changed": thread.id, "notifications-changed": None}


@bp.post("/<int:thread_id>/read")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def mark_read(thread_id: int):
    """Mark the thread read here and at the service (what fails there the worker repeats)."""
    thread = _thread(thread_id)
    require_form()
    ids = chat.mark_read(db.session, thread)
    db.session.commit()
    if ids:
        chat.report_reads(db.session, secret_box(), timeouts=current_app.config["SINNO_TIMEOUTS"])
    if is_htmx():  # the thread's actions as they are now read (no "Als gelesen markieren")
        actions = render_template(
            "chat/_thread_actions.html", thread=thread, action_form=FlaskForm()
        )
        return trigger(make_response(actions), _changed(thread))
    return outcome_page(_thread_url(thread), _("Als gelesen markiert."))


@bp.post("/<int:thread_id>/unread")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def mark_unread(thread_id: int):
    """ "Als ungelesen markieren": the latest customer message counts as unread again."""
    thread = _thread(thread_id)
    require_form()
    chat.mark_unread(db.session, thread)
    db.session.commit()
    if is_htmx():
        return no_content(_changed(thread))
    return outcome_page(url_for("chat.index"), _("Als ungelesen markiert."))


@bp.post("/<int:thread_id>/reply")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def reply(thread_id: int):
    """Store the reply first, then deliver it; its state shows under it (422 on bad input)."""
    thread = _thread(thread_id)
    form = require_form(ReplyForm())
    try:
        message = chat.add_reply(db.session, thread, form.text.data or "", current_user)
    except chat.ReplyError as exc:
        db.session.rollback()
        return _thread_page(thread, form=form, status=422, error=exc.message)
    db.session.commit()
    timeouts = current_app.config["SINNO_TIMEOUTS"]
    chat.deliver_now(db.session, secret_box(), message, timeouts=timeouts)
    chat.report_reads(db.session, secret_box(), timeouts=timeouts)
    if not is_htmx():
        return outcome_page(_thread_url(thread))
    return trigger(_thread_page(thread), _changed(thread))


@bp.post("/messages/<int:message_id>/resend")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def resend(message_id: int):
    """ "Erneut senden" for a failed reply (same idempotency key: never twice)."""
    message = db.get_or_404(ChatMessage, message_id)
    require_form()
    thread = _thread(message.thread_id)
    if chat.resend(db.session, message):
        db.session.commit()
        chat.deliver_now(
            db.session, secret_box(), message, timeouts=current_app.config["SINNO_TIMEOUTS"]
        )
    if not is_htmx():
        return outcome_page(_thread_url(thread))
    return _messages(thread)
