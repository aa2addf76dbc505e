"""Interface rules: search text, status, and which interface applies."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Branch, Interface, Workstation


def search_text_for(name: str, group: str, type_label: str, branch_name: str | None,
                    branch_number: str | None, workstation_name: str | None) -> str:
    """The lower-cased text one search matches against."""
    parts = [name, group, type_label, branch_number or "", branch_name or "", workstation_name or ""]
    return " | ".join(p.strip().lower() for p in parts if p)[:400]


def refresh_search_text(session: Session, where) -> None:
    """Recompute search_text for the interfaces matching `where` (after a rename)."""
    from app.services.interface_types import registry

    rows = session.execute(
        sa.select(Interface, Branch.name, Branch.number, Workstation.name)
        .outerjoin(Branch, Interface.branch_id == Branch.id)
        .outerjoin(Workstation, Interface.workstation_id == Workstation.id)
        .where(where)
    ).all()
    for interface, branch_name, branch_number, ws_name in rows:
        itype = registry.get(interface.type_key)
        label = itype.label if itype else interface.type_key
        interface.search_text = search_text_for(interface.name, interface.group, label, branch_name,
                                                branch_number, ws_name)


def refresh_search_text_for_branch(session: Session, branch_id: int) -> None:
    """Keep the search text right after a branch was renamed."""
    refresh_search_text(session, Interface.branch_id == branch_id)


def refresh_search_text_for_workstation(session: Session, workstation_id: int) -> None:
    """Keep the search text right after a workstation was renamed."""
    refresh_search_text(session, Interface.workstation_id == workstation_id)
