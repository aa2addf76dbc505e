"""The registry of interface types: `register(key, group, label, ...)` once per type module,
`get(key)` to look up."""

from __future__ import annotations

from typing import Any

from app.i18n import N_
from app.services.interface_types.base import (  # noqa: F401
    CLIENT,
    SERVER,
    Action,
    CheckResult,
    CheckTarget,
    InterfaceType,
    SecretField,
)

_TYPES: dict[str, InterfaceType] = {}
GROUPS = ("SMS", "Termine", "App", "E-Mail")
GROUP_LABELS = {
    "SMS": N_("SMS"),
    "Termine": N_("Termine"),
    "App": N_("App"),
    "E-Mail": N_("E-Mail"),
}


def group_label(group: str) -> str:
    """A group's name in the reader's language (stored in German)."""
    from app.i18n import _

    return _(GROUP_LABELS.get(group, group))


def register(key: str, group: str, label: str, **declared: Any) -> InterfaceType:
    """Declare a type and add it to the registry: its key, group and (German) name, then the
    other `InterfaceType` fields by name (usages, settings_form, description, ...)."""
    itype = InterfaceType(key, group, label, **declared)
    if itype.key in _TYPES:
        raise ValueError(f"Interface type {itype.key!r} is registered twice")
    if itype.group not in GROUPS:
        raise ValueError(f"Unknown group {itype.group!r}")
    _TYPES[itype.key] = itype
    return itype


def get(key: str) -> InterfaceType | None:
    """The type with this key, or None."""
    return _TYPES.get(key)


def all_types() -> list[InterfaceType]:
    """Every registered type, by group and name."""
    return sorted(_TYPES.values(), key=lambda t: (GROUPS.index(t.group), t.label))


def display_labels() -> dict[str, str]:
    """Type key -> the type's name in the reader's language."""
    return {t.key: t.display_label for t in all_types()}


def secret_label(name: str) -> str:
    """A secret field's label in the reader's language, whichever type has it (audit entries keep
    only the field's key); the key itself when no type knows it."""
    for itype in _TYPES.values():
        for secret in itype.secret_fields:
            if secret.name == name:
                return str(secret.label)
    return name


def _load() -> None:
    # One import per type module; each module registers itself.
    from app.services.interface_types import (  # noqa: F401
        email_smtp,
        reminder,
        sinno_app,
        sinno_chat,
        smsapi,
    )


_load()
