"""The branch form with its Geschäftsstelle address."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from app.blueprints.fields import Fieldset, RecordForm, Required, code_field, email_field
from app.models import Branch
from app.services.addresses import (
    COUNTRIES,
    POSTCODE_EXAMPLES,
    country_name,
    normalise_phone,
    postcode_valid,
)


def country_choices() -> list[tuple[str, str]]:
    """The countries of a business office, named in the reader's language."""
    language = str(get_locale() or "de")
    return [(code, country_name(code, language)) for code in COUNTRIES]


class BranchForm(RecordForm):
    """A branch and its business office."""

    number = code_field(
        _l("Filialnummer"), r"^\d+$", _l("Die Filialnummer besteht nur aus Ziffern."), max=10
    )
    code = code_field(
        _l("Kürzel"),
        r"^[A-Za-z0-9]+$",
        _l("Nur Buchstaben und Ziffern, ohne Leerzeichen."),
        max=10,
        description=_l("Kurzzeichen der Filiale, z. B. STR."),
    )
    name = StringField(_l("Name"), validators=[Required(), Length(max=120)])
    street = StringField(_l("Straße und Hausnummer"), validators=[Required(), Length(max=120)])
    postcode = StringField(_l("PLZ"), validators=[Required(), Length(max=12)])
    city = StringField(_l("Ort"), validators=[Required(), Length(max=80)])
    country = SelectField(_l("Land"), choices=country_choices, default="DE")
    phone = StringField(_l("Telefon"), validators=[Optional(), Length(max=32)])
    email = email_field(description=_l("Wird u. a. für die SiNNO-App benötigt."))

    layout = (
        ("number", "code", "name"),
        Fieldset(
            _l("Geschäftsstelle"),
            (("street",), ("postcode", "city", "country"), ("phone", "email")),
        ),
    )

    def values(self) -> dict:
        """The cleaned values for the organisation service."""
        country = self.country.data
        return {
            "number": self.number.data.strip(),
            "code": self.code.data.strip().upper(),
            "name": self.name.data.strip(),
            "street": self.street.data.strip(),
            "postcode": self.postcode.data.strip().upper(),
            "city": self.city.data.strip(),
            "country": country,
            "phone": normalise_phone(self.phone.data, country) if self.phone.data else None,
            "email": (self.email.data or "").strip().lower() or None,
        }

    def validate_number(self, field):
        if self.taken(Branch, Branch.number == field.data.strip()):
            raise ValidationError(_l("Eine Filiale mit dieser Nummer gibt es bereits."))

    def validate_code(self, field):
        if self.taken(Branch, Branch.code == field.data.strip().upper()):
            raise ValidationError(_l("Dieses Kürzel ist bereits vergeben."))

    def validate_postcode(self, field):
        if self.country.data in COUNTRIES and not postcode_valid(self.country.data, field.data):
            raise ValidationError(
                _(
                    "Die PLZ passt nicht zum Land (Beispiel: %(example)s).",
                    example=POSTCODE_EXAMPLES[self.country.data],
                )
            )

    def validate_phone(self, field):
        if field.data and normalise_phone(field.data, self.country.data) is None:
            raise ValidationError(
                _l(
                    "Bitte geben Sie eine gültige Telefonnummer ein, "
                    "z. B. 0711 123456 oder +49 711 123456."
                )
            )
