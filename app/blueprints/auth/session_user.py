"""The logged-in user as Flask-Login sees it: a plain object read with one small query.

Every request needs the user (access rules, navigation); a full ORM load costs more than the rest
of a small page. Code that changes the account loads the `User` model itself (`record()`).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import g
from flask_login import UserMixin
from werkzeug.security import check_password_hash

from app.extensions import db
from app.htmx import wants_fragment
from app.models import User
from app.services.notifications import header_count_columns

_COLUMNS = (
    User.id,
    User.username,
    User.full_name,
    User.role,
    User.is_active_account,
    User.branch_id,
    User.workstation_id,
    User.locale,
    User.session_version,
    User.password_hash,
)
_BY_ID = sa.select(*_COLUMNS).where(User.id == sa.bindparam("ident"))
# A full page also shows the header's unread counts: read with the account, in the same statement.
_BY_ID_WITH_COUNTS = sa.select(*_COLUMNS, *header_count_columns(sa.bindparam("ident"))).where(
    User.id == sa.bindparam("ident")
)


class SessionUser(UserMixin):
    """Read-only view of the account behind the session."""

    __slots__ = (
        "id",
        "username",
        "full_name",
        "role",
        "active",
        "branch_id",
        "workstation_id",
        "locale",
        "session_version",
        "_password_hash",
    )

    def __init__(self, row) -> None:
        (
            self.id,
            self.username,
            self.full_name,
            self.role,
            self.active,
            self.branch_id,
            self.workstation_id,
            self.locale,
            self.session_version,
            self._password_hash,
        ) = row

    def __repr__(self) -> str:
        return f"<SessionUser {self.username} ({self.role})>"

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def check_password(self, password: str) -> bool:
        return check_password_hash(self._password_hash, password)

    def record(self) -> User:
        """The account as a model, for changing it."""
        return db.session.get(User, self.id)


def load(user_id: str) -> SessionUser | None:
    """Flask-Login's user loader: "<id>:<session version>" of an active account, or None."""
    try:
        ident, version = (int(part) for part in user_id.split(":", 1))
    except ValueError:
        return None
    # A Core execution on the session's connection: no ORM machinery for a plain row.
    full_page = not wants_fragment()
    stmt = _BY_ID_WITH_COUNTS if full_page else _BY_ID
    row = db.session.connection().execute(stmt, {"ident": ident}).first()
    if row is None or row.session_version != version or not row.is_active_account:
        return None
    if full_page:
        g._header_counts = (row[-2], row[-1])
        g._notification_count = row[-2]
    return SessionUser(row[: len(_COLUMNS)])
