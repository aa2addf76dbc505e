"""What several features' forms share: the branch choice, e-mail, password and code fields, layouts."""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectFieldBase
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from app.extensions import db
from app.models import Branch
from app.services.users import MIN_PASSWORD_LENGTH


def optional_int(value):
    """A select's value as int, None for the empty choice (and for anything malformed)."""
    try:
        return int(value) if value not in (None, "", "None") else None
    except (TypeError, ValueError):
        return None


def branch_options() -> list[tuple[str, str]]:
    """Every branch as (id, "number name"), by number: for selects and list filters."""
    rows = db.session.execute(
        sa.select(Branch.id, Branch.number, Branch.name).order_by(Branch.number)
    )
    return [(str(r.id), f"{r.number} {r.name}") for r in rows]


class Required(DataRequired):
    """DataRequired whose message names the field: "Bitte füllen Sie „Nachname“ aus." (a choice:
    "Bitte wählen Sie „Rolle“ aus.") instead of WTForms' "Dieses Feld wird benötigt.", which
    does not say which box of a form is meant. A `message` given still wins."""

    def __call__(self, form, field):
        if self.message is not None:
            return super().__call__(form, field)
        try:
            super().__call__(form, field)
        except StopValidation:
            label = field.label.text
            if isinstance(field, SelectFieldBase):
                raise StopValidation(_("Bitte wählen Sie „%(label)s“ aus.", label=label)) from None
            raise StopValidation(_("Bitte füllen Sie „%(label)s“ aus.", label=label)) from None


class BranchField(SelectField):
    """A branch select; `blank` is the label of the empty choice (None: a branch must be chosen)."""

    def __init__(self, label=None, validators=None, blank=_l("— bitte wählen —"), **kwargs):
        # Choices are loaded when a form is made, so a new branch appears without a restart.
        super().__init__(
            label if label is not None else _l("Filiale"),
            validators,
            coerce=optional_int,
            choices=lambda: ([("", blank)] if blank is not None else []) + branch_options(),
            **kwargs,
        )


class RecordForm(FlaskForm):
    """A CrudView's form: it knows the record it edits (None while creating one)."""

    def __init__(self, *args, record=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.record = record

    def taken(self, model: type, condition) -> bool:
        """Whether a record of `model` other than the edited one matches `condition` (uniqueness)."""
        stmt = sa.select(model.id).where(condition)
        if self.record is not None:
            stmt = stmt.where(model.id != self.record.id)
        return db.session.scalar(stmt.limit(1)) is not None


class Fieldset(NamedTuple):
    """A titled group of rows in a form's `layout` (see _macros/forms.html render_layout)."""

    legend: object
    rows: tuple


def email_field(description=None, filters=()) -> EmailField:
    """An optional e-mail address (254 characters at most)."""
    return EmailField(
        _l("E-Mail"),
        description=description,
        filters=list(filters),
        validators=[
            Optional(),
            Email(message=_l("Bitte geben Sie eine gültige E-Mail-Adresse ein.")),
            Length(max=254),
        ],
    )


def code_field(label, pattern: str, message, max: int, min: int = -1, description=None):
    """A required identifier typed by hand (number, short code, computer or user name)."""
    return StringField(
        label,
        description=description,
        validators=[Required(), Length(min=min, max=max), Regexp(pattern, message=message)],
    )


class PasswordRules:
    """The password policy as a WTForms validator, with a message in the user's language."""

    def __call__(self, form, field):
        if len(field.data or "") < MIN_PASSWORD_LENGTH:
            raise ValidationError(
                _("Das Passwort muss mindestens %(n)d Zeichen lang sein.", n=MIN_PASSWORD_LENGTH)
            )
        username = getattr(form, "username", None)
        name = username.data if username is not None else getattr(form, "_username", None)
        if name and field.data.strip().lower() == name.strip().lower():
            raise ValidationError(_l("Das Passwort darf nicht der Benutzername sein."))


def new_password_fields(label, repeat_label) -> tuple[PasswordField, PasswordField]:
    """A new password under the policy and its repetition: `password, confirm = ...` in a form."""
    new_password = {"autocomplete": "new-password"}
    return (
        PasswordField(label, validators=[Required(), PasswordRules()], render_kw=new_password),
        PasswordField(
            repeat_label,
            validators=[
                Required(),
                EqualTo("password", message=_l("Die Passwörter stimmen nicht überein.")),
            ],
            render_kw=new_password,
        ),
    )
