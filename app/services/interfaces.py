"""Interface rules: saving with history, protection, secrets, status, the list, which one applies."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from datetime import date
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.i18n import _l
from app.models import Branch, Interface, InterfaceEvent, InterfaceSecret, Workstation
from app.models.base import utcnow
from app.services import interface_types
from app.services.interface_types import CLIENT, SERVER, InterfaceType
from app.services.secrets import SecretBox, SecretError

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


class ProtectedError(Exception):
    """A protected interface cannot be changed or deleted."""


# ---- search text -----------------------------------------------------------------------------

def search_text_for(name: str, group: str, type_label: str, branch_name: str | None,
                    branch_number: str | None, workstation_name: str | None) -> str:
    """The lower-cased text one search matches against."""
    parts = [name, group, type_label, branch_number or "", branch_name or "", workstation_name or ""]
    return " | ".join(p.strip().lower() for p in parts if p)[:400]


def denormalise(session: Session, interface: Interface, itype: InterfaceType | None) -> None:
    """Refresh the copies the list searches and sorts by (search text, branch and workstation)."""
    branch = session.get(Branch, interface.branch_id) if interface.branch_id else None
    ws = session.get(Workstation, interface.workstation_id) if interface.workstation_id else None
    interface.search_text = search_text_for(
        interface.name, interface.group, itype.label if itype else interface.type_key,
        branch.name if branch else None, branch.number if branch else None, ws.name if ws else None)
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


def protected_on_workstation(session: Session, workstation_id: int) -> list[str]:
    """Names of the protected interfaces bound to a workstation (they block moving it)."""
    return list(session.scalars(
        sa.select(Interface.name).where(Interface.workstation_id == workstation_id,
                                        Interface.protected.is_(True)).order_by(Interface.name)))


def follow_workstation(session: Session, workstation: Workstation, actor: Actor) -> int:
    """After a workstation moved to another branch, its interfaces move with it.

    Each moved interface gets a history entry; protected ones refuse (check
    `protected_on_workstation` first). Returns how many moved.
    """
    moved = 0
    bound = session.scalars(
        sa.select(Interface).where(Interface.workstation_id == workstation.id)).all()
    for interface in bound:
        if interface.branch_id == workstation.branch_id:
            continue
        if interface.protected:
            raise ProtectedError()
        change = _change(session, "branch_id", interface.branch_id, workstation.branch_id)
        interface.branch_id = workstation.branch_id
        interface.updated_at = utcnow()
        interface.updated_by_id = actor.id
        denormalise(session, interface, interface_types.get(interface.type_key))
        record_event(session, interface, "updated", actor, [change] if change else [])
        moved += 1
    return moved


# ---- status ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Status:
    """What the list's status column says."""

    key: str  # "active" | "planned" | "error"
    start_date: date | None = None
    error: str | None = None


def status_of(start_date: date | None, last_error: str | None, today: date) -> Status:
    """Planned before its start date; failing while its last check failed; otherwise active."""
    if start_date is not None and start_date > today:
        return Status("planned", start_date=start_date)
    if last_error:
        return Status("error", error=last_error)
    return Status("active")


# ---- secrets -------------------------------------------------------------------------------------

def secrets_set(interface: Interface) -> set[str]:
    """Names of the secret fields that hold a value (never the values)."""
    return {s.field for s in interface.secrets}


def read_secret(box: SecretBox, interface: Interface, field: str) -> str | None:
    """Decrypt one secret of an interface for a gateway call or an audited reveal."""
    for secret in interface.secrets:
        if secret.field == field:
            return box.decrypt(secret.value_encrypted)
    return None


def _holds_secret(box: SecretBox, interface: Interface, field: str, value: str) -> bool:
    """Whether the stored secret already is `value` (typing the same one again changes nothing)."""
    try:
        return read_secret(box, interface, field) == value
    except SecretError:  # stored under a lost key: the new value replaces it
        return False


def write_secret(box: SecretBox, interface: Interface, field: str, value: str | None) -> None:
    """Store (encrypted), replace or remove one secret."""
    existing = next((s for s in interface.secrets if s.field == field), None)
    if value is None:
        if existing is not None:
            interface.secrets.remove(existing)
        return
    if existing is None:
        interface.secrets.append(InterfaceSecret(field=field, value_encrypted=box.encrypt(value)))
    else:
        existing.value_encrypted = box.encrypt(value)
        existing.updated_at = utcnow()


