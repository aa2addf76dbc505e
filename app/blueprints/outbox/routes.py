"""Admins (and helpdesk, read-only) see the SMS outbox; admins resend or cancel failed messages."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from app.blueprints.auth.decorators import role_required
from app.blueprints.outbox import bp
from app.blueprints.paging import ListTable, page_arg
from app.extensions import db
from app.htmx import htmx_or_redirect, render
from app.models import Customer, Interface, Role, SmsMessage
from app.services import outbox
from app.services.pagination import fetch_slice
from app.template_helpers import outbox_kind_label, outbox_status_label

STATUSES = ("failed", "queued", "sending", "sent", "cancelled")
KINDS = ("reminder", "customer", "test")


@bp.get("/")
@role_required(Role.ADMIN, Role.HELPDESK)
def index():
    """The outbox, newest first: every message by default, with the number of failed ones on top."""
    status = request.args.get("status", "all")
    status = status if status in STATUSES else "all"
    kind = request.args.get("kind", "")
    kind = kind if kind in KINDS else ""
    stmt = (
        sa.select(SmsMessage, Interface.name, Customer.first_name, Customer.last_name)
        .outerjoin(Interface, SmsMessage.interface_id == Interface.id)
        .outerjoin(Customer, SmsMessage.customer_id == Customer.id)
        .order_by(SmsMessage.id.desc())
    )
    if status in STATUSES:
        stmt = stmt.where(SmsMessage.status == status)
    if kind:
        stmt = stmt.where(SmsMessage.kind == kind)
    page = fetch_slice(
        db.session, stmt, page_arg(), current_app.config["LIST_PAGE_SIZE"], scalars=False
    )
    # Sent and cancelled messages pile up for good: counting them would read the whole outbox on
    # every view, so only the states that empty out again show a number.
    counts = outbox.open_counts(db.session)
    table = ListTable(
        "outbox", "outbox/_table.html", "outbox.index", {"status": status, "kind": kind or None}
    )
    return render(
        "outbox/index.html",
        table.template,
        page=page,
        table=table,
        status_filter=status,
        kind=kind,
        counts=counts,
        status_options=[("all", _("Alle Status"))]
        + [
            (
                s,
                f"{_choice(outbox_status_label(s))} ({counts.get(s, 0)})"
                if s in outbox.OPEN_STATES
                else _choice(outbox_status_label(s)),
            )
            for s in STATUSES
        ],
        kind_options=[("", _("Alle Arten"))] + [(k, outbox_kind_label(k)) for k in KINDS],
    )


def _choice(label: str) -> str:
    """A status (a badge's lower-case word) as a choice among "Alle Status" and "Alle Arten"."""
    return label[:1].upper() + label[1:]


def _act(message_id: int, change, done: str, refused: str):
    """Apply resend or cancel to one message and go back to the list with a message."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    message = db.get_or_404(SmsMessage, message_id)
    if change(db.session, message):
        db.session.commit()
        flash(done % {"id": message.id}, "success")
    else:
        flash(refused, "error")
    return htmx_or_redirect(url_for("outbox.index", status=request.args.get("status") or None))


@bp.post("/<int:message_id>/resend")
@role_required(Role.ADMIN)
def resend(message_id: int):
    """Queue a failed message again; the worker sends it (its id keeps it from going out twice)."""
    return _act(
        message_id,
        outbox.resend,
        _("SMS %(id)d wird erneut versendet."),
        _("Nur fehlgeschlagene oder abgebrochene SMS können erneut versendet werden."),
    )


@bp.post("/<int:message_id>/cancel")
@role_required(Role.ADMIN)
def cancel(message_id: int):
    """Cancel a message that has not gone out."""
    return _act(
        message_id,
        outbox.cancel,
        _("SMS %(id)d wurde abgebrochen."),
        _("Nur wartende oder fehlgeschlagene SMS können abgebrochen werden."),
    )
