"""Plain factory functions for test data."""

from __future__ import annotations

import itertools

from app.extensions import db
from app.models import Branch, Interface, Role, SmsMessage, User, Workstation

_seq = itertools.count(1)


def make_user(
    role: str = "employee", username: str | None = None, password: str = "correct-horse-1", **kw
) -> User:
    user = User(username=username or f"user{next(_seq)}", role=Role(role).value, **kw)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def make_branch(number: str | None = None, **kw) -> Branch:
    n = next(_seq)
    fields = dict(
        number=number or str(100 + n),
        code=f"B{n}",
        name=f"Filiale {n}",
        street="Hauptstraße 1",
        postcode="70173",
        city="Stuttgart",
        country="DE",
        phone="+49 711 123456",
        email=f"filiale{n}@example.org",
    )
    fields.update(kw)
    branch = Branch(**fields)
    db.session.add(branch)
    db.session.flush()
    return branch


def make_workstation(branch: Branch | None = None, name: str | None = None) -> Workstation:
    branch = branch or make_branch()
    ws = Workstation(name=name or f"PC-{next(_seq):03d}", branch_id=branch.id)
    db.session.add(ws)
    db.session.flush()
    return ws


def make_interface(
    type_key: str = "smsapi", name: str | None = None, secrets: dict | None = None, **kw
) -> Interface:
    """An interface stored directly (for list, resolution and role tests)."""
    from datetime import date

    from app.extensions import secret_box
    from app.services import interface_types
    from app.services.interfaces import denormalise, write_secret

    itype = interface_types.get(type_key)
    fields = dict(
        type_key=type_key,
        group=itype.group,
        name=name or f"{itype.label} {next(_seq)}",
        server_side=True,
        client_side=False,
        settings=dict(itype.defaults),
        state={},
        start_date=date(2020, 1, 1),
    )
    fields.update(kw)
    interface = Interface(**fields)
    denormalise(db.session, interface, itype)
    db.session.add(interface)
    for field, value in (secrets or {}).items():
        write_secret(secret_box(), interface, field, value)
    db.session.flush()
    return interface


def make_sms(interface: Interface | None, status: str = "sent", at=None, **kw) -> SmsMessage:
    """An SMS to a customer through `interface`, created, claimed and (when sent) sent `at`
    (default: now); added to the session, not committed."""
    from app.models.base import utcnow

    at = at or utcnow()
    fields = dict(
        kind="customer",
        status=status,
        interface_id=interface.id if interface else None,
        to_number="491711234567",
        text="x",
        created_at=at,
        claimed_at=at,
        sent_at=at if status == "sent" else None,
    )
    fields.update(kw)
    message = SmsMessage(**fields)
    db.session.add(message)
    return message
