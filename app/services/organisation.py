"""Branches and workstations: saving them, and what still uses them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Branch, Interface, User, Workstation
from app.services.interfaces import (
    Actor,
    follow_workstation,
    refresh_search_text_for_branch,
    refresh_search_text_for_workstation,
)

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
    names = session.scalars(
        sa.select(name_col).where(where).order_by(name_col).limit(MAX_NAMES)
    ).all()
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


def save_branch(session: Session, branch: Branch, values: dict[str, Any]) -> Branch:
    """Create or change a branch; interfaces restricted to it are found under its new name."""
    for name, value in values.items():
        setattr(branch, name, value)
    if branch.id is None:
        session.add(branch)
    else:
        refresh_search_text_for_branch(session, branch.id)
    session.flush()
    return branch


def save_workstation(
    session: Session, workstation: Workstation, values: dict[str, Any], actor: Actor
) -> Workstation:
    """Create or change a workstation; when it moves to another branch, its interfaces move too
    (raises interfaces.ProtectedError when one of them is protected)."""
    for name, value in values.items():
        setattr(workstation, name, value)
    if workstation.id is None:
        session.add(workstation)
    else:
        follow_workstation(session, workstation, actor)
        refresh_search_text_for_workstation(session, workstation.id)
    session.flush()
    return workstation


def delete(session: Session, record: Branch | Workstation) -> None:
    """Delete a branch or workstation nothing uses any more (check the usages first)."""
    session.delete(record)
    session.flush()
