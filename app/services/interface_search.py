"""The copies an interface keeps for the list: search text, branch and workstation names."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Branch, Interface, Workstation
from app.services import interface_types
from app.services.interface_types import InterfaceType


def search_text_for(
    name: str,
    group: str,
    type_label: str,
    branch_name: str | None,
    branch_number: str | None,
    workstation_name: str | None,
) -> str:
    """The lower-cased text one search matches against."""
    parts = [
        name,
        group,
        type_label,
        branch_number or "",
        branch_name or "",
        workstation_name or "",
    ]
    return " | ".join(p.strip().lower() for p in parts if p)[:400]


def denormalise(session: Session, interface: Interface, itype: InterfaceType | None) -> None:
    """Refresh the copies the list searches and sorts by (search text, branch and workstation)."""
    branch = session.get(Branch, interface.branch_id) if interface.branch_id else None
    ws = session.get(Workstation, interface.workstation_id) if interface.workstation_id else None
    interface.search_text = search_text_for(
        interface.name,
        interface.group,
        itype.label if itype else interface.type_key,
        branch.name if branch else None,
        branch.number if branch else None,
        ws.name if ws else None,
    )
    interface.branch_label = branch.label if branch else ""
    interface.workstation_label = ws.name if ws else ""


def refresh_search_text(session: Session, where) -> None:
    """Recompute the list's copies for the interfaces matching `where` (after a rename)."""
    session.flush()
    for interface in session.scalars(sa.select(Interface).where(where)):
        denormalise(session, interface, interface_types.get(interface.type_key))


def refresh_search_text_for_branch(session: Session, branch_id: int) -> None:
    """Keep the search text right after a branch was renamed."""
    refresh_search_text(session, Interface.branch_id == branch_id)


def refresh_search_text_for_workstation(session: Session, workstation_id: int) -> None:
    """Keep the search text right after a workstation was renamed."""
    refresh_search_text(session, Interface.workstation_id == workstation_id)
