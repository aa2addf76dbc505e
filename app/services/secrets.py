"""Encryption of stored secrets with MultiFernet: the only module that encrypts or decrypts
(app/config.py imports Fernet only to check the configured keys)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SecretError(Exception):
    """A stored secret cannot be decrypted with any configured key."""


@dataclass
class SecretBox:
    """Encrypts with the newest key; decrypts with any of them (keys newest first)."""

    keys: list[str]
    _fernet: MultiFernet = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.keys:
            raise ValueError("At least one Fernet key is needed (FERNET_KEYS).")
        self._fernet = MultiFernet([Fernet(k) for k in self.keys])

    def __repr__(self) -> str:  # never show keys
        return f"<SecretBox {len(self.keys)} key(s)>"

    def encrypt(self, plaintext: str) -> str:
        """Encrypt a secret for storage."""
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """Decrypt a stored secret."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError):
            raise SecretError("The secret cannot be decrypted with the configured keys.") from None

    def rotate(self, token: str) -> str:
        """Re-encrypt a stored secret with the newest key."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, ValueError):
            raise SecretError("The secret cannot be decrypted with the configured keys.") from None

    def uses_newest_key(self, token: str) -> bool:
        """Whether a stored secret is already encrypted with the newest key."""
        try:
            Fernet(self.keys[0]).decrypt(token.encode("ascii"))
            return True
        except (InvalidToken, ValueError):
            return False


def generate_key() -> str:
    """A new Fernet key (for FERNET_KEYS)."""
    return Fernet.generate_key().decode("ascii")


@dataclass(frozen=True)
class RotationReport:
    """What a rotation or check found, secret by secret (never the values)."""

    rotated: list[str]
    current: list[str]
    failed: list[str]


def rotate_all(box: SecretBox, rows: Iterable, label, dry_run: bool = False) -> RotationReport:
    """Re-encrypt every row's `value_encrypted` with the newest key; report, never stop, on failures."""
    rotated, current, failed = [], [], []
    for row in rows:
        name = label(row)
        try:
            if box.uses_newest_key(row.value_encrypted):
                current.append(name)
                continue
            new_token = box.rotate(row.value_encrypted)
        except SecretError:
            failed.append(name)
            continue
        if not dry_run:
            row.value_encrypted = new_token
        rotated.append(name)
    return RotationReport(rotated, current, failed)
