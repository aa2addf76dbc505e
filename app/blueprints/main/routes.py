"""The start page: an overview tailored to the role (each role's part is its own include)."""

from flask import current_app, render_template
from flask_login import current_user

from app.blueprints.auth.decorators import login_required
from app.blueprints.main import bp
from app.extensions import db
from app.services import status_board
from app.services.clock import local_today
from app.services.home import employee_home
from app.services.reminder_reasons import reason_text


@bp.get("/")
@login_required
def index():
    """Show the overview: admins and helpdesk see the status board's summary, employees what they act on."""
    ctx = {}
    if current_user.role in ("admin", "helpdesk"):
        from app.blueprints.status.texts import state_labels

        ctx.update(
            summary=status_board.summary(
                db.session, local_today(current_app.config["BABEL_DEFAULT_TIMEZONE"])
            ),
            states=state_labels(),
        )
    elif current_user.role == "employee":
        ctx.update(
            home=employee_home(
                db.session,
                current_user.id,
                current_user.branch_id,
                current_app.config["BABEL_DEFAULT_TIMEZONE"],
            ),
            reason_text=reason_text,
        )
    return render_template("main/index.html", **ctx)
