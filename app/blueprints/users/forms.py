"""Forms for creating and editing accounts and setting passwords."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import (
    Length,
    Optional,
    ValidationError,
)

from app.blueprints.fields import (
    BranchField,
    RecordForm,
    Required,
    code_field,
    email_field,
    new_password_fields,
    optional_int,
)
from app.extensions import db
from app.models import Role, User, Workstation
from app.services.users import would_remove_last_admin
from app.template_helpers import role_label


def role_choices() -> list[tuple[str, str]]:
    """The roles, named in the reader's language as everywhere (role_label)."""
    return [(role.value, role_label(role.value)) for role in Role]


def _workstation_choices() -> list[tuple[str, str]]:
    rows = db.session.execute(
        sa.select(Workstation.id, Workstation.name).order_by(Workstation.name)
    )
    return [("", _l("— keiner —"))] + [(str(r.id), r.name) for r in rows]


class UserForm(RecordForm):
    """Account details an admin edits."""

    full_name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    email = email_field()
    role = SelectField(_l("Rolle"), choices=role_choices, validators=[Required()])
    branch_id = BranchField(blank=_l("— keine —"))
    workstation_id = SelectField(
        _l("Arbeitsplatz"), choices=_workstation_choices, coerce=optional_int, validate_choice=True
    )
    layout = (
        ("username",),
        ("full_name", "email"),
        ("role", "branch_id", "workstation_id"),
        ("password", "confirm"),
        ("active",),
    )

    def values(self) -> dict:
        """The cleaned values for the account service."""
        return {
            "full_name": self.full_name.data or "",
            "email": self.email.data or None,
            "role": self.role.data,
            "branch_id": self.branch_id.data,
            "workstation_id": self.workstation_id.data,
        }

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.workstation_id.data and self.branch_id.data:
            ws = db.session.get(Workstation, self.workstation_id.data)
            if ws is not None and ws.branch_id != self.branch_id.data:
                self.workstation_id.errors.append(
                    _l("Der Arbeitsplatz gehört nicht zur gewählten Filiale.")
                )
                ok = False
        return ok


class UserCreateForm(UserForm):
    """A new account with its first password."""

    username = code_field(
        _l("Benutzername"),
        r"^[A-Za-z0-9._@-]+$",
        _l("Nur Buchstaben, Ziffern und . _ @ - sind erlaubt (keine Leerzeichen)."),
        min=2,
        max=64,
    )
    password, confirm = new_password_fields(_l("Passwort"), _l("Passwort wiederholen"))

    def values(self) -> dict:
        """The new account's values, with its first password."""
        return dict(
            super().values(), username=self.username.data.strip(), password=self.password.data
        )

    def validate_username(self, field):
        if self.taken(User, sa.func.lower(User.username) == field.data.strip().lower()):
            raise ValidationError(_l("Dieser Benutzername ist bereits vergeben."))


class UserEditForm(UserForm):
    """Editing an existing account."""

    active = BooleanField(
        _l("Konto aktiv"),
        description=_l(
            "Aus: Niemand kann sich mehr damit anmelden; wer angemeldet ist, wird beim "
            "Speichern abgemeldet."
        ),
    )

    def __init__(self, *args, record: User | None = None, **kwargs):
        super().__init__(*args, record=record, **kwargs)
        if record is not None and not self.is_submitted():
            self.active.data = record.is_active_account

    def values(self) -> dict:
        """The changed account's values."""
        return dict(super().values(), is_active_account=bool(self.active.data))

    def validate(self, extra_validators=None) -> bool:
        """No admin demotes or deactivates themself, and one active admin always remains."""
        if not super().validate(extra_validators):
            return False
        user, active = self.record, bool(self.active.data)
        if user.id == current_user.id and (self.role.data != user.role or not active):
            self.role.errors.append(
                _l(
                    "Sie können Ihre eigene Rolle nicht ändern und Ihr eigenes Konto "
                    "nicht deaktivieren."
                )
            )
            return False
        if would_remove_last_admin(db.session, user, self.role.data, active):
            self.role.errors.append(
                _l("Das ist der letzte aktive Administrator; es muss mindestens einen geben.")
            )
            return False
        return True


class PasswordSetForm(FlaskForm):
    """An admin sets a new password for an account."""

    password, confirm = new_password_fields(_l("Neues Passwort"), _l("Passwort wiederholen"))

    def __init__(self, *args, username: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._username = username
