"""The common rules every interface obeys (SPEC §2), shared by the form and the service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.i18n import _, _l
from app.models import Interface, Workstation
from app.services.interface_types import CLIENT, SERVER, InterfaceType


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


def rule_violations(
    session: Session, itype: InterfaceType, data: InterfaceData, interface: Interface | None = None
) -> list[tuple[str, Any]]:
    """The common rules every interface obeys (SPEC §2), as (field, message) pairs.

    The form shows them next to its fields; `create` and `update` refuse data that breaks them, so
    no other caller (demo, command line) can store what the form would refuse.
    """
    errors: list[tuple[str, Any]] = []
    if not (data.server_side or data.client_side):
        errors.append(
            (
                "server_side",
                _l(
                    "Bitte wählen Sie mindestens eine Verwendung: "
                    "serverseitig und/oder clientseitig."
                ),
            )
        )
    if data.server_side and not itype.allows(SERVER):
        errors.append(
            (
                "server_side",
                _("%(type)s kann nicht serverseitig verwendet werden.", type=itype.display_label),
            )
        )
    if data.client_side and not itype.allows(CLIENT):
        errors.append(
            (
                "client_side",
                _("%(type)s kann nicht clientseitig verwendet werden.", type=itype.display_label),
            )
        )
    if data.workstation_id is not None:
        ws = session.get(Workstation, data.workstation_id)
        if data.server_side:
            errors.append(
                (
                    "server_side",
                    _l(
                        "Über die Arbeitsplatzeinstellungen eingerichtete Schnittstellen gelten nur "
                        "clientseitig an diesem Rechner."
                    ),
                )
            )
        if ws is not None and data.branch_id != ws.branch_id:
            errors.append(("branch_id", _l("Der Rechner gehört zu einer anderen Filiale.")))
    elif data.branch_id is not None and data.server_side and data.client_side:
        errors.append(
            (
                "branch_id",
                _l(
                    "Bei serverseitiger und clientseitiger Verwendung ist "
                    "eine Einschränkung auf eine Filiale nicht möglich."
                ),
            )
        )
    if data.branch_id is not None and not itype.branch_restrictable:
        errors.append(
            (
                "branch_id",
                _(
                    "%(type)s gilt für die ganze Filialkette und kann nicht "
                    "auf eine Filiale eingeschränkt werden.",
                    type=itype.display_label,
                ),
            )
        )
    stored = {s.field for s in interface.secrets} if interface is not None else set()
    for secret in itype.secret_fields:
        if (
            secret.required_when(data.settings)
            and not data.secrets.get(secret.name)
            and secret.name not in stored
        ):
            errors.append((secret.name, _("Bitte füllen Sie „%(label)s“ aus.", label=secret.label)))
    return errors


def check(
    session: Session, itype: InterfaceType, data: InterfaceData, interface: Interface | None = None
) -> None:
    """Raise RuleViolation when the data breaks a common rule."""
    errors = rule_violations(session, itype, data, interface)
    if errors:
        raise RuleViolation(errors)
