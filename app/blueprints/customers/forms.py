"""The customer form: contact details, language, branch and consent to SMS."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.blueprints.fields import BranchField, RecordForm, Required, email_field
from app.models import Customer
from app.services import customers as service
from app.services import phone
from app.services.phone import InvalidPhoneNumber

COUNTRY_CODE = phone.DEFAULT_COUNTRY_CODE  # numbers typed without a prefix


def salutation_choices() -> list[tuple[str, str]]:
    """Herr, Frau, Divers or none (stored as "herr", "frau", "divers", "")."""
    return [("", _l("keine")), ("herr", _l("Herr")), ("frau", _l("Frau")), ("divers", _l("Divers"))]


class CustomerForm(RecordForm):
    """A customer; the SiNNO-App fields are not part of it (read-only)."""

    salutation = SelectField(_l("Anrede"), choices=salutation_choices, default="")
    first_name = StringField(_l("Vorname"), validators=[Optional(), Length(max=80)])
    last_name = StringField(_l("Nachname"), validators=[Required(), Length(max=80)])
    number = StringField(_l("Kundennummer"), validators=[Optional(), Length(max=20)])
    mobile = StringField(
        _l("Mobilnummer"),
        description=_l("z. B. 0171 2345678 oder +49 171 2345678"),
        validators=[Optional(), Length(max=32)],
        render_kw={"autocomplete": "off"},
    )
    email = email_field()
    language = SelectField(
        _l("Sprache"), choices=[("de", _l("Deutsch")), ("en", _l("Englisch"))], default="de"
    )
    branch_id = BranchField(validators=[DataRequired(message=_l("Bitte wählen Sie eine Filiale."))])
    sms_consent = BooleanField(
        _l("Einwilligung zu SMS"), description=_l("Der Kunde hat zugestimmt, SMS zu erhalten.")
    )

    layout = (
        ("salutation", "first_name", "last_name"),
        ("number", "branch_id", "language"),
        ("mobile", "email"),
        ("sms_consent",),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.international_mobile: str | None = None

    def validate_number(self, field):
        if field.data and self.taken(Customer, Customer.number == field.data.strip()):
            raise ValidationError(_l("Ein Kunde mit dieser Kundennummer existiert bereits."))

    def validate_email(self, field):
        if field.data and self.taken(
            Customer, sa.func.lower(Customer.email) == field.data.strip().lower()
        ):
            raise ValidationError(_l("Diese E-Mail-Adresse hat bereits ein anderer Kunde."))

    def validate_mobile(self, field):
        if not (field.data or "").strip():
            return
        try:
            self.international_mobile = service.international_mobile(field.data, COUNTRY_CODE)
        except InvalidPhoneNumber as exc:
            raise ValidationError(exc.message) from None

    def values(self) -> dict:
        """The cleaned values for the customer service."""
        return {
            "salutation": self.salutation.data or "",
            "first_name": (self.first_name.data or "").strip(),
            "last_name": self.last_name.data.strip(),
            "number": (self.number.data or "").strip() or None,
            "mobile": self.international_mobile,
            "email": (self.email.data or "").strip().lower() or None,
            "language": self.language.data,
            "branch_id": self.branch_id.data,
            "sms_consent": bool(self.sms_consent.data),
        }
