"""User accounts, roles and log-in attempts."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models.base import utcnow

# scrypt is werkzeug's default memory-hard KDF; the parameters are spelled out so they stay pinned.
PASSWORD_METHOD = "scrypt:32768:8:1"


class Role(str, enum.Enum):
    """What a user may do: see SPEC §1."""

    ADMIN = "admin"
    EMPLOYEE = "employee"
    HELPDESK = "helpdesk"

    def __str__(self) -> str:
        return self.value


class User(UserMixin, db.Model):
    """A person who logs in to the portal."""

    __tablename__ = "users"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    full_name: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    # Digits with country code, no "+" (as the SMS gateway writes them): for SMS notifications.
    mobile: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(256))
    role: so.Mapped[str] = so.mapped_column(sa.String(20), default=Role.EMPLOYEE.value)
    is_active_account: so.Mapped[bool] = so.mapped_column(default=True)
    branch_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("branches.id"), index=True)
    workstation_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("workstations.id"), index=True
    )
    locale: so.Mapped[str | None] = so.mapped_column(sa.String(5))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_login_at: so.Mapped[datetime | None]
    # Bumped on password change or deactivation so that old sessions stop working.
    session_version: so.Mapped[int] = so.mapped_column(default=1)

    branch: so.Mapped[Branch | None] = so.relationship(foreign_keys=[branch_id])  # noqa: F821
    workstation: so.Mapped[Workstation | None] = so.relationship(  # noqa: F821
        foreign_keys=[workstation_id]
    )

    def __repr__(self) -> str:
        return f"<User {self.username} ({self.role})>"

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        return self.is_active_account

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def display_name(self) -> str:
        return self.full_name or self.username
