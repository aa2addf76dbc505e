"""What an interface type declares: group, name, usages, form, secrets, actions, own validation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import wtforms

from app.i18n import Text

SERVER = "server"
CLIENT = "client"
# The usages a type offers (InterfaceType.usages).
SERVER_SIDE = frozenset({SERVER})
BOTH_SIDES = frozenset({SERVER, CLIENT})


@dataclass(frozen=True)
class SecretField:
    """A form field whose value is stored encrypted and never shown."""

    name: str
    label: Any
    # Only required while this returns True for the submitted settings (e.g. the credential mode).
    required_when: Callable[[dict[str, Any]], bool] = lambda settings: True


@dataclass(frozen=True)
class Action:
    """An operation offered on an interface's page (e.g. "Guthaben abfragen")."""

    key: str
    label: Any
    endpoint: str
    roles: frozenset[str]


@dataclass(frozen=True)
class CheckTarget:
    """What a connection check gets: plain values, no database session (checks run in threads).

    `secrets` are decrypted for the gateway call only; a check never returns or logs them.
    """

    interface_id: int
    settings: dict[str, Any]
    state: dict[str, Any]
    secrets: dict[str, str]
    timeouts: tuple[float, float] | None = None


@dataclass(frozen=True)
class CheckResult:
    """A connection check's outcome in plain words (German and English), never with a secret."""

    ok: bool
    # Plain words, never a secret; language-neutral (app.i18n.Text) so each reader gets their own.
    message: Text | str
    # The SMS credit the check read, when the type has one.
    balance: float | None = None
    # Runtime facts to keep in Interface.state (e.g. {"logged_in": True} for a SiNNO session).
    state: dict[str, Any] = field(default_factory=dict)


# A non-destructive connection check: reads (balance, token, EHLO), never sends or changes anything.
Check = Callable[[CheckTarget], CheckResult]


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one object per type
class InterfaceType:
    """One kind of interface; adding a type is one module and one `register()` call.

    `key`, `group` and `label` say which type it is; the other fields say what it does.
    """

    key: str
    group: str
    label: str
    usages: frozenset[str]
    settings_form: type[wtforms.Form]
    secret_fields: tuple[SecretField, ...] = ()
    actions: tuple[Action, ...] = ()
    defaults: dict[str, Any] = field(default_factory=dict)
    description: Any = ""
    branch_restrictable: bool = True
    # Settings that cannot change after the first save (the form says why).
    locked_after_create: tuple[str, ...] = ()
    # Extra template fragments shown below the type's fields in the form (e.g. a live preview).
    form_extras: tuple[str, ...] = ()
    # Fields shown only while another field has a value: {"token": ("auth_mode", "token")}; the
    # type requires them while shown (its rules say so; the form marks them *).
    show_when: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Cross-field rules of the type: (form, interface or None) -> None, appending to field.errors.
    validate: Callable[[Any, Any], None] | None = None
    # Usages ticked on a new interface when the type has several (None: none ticked).
    default_usages: frozenset[str] | None = None
    # "Verbindung prüfen" (status board, worker): None when the type has nothing to check.
    check: Check | None = None
    # The protocol its gateway speaks: which of `gateway.Timeouts` its check gets.
    protocol: str = "sms"

    @property
    def display_label(self) -> str:
        """The type's name in the reader's language (`label` stays German: it is searched)."""
        from app.i18n import _

        return _(self.label)

    @property
    def secret_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.secret_fields)

    @property
    def setting_names(self) -> tuple[str, ...]:
        """The non-secret fields of the type's form, stored in Interface.settings."""
        names = tuple(self.settings_form()._fields)
        return tuple(n for n in names if n not in self.secret_names)

    @property
    def preselected_usages(self) -> frozenset[str]:
        """The usages ticked on a new interface: `default_usages`, or the only usage there is."""
        if self.default_usages is not None:
            return self.default_usages
        return self.usages if len(self.usages) == 1 else frozenset()

    def allows(self, usage: str) -> bool:
        return usage in self.usages
