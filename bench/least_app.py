"""The least list page this stack can serve: the bound on what the list benchmark can reach.

The portal itself (its log-in, session, access rule, database policy) with one more route,
/least/, that does only what every list page of ours has to do: load the logged-in account,
check its role, read one page of interfaces through `services.interfaces.list_page` (the same two
statements, search and order) and place the 50 rows' values in a bare autoescaped Jinja table.
No layout, navigation, filters, pager, sort links, translations or status column. Any list page
we could build costs at least this much, so its throughput against Flask-Admin's bounds the
ratio that the "8x Flask-Admin" goal asks of ours (bench/interfaces_list.py prints both).
On the database in DATABASE_URL; not part of the portal.
"""

from __future__ import annotations

import os

from flask import Flask, request

from app import create_app
from app.blueprints.auth.decorators import role_required
from app.extensions import db
from app.models import Role
from app.services import interfaces as service
from app.services.clock import local_today

TABLE = """<table><tbody>{% for r in rows %}<tr><td><a href="/interfaces/{{ r[0] }}">{{ r[3] }}</a></td>
<td>{{ r[2] }}</td><td>{{ r[1] }}</td><td>{{ r[4] }}</td><td>{{ r[5] }}</td><td>{{ r[6] }}</td>
<td>{{ r[7] }}</td><td>{{ r[8] }}</td><td>{{ r[10] or "" }}</td></tr>{% endfor %}</tbody></table>"""


def add_least_list(app: Flask) -> Flask:
    """Add /least/ (?q= searches as the list does) to the portal `app`."""
    template = app.jinja_env.from_string(TABLE)
    statements: dict = {}

    @role_required(Role.ADMIN, Role.HELPDESK)
    def least():
        query = service.ListQuery(q=request.args.get("q", "").strip()[:100])
        day = local_today(app.config["BABEL_DEFAULT_TIMEZONE"])
        page = service.list_page(db.session, query, day, statements)
        return template.render(rows=page.items)

    app.add_url_rule("/least/", "least_list", least)
    return app


app = add_least_list(create_app()) if "DATABASE_URL" in os.environ else None
