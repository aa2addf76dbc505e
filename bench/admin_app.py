"""The peer for the list benchmark: Flask-Admin's ModelView over the same interfaces table.

What a team might pick instead of writing the list: the same columns, 50 rows a page, the same
default order, no log-in (Flask-Admin has none of its own), on the database in DATABASE_URL.
"""

import os

from flask import Flask
from flask_admin import Admin
from flask_admin.contrib.sqla import ModelView
from flask_babel import Babel

from app.extensions import db
from app.models import Interface


class InterfaceList(ModelView):
    """The interface list: group, name, branch, workstation, usages, start, last error."""

    column_list = (
        "group",
        "name",
        "branch_label",
        "workstation_label",
        "server_side",
        "client_side",
        "start_date",
        "last_error",
    )
    column_searchable_list = ("search_text",)
    column_default_sort = [("group", False), ("name", False), ("id", False)]
    page_size = 50
    can_create = can_edit = can_delete = False


def create_admin_app(database_url: str) -> Flask:
    """Flask-Admin's list of the interfaces table in DATABASE_URL, at /admin/interfaces/."""
    app = Flask(__name__)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=database_url.replace("postgresql://", "postgresql+psycopg://", 1),
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench"),
        SQLALCHEMY_TRACK_MODIFICATIONS=False,
    )
    db.init_app(app)
    Babel(app)  # Flask-Admin translates its own texts with Flask-Babel when it is installed
    admin = Admin(app, name="Bench", url="/admin")
    admin.add_view(
        InterfaceList(Interface, db.session, endpoint="interfaces", url="/admin/interfaces")
    )
    app.add_url_rule("/login", "ready", lambda: "ok")  # readiness probe of the benchmark harness
    return app


app = create_admin_app(os.environ["DATABASE_URL"]) if "DATABASE_URL" in os.environ else None
