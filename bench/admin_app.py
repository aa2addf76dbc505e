"""The peer for the list benchmark: Flask-Admin's ModelView over the same interfaces table.

What a team might pick instead of writing the list, set up to do the same work as ours:
- the same columns, 50 rows a page, the same default order, the same search (each term a
  case-insensitive substring of the search text);
- previous/next paging without a total (`simple_list_pager`): our list counts nothing, and
  Flask-Admin's default runs a count(*) over the whole table (or the whole search) per page;
- behind a log-in, as an admin list has to be: Flask-Login with the usual ORM user loader and
  `is_accessible` (Flask-Admin has no log-in of its own; ours reads the account per request).
On the database in DATABASE_URL.
"""

import os

from flask import Flask, abort, request
from flask_admin import Admin
from flask_admin.contrib.sqla import ModelView
from flask_babel import Babel
from flask_login import LoginManager, current_user, login_user

from app.extensions import db
from app.models import Interface, User


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
    simple_list_pager = True
    can_create = can_edit = can_delete = False

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and current_user.role in ("admin", "helpdesk")

    def inaccessible_callback(self, name, **kwargs):
        abort(403)


class CountedInterfaceList(InterfaceList):
    """The same list with Flask-Admin's default pager: page numbers from a count(*) per page (of
    the whole table, or of the whole search), as a team gets it without tuning. For information:
    the benchmark's goal compares against InterfaceList, which does the same work as ours."""

    simple_list_pager = False


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
    login_manager = LoginManager(app)

    @login_manager.user_loader
    def load_user(user_id: str):
        return db.session.get(User, int(user_id.split(":", 1)[0]))

    @app.post("/login")
    def login():
        user = db.session.scalar(db.select(User).filter_by(username=request.form["username"]))
        if user is None or not user.check_password(request.form["password"]):
            abort(403)
        login_user(user)
        return "ok"

    admin = Admin(app, name="Bench", url="/admin")
    admin.add_view(
        InterfaceList(Interface, db.session, endpoint="interfaces", url="/admin/interfaces")
    )
    admin.add_view(
        CountedInterfaceList(
            Interface, db.session, endpoint="counted", url="/admin/interfaces-counted"
        )
    )
    app.add_url_rule("/login", "ready", lambda: "ok")  # readiness probe of the benchmark harness
    return app


app = create_admin_app(os.environ["DATABASE_URL"]) if "DATABASE_URL" in os.environ else None