# ---- history -------------------------------------------------------------------------------------

def record_event(session: Session, interface: Interface, action: str, actor: Actor | None,
                 changes: list[dict[str, Any]] | None = None, message: str = "", ok: bool = True
                 ) -> InterfaceEvent:
    """Write one history entry of an interface."""
    session.flush()
    event = InterfaceEvent(interface_id=interface.id, interface_name=interface.name,
                           type_key=interface.type_key, action=action,
                           actor_id=getattr(actor, "id", None),
                           actor_name=getattr(actor, "display_name", "") or "",
                           changes=changes or [], message=str(message)[:500], ok=ok)
    session.add(event)
    return event


def _stored_value(session: Session, field: str, value: Any) -> Any:
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


def _change(session: Session, field: str, old: Any, new: Any) -> dict[str, Any] | None:
    """One history line, or None when nothing a person could see changed (empty stays empty, an
    unticked box of a new interface was never ticked)."""
    old, new = _stored_value(session, field, old), _stored_value(session, field, new)
    if old == new or (old is None and new is False):
        return None
    return {"field": field, "old": old, "new": new}


# ---- saving --------------------------------------------------------------------------------------

@dataclass
class InterfaceData:
    """Validated input for one interface (from the form)."""

    name: str
    branch_id: int | None
    workstation_id: int | None
    server_side: bool
    client_side: bool
    start_date: date | None
    protected: bool
    settings: dict[str, Any]
    # Secret field -> new value; a missing key or None keeps the stored secret.
    secrets: dict[str, str | None]


class RuleViolation(ValueError):
    """Data that breaks one of the common rules; `.errors` maps field names to messages."""

    def __init__(self, errors: list[tuple[str, Any]]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors))
        self.errors = errors


def rule_violations(session: Session, itype: InterfaceType, data: InterfaceData,
                    interface: Interface | None = None) -> list[tuple[str, Any]]:
    """The common rules every interface obeys (SPEC §2), as (field, message) pairs.

    The form shows them next to its fields; `create` and `update` refuse data that breaks them, so
    no other caller (demo, command line) can store what the form would refuse.
    """
    errors: list[tuple[str, Any]] = []
    if not (data.server_side or data.client_side):
        errors.append(("server_side", _l("Bitte wählen Sie mindestens eine Verwendung: "
                                         "serverseitig und/oder clientseitig.")))
    if data.server_side and not itype.allows(SERVER):
        errors.append(("server_side", _l("%(type)s kann nicht serverseitig verwendet werden.",
                                         type=itype.display_label)))
    if data.client_side and not itype.allows(CLIENT):
        errors.append(("client_side", _l("%(type)s kann nicht clientseitig verwendet werden.",
                                         type=itype.display_label)))
    if data.workstation_id is not None:
        ws = session.get(Workstation, data.workstation_id)
        if data.server_side:
            errors.append(("server_side", _l(
                "Über die Arbeitsplatzeinstellungen eingerichtete Schnittstellen gelten nur "
                "clientseitig an diesem Rechner.")))
        if ws is not None and data.branch_id != ws.branch_id:
            errors.append(("branch_id", _l("Der Rechner gehört zu einer anderen Filiale.")))
    elif data.branch_id is not None and data.server_side and data.client_side:
        errors.append(("branch_id", _l("Bei serverseitiger und clientseitiger Verwendung ist "
                                       "eine Einschränkung auf eine Filiale nicht möglich.")))
    if data.branch_id is not None and not itype.branch_restrictable:
        errors.append(("branch_id", _l("%(type)s gilt für die ganze Filialkette und kann nicht "
                                       "auf eine Filiale eingeschränkt werden.",
                                       type=itype.display_label)))
    stored = {s.field for s in interface.secrets} if interface is not None else set()
    for secret in itype.secret_fields:
        if (secret.required_when(data.settings) and not data.secrets.get(secret.name)
                and secret.name not in stored):
            errors.append((secret.name, _l("Bitte geben Sie %(label)s an.", label=secret.label)))
    return errors


def check(session: Session, itype: InterfaceType, data: InterfaceData,
          interface: Interface | None = None) -> None:
    """Raise RuleViolation when the data breaks a common rule."""
    errors = rule_violations(session, itype, data, interface)
    if errors:
        raise RuleViolation(errors)


