"""An interface's secret fields: stored encrypted, read only for a gateway call or an audited reveal."""

from __future__ import annotations

from app.models import Interface, InterfaceSecret
from app.models.base import utcnow
from app.services.secrets import SecretBox, SecretError


def secrets_set(interface: Interface) -> set[str]:
    """Names of the secret fields that hold a value (never the values)."""
    return {s.field for s in interface.secrets}


def read_secret(box: SecretBox, interface: Interface, field: str) -> str | None:
    """Decrypt one secret of an interface for a gateway call or an audited reveal."""
    for secret in interface.secrets:
        if secret.field == field:
            return box.decrypt(secret.value_encrypted)
    return None


def holds_secret(box: SecretBox, interface: Interface, field: str, value: str) -> bool:
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
