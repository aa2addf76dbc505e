"""Saving interfaces: create, update, delete, protect, follow a moved workstation; always with history."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Interface, Workstation
from app.models.base import utcnow
from app.services import interface_types
from app.services.interface_history import Actor, change_of, record_event
from app.services.interface_rules import InterfaceData, check
from app.services.interface_search import denormalise
from app.services.interface_secrets import holds_secret, write_secret
from app.services.interface_types import InterfaceType
from app.services.secrets import SecretBox


class ProtectedError(Exception):
    """A protected interface cannot be changed or deleted."""


def _apply(
    session: Session,
    interface: Interface,
    itype: InterfaceType,
    data: InterfaceData,
    box: SecretBox,
) -> list[dict[str, Any]]:
    """Set the fields; return the list of changes for the history (field keys, never labels)."""
    changes: list[dict[str, Any]] = []
    for field in (
        "name",
        "branch_id",
        "workstation_id",
        "server_side",
        "client_side",
        "start_date",
    ):
        old, new = getattr(interface, field), getattr(data, field)
        if old != new:
            change = change_of(session, field, old, new)
            if change:
                changes.append(change)
            setattr(interface, field, new)
    old_settings = dict(interface.settings or {})
    new_settings = {k: data.settings.get(k) for k in itype.setting_names}
    for key in itype.setting_names:
        change = change_of(session, key, old_settings.get(key), new_settings.get(key))
        if change:
            changes.append(change)
    interface.settings = new_settings
    for secret in itype.secret_fields:
        value = data.secrets.get(secret.name)
        if value:
            if not holds_secret(box, interface, secret.name, value):
                write_secret(box, interface, secret.name, value)
                # Only that it changed, never the value (issue: "Passwort geändert").
                changes.append({"field": secret.name, "secret": True})
        elif not secret.required_when(new_settings) and any(
            s.field == secret.name for s in interface.secrets
        ):
            write_secret(box, interface, secret.name, None)
            changes.append({"field": secret.name, "secret": True, "removed": True})
    denormalise(session, interface, itype)
    return changes


def create(
    session: Session, itype: InterfaceType, data: InterfaceData, box: SecretBox, actor: Actor
) -> Interface:
    """Create an interface and record it in its history; refuses data that breaks a rule."""
    check(session, itype, data)
    interface = Interface(
        type_key=itype.key,
        group=itype.group,
        settings={},
        state={},
        created_by_id=actor.id,
        protected=False,
    )
    interface.name = data.name
    session.add(interface)
    changes = _apply(session, interface, itype, data, box)
    session.flush()
    record_event(session, interface, "created", actor, changes)
    if data.protected:
        interface.protected = True
        record_event(session, interface, "protected", actor)
    return interface


def update(
    session: Session,
    interface: Interface,
    itype: InterfaceType,
    data: InterfaceData,
    box: SecretBox,
    actor: Actor,
) -> list[dict[str, Any]]:
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


def protected_on_workstation(session: Session, workstation_id: int) -> list[str]:
    """Names of the protected interfaces bound to a workstation (they block moving it)."""
    return list(
        session.scalars(
            sa.select(Interface.name)
            .where(Interface.workstation_id == workstation_id, Interface.protected.is_(True))
            .order_by(Interface.name)
        )
    )


def follow_workstation(session: Session, workstation: Workstation, actor: Actor) -> int:
    """After a workstation moved to another branch, its interfaces move with it.

    Each moved interface gets a history entry; protected ones refuse (check
    `protected_on_workstation` first). Returns how many moved.
    """
    moved = 0
    bound = session.scalars(
        sa.select(Interface).where(Interface.workstation_id == workstation.id)
    ).all()
    for interface in bound:
        if interface.branch_id == workstation.branch_id:
            continue
        if interface.protected:
            raise ProtectedError()
        change = change_of(session, "branch_id", interface.branch_id, workstation.branch_id)
        interface.branch_id = workstation.branch_id
        interface.updated_at = utcnow()
        interface.updated_by_id = actor.id
        denormalise(session, interface, interface_types.get(interface.type_key))
        record_event(session, interface, "updated", actor, [change] if change else [])
        moved += 1
    return moved
