"""An interface's history: entries with field keys and language-neutral values, gateway outcomes."""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from sqlalchemy.orm import Session

from app.i18n import Text, _l
from app.models import Branch, Interface, InterfaceEvent, Workstation
from app.models.base import utcnow

# Labels of the fields every interface has (a type's own fields are labelled by its form).
COMMON_LABELS = {
    "name": _l("Name"),
    "branch_id": _l("Filiale"),
    "workstation_id": _l("Rechner"),
    "server_side": _l("Serverseitig"),
    "client_side": _l("Clientseitig"),
    "start_date": _l("Start"),
    "protected": _l("Geschützt"),
}


class Actor(Protocol):
    """Who did something: a user (or the worker)."""

    id: int | None
    display_name: str


def record_event(
    session: Session,
    interface: Interface,
    action: str,
    actor: Actor | None,
    changes: list[dict[str, Any]] | None = None,
    message: Text | str = "",
    ok: bool = True,
) -> InterfaceEvent:
    """Write one history entry of an interface; `message` is best a Text (read in the reader's
    language)."""
    session.flush()
    event = InterfaceEvent(
        interface_id=interface.id,
        interface_name=interface.name,
        type_key=interface.type_key,
        action=action,
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "display_name", "") or "",
        changes=changes or [],
        message=message or "",
        ok=ok,
    )
    session.add(event)
    return event


def stored_value(session: Session, field: str, value: Any) -> Any:
    """A value as the history keeps it: JSON, language-neutral; the page formats it for its reader.

    Branch and workstation keep the name they had then (they may be renamed or deleted later);
    dates are ISO text, choices their key, lists their items.
    """
    if value is None or value == "" or value == []:
        return None
    if field == "branch_id":
        branch = session.get(Branch, value)
        return branch.label if branch else str(value)
    if field == "workstation_id":
        ws = session.get(Workstation, value)
        return ws.name if ws else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (bool, int, float, str, list)):
        return value
    return str(value)


def change_of(session: Session, field: str, old: Any, new: Any) -> dict[str, Any] | None:
    """One history line, or None when nothing a person could see changed (empty stays empty, an
    unticked box of a new interface was never ticked)."""
    old, new = stored_value(session, field, old), stored_value(session, field, new)
    if old == new or (old is None and new is False):
        return None
    return {"field": field, "old": old, "new": new}


def record_check(
    session: Session,
    interface: Interface,
    action: str,
    actor: Actor | None,
    ok: bool,
    message: Text,
) -> InterfaceEvent:
    """Record a gateway action's outcome in the history and the interface's status."""
    now = utcnow()
    interface.last_check_at = now
    if ok:
        interface.last_success_at = now
        interface.last_error = None
        interface.last_error_at = None
    else:
        interface.last_error = message
        interface.last_error_at = now
    return record_event(session, interface, action, actor, message=message, ok=ok)
