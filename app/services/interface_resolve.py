"""Which interface applies to a branch or workstation, for a group and side."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Interface
from app.services.interface_types import CLIENT, SERVER


def resolve(
    session: Session,
    group: str,
    side: str,
    today: date,
    branch_id: int | None = None,
    workstation_id: int | None = None,
    type_key: str | None = None,
) -> Interface | None:
    """The interface to use: workstation-bound before branch-restricted before chain-wide.

    Only interfaces of that group, enabled for that side and whose start date has come count;
    among equals the one that started last wins (a scheduled replacement takes over on its date).
    """
    if side not in (SERVER, CLIENT):
        raise ValueError(f"side must be {SERVER!r} or {CLIENT!r}")
    side_col = Interface.server_side if side == SERVER else Interface.client_side
    scope = [sa.and_(Interface.branch_id.is_(None), Interface.workstation_id.is_(None))]
    rank = [(sa.and_(Interface.branch_id.is_(None), Interface.workstation_id.is_(None)), 3)]
    if branch_id is not None:
        scope.append(sa.and_(Interface.branch_id == branch_id, Interface.workstation_id.is_(None)))
        rank.append(
            (sa.and_(Interface.branch_id == branch_id, Interface.workstation_id.is_(None)), 2)
        )
    if workstation_id is not None:
        scope.append(Interface.workstation_id == workstation_id)
        rank.append((Interface.workstation_id == workstation_id, 1))
    stmt = (
        sa.select(Interface)
        .where(
            Interface.group == group,
            side_col.is_(True),
            sa.or_(Interface.start_date.is_(None), Interface.start_date <= today),
            sa.or_(*scope),
        )
        .order_by(
            sa.case(*rank, else_=9), Interface.start_date.desc().nulls_last(), Interface.id.desc()
        )
        .limit(1)
    )
    if type_key is not None:
        stmt = stmt.where(Interface.type_key == type_key)
    return session.scalar(stmt)
