""" "Diagnose herunterladen": one interface as a JSON document, with every secret redacted.

Redaction is layered: secret fields are never read (only whether they are set); keys that name
credentials or contact data are replaced whatever their value; e-mail addresses and phone numbers
are replaced inside every text; and any stored secret that still turned up is cut out by value.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Interface, InterfaceEvent, StatusIncident
from app.models.base import utcnow
from app.services import interface_types
from app.services.interfaces import read_secret
from app.services.secrets import SecretBox, SecretError
from app.services.status_board import state_of

REDACTED = "[entfernt]"
SECRET_KEY = re.compile(
    r"pass|token|secret|session|auth_?key|api_?key|credential|cookie|user(name)?$|"
    r"mail|phone|telefon|mobile|number|^to$|sender",
    re.IGNORECASE,
)
# Keys that look like the above but hold no secret (settings choices, counts).
ALLOWED_KEYS = {"auth_mode", "max_chars", "country_code", "secrets_set", "secret_changed"}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# Seven digits or more, with the usual separators; ISO dates are left alone.
PHONE = re.compile(r"(?<![\w-])\+?\d(?:[ /().-]?\d){6,}(?![\w-])")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
HISTORY_ENTRIES = 50


def _scrub_text(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    text = EMAIL.sub("[E-Mail entfernt]", text)
    return PHONE.sub(
        lambda m: m.group(0) if ISO_DATE.fullmatch(m.group(0)) else "[Rufnummer entfernt]", text
    )


def redact(value: Any, secrets: list[str], key: str = "") -> Any:
    """A copy of `value` with credential-like keys, contact data and known secrets removed."""
    if (
        key
        and key not in ALLOWED_KEYS
        and SECRET_KEY.search(key)
        and value not in (None, "", True, False)
    ):
        return REDACTED
    if isinstance(value, dict):
        return {k: redact(v, secrets, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v, secrets) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, str):
        return _scrub_text(value, secrets)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return _scrub_text(str(value), secrets)


def _secret_values(value: Any, key: str = "") -> list[str]:
    """Texts kept under credential-like keys anywhere in `value` (to cut out wherever they recur)."""
    if isinstance(value, dict):
        return [v for k, item in value.items() for v in _secret_values(item, str(k))]
    if isinstance(value, (list, tuple)):
        return [v for item in value for v in _secret_values(item, key)]
    if (
        isinstance(value, str)
        and len(value) >= 4
        and key not in ALLOWED_KEYS
        and SECRET_KEY.search(key)
    ):
        return [value]
    return []


def _known_secrets(box: SecretBox, interface: Interface) -> list[str]:
    values = _secret_values(interface.state or {}) + _secret_values(interface.settings or {})
    for secret in interface.secrets:
        try:
            value = read_secret(box, interface, secret.field)
        except SecretError:
            continue
        if value and len(value) >= 4:
            values.append(value)
    return sorted(set(values), key=len, reverse=True)


def document(
    session: Session, box: SecretBox, interface: Interface, today: date, now: datetime | None = None
) -> dict[str, Any]:
    """The redacted diagnostics of one interface."""
    now = now or utcnow()
    itype = interface_types.get(interface.type_key)
    secret_names = set(itype.secret_names) if itype else set()
    settings = {k: v for k, v in (interface.settings or {}).items() if k not in secret_names}
    logged_in = (interface.state or {}).get("logged_in")
    state = state_of(
        interface.start_date,
        interface.last_error,
        interface.last_check_at,
        interface.last_success_at,
        logged_in if isinstance(logged_in, bool) else None,
        today,
    )
    events = session.scalars(
        sa.select(InterfaceEvent)
        .where(InterfaceEvent.interface_id == interface.id)
        .order_by(InterfaceEvent.at.desc(), InterfaceEvent.id.desc())
        .limit(HISTORY_ENTRIES)
    ).all()
    incidents = session.scalars(
        sa.select(StatusIncident)
        .where(StatusIncident.interface_id == interface.id)
        .order_by(StatusIncident.opened_at.desc())
        .limit(20)
    ).all()
    doc = {
        "generated_at": now,
        "interface": {
            "id": interface.id,
            "name": interface.name,
            "group": interface.group,
            "type": interface.type_key,
            "type_label": itype.label if itype else None,
            "branch": interface.branch_label or None,
            "workstation": interface.workstation_label or None,
            "server_side": interface.server_side,
            "client_side": interface.client_side,
            "start_date": interface.start_date,
            "protected": interface.protected,
            "created_at": interface.created_at,
            "updated_at": interface.updated_at,
        },
        "settings": settings,
        "secrets_set": sorted(s.field for s in interface.secrets),
        "runtime_state": interface.state or {},
        "status": {
            "state": state.key,
            "last_check_at": interface.last_check_at,
            "last_success_at": interface.last_success_at,
            "last_error": interface.last_error,
            "last_error_at": interface.last_error_at,
            "balance_points": (
                None if interface.balance_points is None else float(interface.balance_points)
            ),
            "balance_checked_at": interface.balance_checked_at,
        },
        "last_errors": [
            {"at": e.at, "action": e.action, "message": e.message} for e in events if not e.ok
        ][:10],
        "incidents": [
            {
                "kind": i.kind,
                "message": i.message,
                "opened_at": i.opened_at,
                "resolved_at": i.resolved_at,
            }
            for i in incidents
        ],
        "history": [
            {
                "at": e.at,
                "action": e.action,
                "ok": e.ok,
                "actor": e.actor_name,
                "message": e.message,
                "changes": _changes(e.changes, secret_names),
            }
            for e in events
        ],
    }
    return redact(doc, _known_secrets(box, interface))


def _changes(changes: list[dict[str, Any]] | None, secret_names: set[str]) -> list[dict[str, Any]]:
    out = []
    for change in changes or []:
        name = change.get("field", "")
        if change.get("secret") or name in secret_names:
            out.append({"field": name, "secret_changed": True})
        else:
            out.append({"field": name, "old": change.get("old"), "new": change.get("new")})
    return out
