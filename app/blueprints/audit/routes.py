"""Admins review every reveal, failed attempt and security option change."""

import sqlalchemy as sa
from flask import current_app, request
from flask_babel import gettext as _

from app.blueprints.audit import bp
from app.blueprints.auth.decorators import role_required
from app.blueprints.paging import ListTable, page_arg
from app.extensions import db
from app.htmx import render
from app.models import AuditEntry, Role
from app.services.pagination import fetch_slice
from app.template_helpers import audit_label

ACTIONS = ("reveal", "reveal_failed", "reveal_locked", "option_on", "option_off", "option_denied")


@bp.get("/")
@role_required(Role.ADMIN)
def index():
    """The audit log, newest first, filterable by action."""
    action = request.args.get("action", "")
    action = action if action in ACTIONS else ""
    stmt = sa.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    page = fetch_slice(db.session, stmt, page_arg(), current_app.config["LIST_PAGE_SIZE"])
    table = ListTable(
        "audit", "audit/_table.html", "audit.index", {"action": action} if action else {}
    )
    return render(
        "audit/index.html",
        table.template,
        page=page,
        table=table,
        action=action,
        action_options=[("", _("Alle Ereignisse"))] + [(a, audit_label(a)) for a in ACTIONS],
    )
