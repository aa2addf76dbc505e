"""An interface's history as its reader sees it: labels, choices and dates in the reader's language.

The history stores field keys and language-neutral values (see services.interfaces._change), so an
entry written by an English-speaking admin reads in German for a German reader and vice versa.
Entries written before that stored a ready-made "label" and display texts; they are shown as stored.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.orm import Session

from app.models import InterfaceEvent
from app.services import interface_types
from app.services.interface_types import InterfaceType
from app.services.interfaces import COMMON_LABELS
from app.template_helpers import yesno

PAGE_SIZE = 50


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
    return {key: label for key, label in choices}


def _value(field, value: Any) -> str | Markup:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return yesno(value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "—"
    label = _choice_labels(field).get(value) if field is not None else None
    if label is not None:
        return str(label)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return format_date(date.fromisoformat(value), "medium")
        except ValueError:
            pass
    return str(value)


def describe(change: dict[str, Any], itype: InterfaceType | None) -> ChangeLine:
    """A stored change as the reader reads it."""
    name = change.get("field", "")
    field = _fields(itype).get(name) if itype is not None else None
    if name in COMMON_LABELS:
        label = str(COMMON_LABELS[name])
    elif field is not None:
        label = str(field.label.text)
    else:
        label = change.get("label") or name
    if itype is not None and name in itype.secret_names:
        secret = next(s for s in itype.secret_fields if s.name == name)
        label = str(secret.label)
    if change.get("secret"):
        return ChangeLine(label=label, secret=True, removed=bool(change.get("removed")))
    if "label" in change:  # written before values were stored language-neutral
        return ChangeLine(label=label, old=_legacy(change.get("old")), new=_legacy(change.get("new")))
    return ChangeLine(label=label, old=_value(field, change.get("old")),
                      new=_value(field, change.get("new")))


def _legacy(value: Any) -> str | Markup:
    return yesno(value) if isinstance(value, bool) else str(value)


@dataclass(frozen=True)
class HistoryEntry:
    """One event with its changes described."""

    event: InterfaceEvent
    lines: list[ChangeLine]


@dataclass(frozen=True)
class HistoryPage:
    entries: list[HistoryEntry]
    page: int
    has_next: bool


def history_page(session: Session, interface_id: int, page: int = 1, per_page: int = PAGE_SIZE
                 ) -> HistoryPage:
    """One page of an interface's history, newest first (also after the interface was deleted)."""
    events = session.scalars(
        sa.select(InterfaceEvent).where(InterfaceEvent.interface_id == interface_id)
        .order_by(InterfaceEvent.at.desc(), InterfaceEvent.id.desc())
        .limit(per_page + 1).offset((page - 1) * per_page)).all()
    entries = [HistoryEntry(event, [describe(c, interface_types.get(event.type_key or ""))
                                    for c in event.changes or []])
               for event in events[:per_page]]
    return HistoryPage(entries=entries, page=page, has_next=len(events) > per_page)


def action_labels() -> dict[str, str]:
    """History actions in the reader's language."""
    return {"created": _("angelegt"), "updated": _("geändert"), "deleted": _("gelöscht"),
            "protected": _("geschützt"), "unprotected": _("Schutz aufgehoben"),
            "test_sms": _("Test-SMS"), "balance": _("Guthaben abgefragt"), "login": _("angemeldet"),
            "logout": _("abgemeldet"), "check": _("Verbindung geprüft"),
            "reminder_run": _("Erinnerungslauf")}
