"""An interface's history as its reader sees it: labels, choices and dates in the reader's language.

The history stores field keys and language-neutral values (see services.interface_history.change_of), so an
entry written by an English-speaking admin reads in German for a German reader and vice versa.
Entries written before that stored a ready-made "label" and display texts; they are shown as stored.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.orm import Session
from wtforms import DateField

from app.models import InterfaceEvent
from app.services import interface_types
from app.services.interface_types import InterfaceType
from app.services.interfaces import COMMON_LABELS
from app.services.pagination import LIST_PAGE_SIZE, Slice, fetch_slice
from app.template_helpers import fmt_date, yesno


@dataclass(frozen=True)
class ChangeLine:
    """One changed field: "Absender: Optik → Neu", or for a secret only that it changed."""

    label: str
    old: str | Markup = ""
    new: str | Markup = ""
    secret: bool = False
    removed: bool = False


@cache
def _fields(itype: InterfaceType) -> dict[str, Any]:
    """The type's form fields by name (labels and choices are lazy: translated when shown)."""
    return dict(itype.settings_form()._fields)


def _choice_labels(field) -> dict[Any, Any]:
    choices = getattr(field, "choices", None)
    if not choices or callable(choices):
        return {}
    return dict(choices)


def _value(name: str, field, value: Any) -> str | Markup:
    if value is None or value == "" or value == "—":
        return "—"
    if isinstance(value, bool):
        return yesno(value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "—"
    label = _choice_labels(field).get(value) if field is not None else None
    if label is not None:
        return str(label)
    if name == "start_date" or isinstance(field, DateField):
        try:
            return fmt_date(date.fromisoformat(value))
        except (TypeError, ValueError):
            pass
    return str(value)


def label_of(name: str, itype: InterfaceType | None, stored: str | None = None) -> str:
    """A field's label in the reader's language (`stored`: what an old entry kept)."""
    if name in COMMON_LABELS:
        return str(COMMON_LABELS[name])
    if itype is not None:
        secret = next((s for s in itype.secret_fields if s.name == name), None)
        if secret is not None:
            return str(secret.label)
        field = _fields(itype).get(name)
        if field is not None:
            return str(field.label.text)
    return stored or name


def describe(change: dict[str, Any], itype: InterfaceType | None) -> ChangeLine:
    """A stored change as the reader reads it (entries written before values were stored
    language-neutral keep their stored label)."""
    name = change.get("field", "")
    label = label_of(name, itype, change.get("label"))
    if change.get("secret"):
        return ChangeLine(label=label, secret=True, removed=bool(change.get("removed")))
    field = _fields(itype).get(name) if itype is not None else None
    return ChangeLine(
        label=label,
        old=_value(name, field, change.get("old")),
        new=_value(name, field, change.get("new")),
    )


@dataclass(frozen=True)
class HistoryEntry:
    """One event with its changes described."""

    event: InterfaceEvent
    lines: list[ChangeLine]


def history_page(
    session: Session, interface_id: int, page: int = 1, per_page: int | None = None
) -> Slice:
    """One page of an interface's history (HistoryEntry items), newest first (also after the
    interface was deleted); `per_page` defaults to the app's LIST_PAGE_SIZE."""
    per_page = per_page or current_app.config.get("LIST_PAGE_SIZE", LIST_PAGE_SIZE)
    events = fetch_slice(
        session,
        sa.select(InterfaceEvent)
        .where(InterfaceEvent.interface_id == interface_id)
        .order_by(InterfaceEvent.at.desc(), InterfaceEvent.id.desc()),
        page,
        per_page,
    )
    return replace(
        events,
        items=[
            HistoryEntry(
                event,
                [
                    describe(c, interface_types.get(event.type_key or ""))
                    for c in event.changes or []
                ],
            )
            for event in events.items
        ],
    )


def action_labels() -> dict[str, str]:
    """History actions in the reader's language."""
    return {
        "created": _("angelegt"),
        "updated": _("geändert"),
        "deleted": _("gelöscht"),
        "protected": _("geschützt"),
        "unprotected": _("Schutz aufgehoben"),
        "test_sms": _("Test-SMS"),
        "balance": _("Guthaben abgefragt"),
        "login": _("angemeldet"),
        "logout": _("abgemeldet"),
        "check": _("Verbindung geprüft"),
        "reminder_run": _("Erinnerungslauf"),
        "sinno_register": _("Kunde registriert"),
        "sinno_deactivate": _("Kunde deaktiviert"),
        "test_email": _("Test-E-Mail"),
        "email": _("E-Mail-Versand"),
        "chat_sync": _("Chat-Synchronisation"),
        "chat_reply": _("Chat-Antwort"),
    }
