"""Rules about branches and workstations: what still uses them."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Branch, Interface, User, Workstation

MAX_NAMES = 5


@dataclass(frozen=True)
class Usage:
    """One kind of record that still refers to a branch or workstation."""

    kind: str  # "workstations", "interfaces", "users"
    count: int
    names: tuple[str, ...]


def _usage(session: Session, kind: str, name_col, where) -> Usage | None:
    count = session.scalar(sa.select(sa.func.count()).select_from(name_col.class_).where(where))
    if not count:
        return None
    names = session.scalars(sa.select(name_col).where(where).order_by(name_col).limit(MAX_NAMES)).all()
    return Usage(kind, count, tuple(names))


def branch_usages(session: Session, branch: Branch) -> list[Usage]:
    """What still refers to a branch (so it cannot be deleted)."""
    found = [
        _usage(session, "workstations", Workstation.name, Workstation.branch_id == branch.id),
        _usage(session, "interfaces", Interface.name, Interface.branch_id == branch.id),
        _usage(session, "users", User.username, User.branch_id == branch.id),
    ]
    return [u for u in found if u]


def workstation_usages(session: Session, workstation: Workstation) -> list[Usage]:
    """What still refers to a workstation (so it cannot be deleted)."""
    found = [
        _usage(session, "interfaces", Interface.name, Interface.workstation_id == workstation.id),
        _usage(session, "users", User.username, User.workstation_id == workstation.id),
    ]
    return [u for u in found if u]
