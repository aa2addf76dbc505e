"""The start page: an overview tailored to the role."""
from flask import current_app, render_template
from flask_login import current_user
import sqlalchemy as sa

from app.blueprints.auth.decorators import login_required
from app.blueprints.main import bp
from app.extensions import db
from app.models import Branch, Interface, User, Workstation
from app.services.home import employee_home
from app.services.reminder_reasons import reason_text


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
    extra = {}
    if current_user.role == "employee":
        extra["home"] = employee_home(db.session, current_user.id, current_user.branch_id,
                                      current_app.config["BABEL_DEFAULT_TIMEZONE"])
        extra["reason_text"] = reason_text
    return render_template("main/index.html", interfaces=counts[0], branches=counts[1],
                           workstations=counts[2], users=counts[3], **extra)