def _apply(session: Session, interface: Interface, itype: InterfaceType, data: InterfaceData,
           box: SecretBox) -> list[dict[str, Any]]:
    """Set the fields; return the list of changes for the history (field keys, never labels)."""
    changes: list[dict[str, Any]] = []
    for field in ("name", "branch_id", "workstation_id", "server_side", "client_side", "start_date"):
        old, new = getattr(interface, field), getattr(data, field)
        if old != new:
            change = _change(session, field, old, new)
            if change:
                changes.append(change)
            setattr(interface, field, new)
    old_settings = dict(interface.settings or {})
    new_settings = {k: data.settings.get(k) for k in itype.setting_names}
    for key in itype.setting_names:
        change = _change(session, key, old_settings.get(key), new_settings.get(key))
        if change:
            changes.append(change)
    interface.settings = new_settings
    for secret in itype.secret_fields:
        value = data.secrets.get(secret.name)
        if value:
            if not _holds_secret(box, interface, secret.name, value):
                write_secret(box, interface, secret.name, value)
                # Only that it changed, never the value (issue: "Passwort geändert").
                changes.append({"field": secret.name, "secret": True})
        elif not secret.required_when(new_settings):
            if any(s.field == secret.name for s in interface.secrets):
                write_secret(box, interface, secret.name, None)
                changes.append({"field": secret.name, "secret": True, "removed": True})
    denormalise(session, interface, itype)
    return changes


def create(session: Session, itype: InterfaceType, data: InterfaceData, box: SecretBox,
           actor: Actor) -> Interface:
    """Create an interface and record it in its history; refuses data that breaks a rule."""
    check(session, itype, data)
    interface = Interface(type_key=itype.key, group=itype.group, settings={}, state={},
                          created_by_id=actor.id, protected=False)
    interface.name = data.name
    session.add(interface)
    changes = _apply(session, interface, itype, data, box)
    session.flush()
    record_event(session, interface, "created", actor, changes)
    if data.protected:
        interface.protected = True
        record_event(session, interface, "protected", actor)
    return interface


def update(session: Session, interface: Interface, itype: InterfaceType, data: InterfaceData,
           box: SecretBox, actor: Actor) -> list[dict[str, Any]]:
    """Save changes of an unprotected interface, recording which fields changed."""
    if interface.protected:
        raise ProtectedError()
    check(session, itype, data, interface)
    changes = _apply(session, interface, itype, data, box)
    if changes:
        interface.updated_at = utcnow()
        interface.updated_by_id = actor.id
        record_event(session, interface, "updated", actor, changes)
    if data.protected:
        set_protected(session, interface, True, actor)
    return changes


def delete(session: Session, interface: Interface, actor: Actor) -> None:
    """Delete an unprotected interface; its history stays."""
    if interface.protected:
        raise ProtectedError()
    record_event(session, interface, "deleted", actor)
    session.delete(interface)


def set_protected(session: Session, interface: Interface, protected: bool, actor: Actor) -> bool:
    """Protect or unprotect; returns whether anything changed."""
    if interface.protected == protected:
        return False
    interface.protected = protected
    interface.updated_at = utcnow()
    interface.updated_by_id = actor.id
    record_event(session, interface, "protected" if protected else "unprotected", actor)
    return True


def record_check(session: Session, interface: Interface, action: str, actor: Actor | None,
                 ok: bool, message: str) -> InterfaceEvent:
    """Record a gateway action's outcome in the history and the interface's status."""
    now = utcnow()
    interface.last_check_at = now
    if ok:
        interface.last_success_at = now
        interface.last_error = None
        interface.last_error_at = None
    else:
        interface.last_error = str(message)[:500]
        interface.last_error_at = now
    return record_event(session, interface, action, actor, message=message, ok=ok)


# ---- which interface applies ------------------------------------------------------------------

def resolve(session: Session, group: str, side: str, today: date, branch_id: int | None = None,
            workstation_id: int | None = None, type_key: str | None = None) -> Interface | None:
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
        rank.append((sa.and_(Interface.branch_id == branch_id, Interface.workstation_id.is_(None)), 2))
    if workstation_id is not None:
        scope.append(Interface.workstation_id == workstation_id)
        rank.append((Interface.workstation_id == workstation_id, 1))
    stmt = (
        sa.select(Interface)
        .where(Interface.group == group, side_col.is_(True),
               sa.or_(Interface.start_date.is_(None), Interface.start_date <= today),
               sa.or_(*scope))
        .order_by(sa.case(*rank, else_=9), Interface.start_date.desc().nulls_last(), Interface.id.desc())
        .limit(1)
    )
    if type_key is not None:
        stmt = stmt.where(Interface.type_key == type_key)
    return session.scalar(stmt)


