"""The start page: an overview tailored to the role."""
from flask import render_template
import sqlalchemy as sa

from app.blueprints.auth.decorators import login_required
from app.blueprints.main import bp
from app.extensions import db
from app.models import Branch, Interface, User, Workstation


@bp.get("/")
@login_required
def index():
    """Show the overview."""
    counts = db.session.execute(sa.select(
        sa.select(sa.func.count()).select_from(Interface).scalar_subquery(),
        sa.select(sa.func.count()).select_from(Branch).scalar_subquery(),
        sa.select(sa.func.count()).select_from(Workstation).scalar_subquery(),
        sa.select(sa.func.count()).select_from(User).where(User.is_active_account).scalar_subquery(),
    )).one()
    return render_template("main/index.html", interfaces=counts[0], branches=counts[1],
                           workstations=counts[2], users=counts[3])
