"""Notification centre routes: each user only ever sees and changes their own notifications."""

from __future__ import annotations

from flask import abort, current_app, g, make_response, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from app.blueprints.auth.decorators import login_required
from app.blueprints.notifications import bp
from app.blueprints.paging import page_arg
from app.extensions import db
from app.htmx import htmx_or_redirect, is_htmx, render, trigger, vary
from app.services import notifications


@bp.app_template_global()
def notification_count() -> int:
    """The bell's number for the current user (one query per page, cached for the request)."""
    if not current_user.is_authenticated:
        return 0
    count = g.get("_notification_count")
    if count is None:
        header_counts = current_app.jinja_env.globals.get("header_counts")
        if header_counts is not None:  # one statement for the bell and the chat badge
            return header_counts()[0]
        count = g._notification_count = notifications.unread_count(db.session, current_user.id)
    return count


@bp.app_template_global()
def notification_text(row) -> tuple[str, str]:
    """Title and text of a notification in the reader's language."""
    return notifications.describe(row.event, row.params, row.count)


@bp.app_template_global()
def notification_link(row) -> str:
    """Where a notification leads."""
    return notifications.link_path(row)


@bp.get("/")
@login_required
def index():
    """The own notifications, unread first, a page at a time."""
    page = notifications.centre_page(
        db.session, current_user.id, page_arg(), current_app.config["LIST_PAGE_SIZE"]
    )
    return render(
        "notifications/index.html", "notifications/_list.html", page=page, form=FlaskForm()
    )


@bp.get("/badge")
@login_required
def badge():
    """The bell alone, for polling (htmx every 30 s)."""
    return render_template("notifications/_bell.html")


def _done(changed: int):
    """htmx: 204 and an event (the bell and the list refresh themselves); otherwise back to the list."""
    if is_htmx():
        resp = vary(make_response("", 204))
        return trigger(resp, {"notifications-changed": None}) if changed else resp
    return htmx_or_redirect(url_for("notifications.index"))


@bp.post("/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int):
    """Mark one of the own notifications read (someone else's is 404, and stays unread)."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    changed = notifications.mark_read(db.session, current_user.id, notification_id)
    if not changed and not _owns(notification_id):
        abort(404)
    db.session.commit()
    return _done(changed)


@bp.post("/read-all")
@login_required
def mark_all_read():
    """Mark all own notifications read."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    changed = notifications.mark_read(db.session, current_user.id)
    db.session.commit()
    return _done(changed)


def _owns(notification_id: int) -> bool:
    from app.models import Notification

    row = db.session.get(Notification, notification_id)
    return row is not None and row.user_id == current_user.id