# ---- the list ------------------------------------------------------------------------------------

SORTS = {
    "group": Interface.group,
    "name": Interface.name,
    "branch": Interface.branch_label,
    "workstation": Interface.workstation_label,
    "server": Interface.server_side,
    "client": Interface.client_side,
    "start": Interface.start_date,
    "status": None,  # built per request: depends on today
}

LIST_COLUMNS = (
    Interface.id, Interface.type_key, Interface.group, Interface.name, Interface.branch_label,
    Interface.workstation_label, Interface.server_side, Interface.client_side,
    # ISO text ("2026-11-22"): the page formats it; no date object per row.
    sa.cast(Interface.start_date, sa.String).label("start_date"),
    Interface.protected, Interface.last_error,
)


@dataclass(frozen=True)
class ListQuery:
    """What the list shows: search text, filter, sort, page."""

    q: str = ""
    # Group and type names as the reader sees them -> as stored (German, lower case): a search
    # for "appointments" also finds the group "Termine". Empty for German readers.
    aliases: tuple[tuple[str, str], ...] = ()
    with_workstation: bool = False
    sort: str = "group"
    desc: bool = False
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class ListPage:
    """One page of rows (plain tuples, no ORM objects) and whether more exist."""

    rows: list[Any]
    query: ListQuery
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.query.page > 1

    @property
    def first(self) -> int:
        return (self.query.page - 1) * self.query.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@lru_cache(maxsize=256)
def _list_statement(sort: str, desc: bool, with_workstation: bool, terms: tuple[int, ...],
                    status_day: bool) -> sa.Select:
    """The list's SELECT for one shape of query, built once; values come as bound parameters.

    `terms` holds, per search term, how many stored names it also stands for (see ListQuery.aliases).
    A statement object memoizes its cache key, so a reused one skips building and hashing.
    A search first picks the page's ids, then reads those rows: in the default order the ids
    come from the index alone (group, name, id, search text), so the rows that do not match are
    never read from the table.
    """
    key = SORTS.get(sort, Interface.group)
    if key is None:  # status: planned after active, failing last
        key = sa.case((Interface.start_date > sa.bindparam("today", type_=sa.Date), 1),
                      (Interface.last_error.is_not(None), 2), else_=0)
    if desc:
        order = [key.desc(), Interface.name.desc(), Interface.id.desc()]
    else:
        order = [key.asc(), Interface.name.asc(), Interface.id.asc()]
    if sort == "name":
        order.pop(1)
    conditions = [
        sa.or_(*(Interface.search_text.like(sa.bindparam(f"term{i}_{j}"), escape="\\")
                 for j in range(1 + alternatives)))
        for i, alternatives in enumerate(terms)]
    if with_workstation:
        conditions.append(Interface.workstation_id.is_not(None))
    limit, offset = sa.bindparam("limit"), sa.bindparam("offset")
    if not terms:
        return sa.select(*LIST_COLUMNS).where(*conditions).order_by(*order).limit(limit).offset(offset)
    ids = (sa.select(Interface.id).where(*conditions).order_by(*order).limit(limit).offset(offset)
           .correlate(None))
    return sa.select(*LIST_COLUMNS).where(Interface.id.in_(ids)).order_by(*order)


def list_page(session: Session, query: ListQuery, today: date) -> ListPage:
    """One page of the interface list in a single statement: no join, no count, an index per sort."""
    terms = [t for t in query.q.lower().split() if t][:5]
    patterns = [[term, *(stored for shown, stored in query.aliases
                          if term in shown and term not in stored)]
                for term in terms]
    sort = query.sort if query.sort in SORTS else "group"
    stmt = _list_statement(sort, query.desc, query.with_workstation,
                           tuple(len(p) - 1 for p in patterns), sort == "status")
    params: dict[str, Any] = {f"term{i}_{j}": f"%{_like_escape(text)}%"
                              for i, texts in enumerate(patterns) for j, text in enumerate(texts)}
    params.update(limit=query.per_page + 1, offset=(query.page - 1) * query.per_page)
    if sort == "status":
        params["today"] = today
    rows = session.connection().execute(stmt, params).all()
    return ListPage(rows=rows[:query.per_page], query=query, has_next=len(rows) > query.per_page)
