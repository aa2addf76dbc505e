"""Interface pages."""
from flask import render_template

from app.blueprints.auth.decorators import role_required
from app.blueprints.interfaces import bp
from app.models import Role


@bp.get("/")
@role_required(Role.ADMIN, Role.HELPDESK)
def index():
    """Search the interfaces."""
    return render_template("base.html")
