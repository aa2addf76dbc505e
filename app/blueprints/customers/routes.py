"""The customer list, searchable by name, customer number and mobile number."""
from __future__ import annotations

import sqlalchemy as sa
from flask import request

from app.blueprints.auth.decorators import role_required
from app.blueprints.customers import bp
from app.extensions import db
from app.htmx import render
from app.models import Customer, Role


@bp.get("/")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def index():
    """Search customers as you type; each row offers "SMS senden"."""
    q = request.args.get("q", "").strip()[:100]
    stmt = sa.select(Customer).order_by(Customer.last_name, Customer.first_name, Customer.id)
    for term in q.lower().split()[:5]:
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(Customer.search_text.like(f"%{escaped}%", escape="\\"))
    page = db.paginate(stmt, per_page=50, error_out=False, count=False)
    return render("customers/index.html", "customers/_table.html", page=page, q=q)
