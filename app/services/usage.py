"""Where an interface is used: what stops working when it is deleted or disabled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.i18n import ngettext
from app.models import Branch, Customer, Interface, SmsMessage
from app.models.outbox import QUEUED, SENDING
from app.services.interfaces import resolve

REMINDER_TYPE = "appointment_reminder"


@dataclass(frozen=True)
class Usage:
    """One kind of use, in the reader's language, with how many things depend on it."""

    key: str
    text: str
    count: int


def where_used(session: Session, interface: Interface, today: date) -> list[Usage]:
    """The uses of one interface (empty: nothing depends on it)."""
    uses: list[Usage] = []
    if interface.group == "SMS":
        waiting = (
            session.scalar(
                sa.select(sa.func.count())
                .select_from(SmsMessage)
                .where(
                    SmsMessage.interface_id == interface.id,
                    SmsMessage.status.in_((QUEUED, SENDING)),
                )
            )
            or 0
        )
        if waiting:
            uses.append(
                Usage(
                    "outbox",
                    ngettext(
                        "%(num)d SMS wartet im Ausgang auf den Versand über diese Schnittstelle.",
                        "%(num)d SMS warten im Ausgang auf den Versand über diese Schnittstelle.",
                        waiting,
                    ),
                    waiting,
                )
            )
        if (
            interface.server_side
            and resolve(session, "Termine", "server", today, type_key=REMINDER_TYPE) is not None
        ):
            served = _branches_served(session, interface, today)
            if served:
                uses.append(
                    Usage(
                        "reminders",
                        ngettext(
                            "Terminerinnerungen von %(num)d Filiale werden über diese "
                            "Schnittstelle gesendet.",
                            "Terminerinnerungen von %(num)d Filialen werden über diese "
                            "Schnittstelle gesendet.",
                            served,
                        ),
                        served,
                    )
                )
    if interface.type_key == "sinno_app":
        customers = (
            session.scalar(
                sa.select(sa.func.count())
                .select_from(Customer)
                .where(Customer.sinno_status.in_(("invited", "active")))
            )
            or 0
        )
        if customers:
            uses.append(
                Usage(
                    "customers",
                    ngettext(
                        "%(num)d Kunde ist über die SiNNO-App aktiviert oder eingeladen.",
                        "%(num)d Kunden sind über die SiNNO-App aktiviert oder eingeladen.",
                        customers,
                    ),
                    customers,
                )
            )
    if interface.type_key == "sinno_chat":
        synced = (interface.state or {}).get("chats_synced")
        if synced:
            uses.append(
                Usage(
                    "chats",
                    ngettext(
                        "%(num)d Chat wird über diese Schnittstelle synchronisiert.",
                        "%(num)d Chats werden über diese Schnittstelle synchronisiert.",
                        int(synced),
                    ),
                    int(synced),
                )
            )
    return uses


def _branches_served(session: Session, interface: Interface, today: date) -> int:
    """How many branches send their reminders through `interface` (what `resolve` picks for each
    branch), in at most two statements, not one per branch.

    A branch uses its own branch-restricted SMS interface when it has one, else the chain-wide
    one `resolve` ranks first; a workstation-bound interface sends no reminders.
    """
    if interface.workstation_id is not None:
        return 0
    if interface.branch_id is not None:
        used = resolve(session, "SMS", "server", today, branch_id=interface.branch_id)
        return 1 if used is not None and used.id == interface.id else 0
    chain_wide = resolve(session, "SMS", "server", today)
    if chain_wide is None or chain_wide.id != interface.id:
        return 0
    own = (
        sa.select(Interface.id)
        .where(
            Interface.branch_id == Branch.id,
            Interface.workstation_id.is_(None),
            Interface.group == "SMS",
            Interface.server_side.is_(True),
            sa.or_(Interface.start_date.is_(None), Interface.start_date <= today),
        )
        .exists()
    )
    return session.scalar(sa.select(sa.func.count()).select_from(Branch).where(~own)) or 0
