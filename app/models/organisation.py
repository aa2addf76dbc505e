"""The branch chain, its branches and their workstations."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models.base import utcnow


class Chain(db.Model):
    """The one branch chain ("Filialkette") of this installation."""

    __tablename__ = "chain"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120), default="Filialkette")
    admins_may_view_passwords: so.Mapped[bool] = so.mapped_column(default=False)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Chain {self.name}>"

    @classmethod
    def _defaults(cls) -> Chain:
        return cls(id=1, name="Filialkette", admins_may_view_passwords=False)

    @classmethod
    def get(cls, session: so.Session | None = None) -> Chain:
        """The chain's settings for reading: the stored row, or the defaults while there is none."""
        session = session or db.session
        return session.get(cls, 1) or cls._defaults()

    @classmethod
    def get_or_create(cls, session: so.Session | None = None) -> Chain:
        """The chain row for changing it, created with the defaults on first use."""
        session = session or db.session
        chain = session.get(cls, 1)
        if chain is None:
            chain = cls._defaults()
            session.add(chain)
            session.flush()
        return chain


class Branch(db.Model):
    """A branch ("Filiale") with its business office ("Geschäftsstelle") address."""

    __tablename__ = "branches"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    number: so.Mapped[str] = so.mapped_column(sa.String(10), unique=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(10), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    street: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    postcode: so.Mapped[str] = so.mapped_column(sa.String(12), default="")
    city: so.Mapped[str] = so.mapped_column(sa.String(80), default="")
    country: so.Mapped[str] = so.mapped_column(sa.String(2), default="DE")
    phone: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Branch {self.number} {self.name}>"

    @property
    def label(self) -> str:
        return f"{self.number} {self.name}"


class Workstation(db.Model):
    """A named computer ("Arbeitsplatz / Rechner") of a branch."""

    __tablename__ = "workstations"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    branch_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("branches.id"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    branch: so.Mapped[Branch] = so.relationship()

    def __repr__(self) -> str:
        return f"<Workstation {self.name}>"
