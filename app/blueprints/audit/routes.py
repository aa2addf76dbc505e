"""Admins review every reveal, failed attempt and security option change."""

import sqlalchemy as sa
from flask import current_app, request

from app.blueprints.audit import bp
from app.blueprints.auth.decorators import role_required
from app.blueprints.paging import page_arg
from app.extensions import db
from app.htmx import render
from app.models import AuditEntry, Role
from app.services.pagination import fetch_slice

ACTIONS = ("reveal", "reveal_failed", "reveal_locked", "option_on", "option_off", "option_denied")


@bp.get("/")
@role_required(Role.ADMIN)
def index():
    """The audit log, newest first, filterable by action."""
    action = request.args.get("action", "")
    stmt = sa.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if action in ACTIONS:
        stmt = stmt.where(AuditEntry.action == action)
    page = fetch_slice(db.session, stmt, page_arg(), current_app.config["LIST_PAGE_SIZE"])
    return render(
        "audit/index.html", "audit/_table.html", page=page, action=action, actions=ACTIONS
    )
