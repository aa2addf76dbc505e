"""Forms of Mein Bereich: profile, password change, notification preferences."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.blueprints.fields import email_field, new_password_fields
from app.services import phone


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ProfileForm(FlaskForm):
    """What a user may change about themselves (not role, branch or user name)."""

    full_name = StringField(
        _l("Anzeigename"), filters=[_strip], validators=[Optional(), Length(max=120)]
    )
    email = email_field(filters=[_strip])
    mobile = StringField(
        _l("Mobilfunknummer"),
        filters=[_strip],
        validators=[Optional(), Length(max=32)],
        render_kw={"inputmode": "tel", "autocomplete": "tel"},
        description=_l("Für SMS-Benachrichtigungen; ohne Landesvorwahl gilt +49."),
    )
    locale = SelectField(_l("Sprache"), choices=[("de", "Deutsch"), ("en", "English")])

    def values(self) -> dict:
        """The cleaned values for the account service."""
        return {
            "full_name": self.full_name.data or "",
            "email": self.email.data or None,
            "mobile": getattr(self, "mobile_digits", None) if self.mobile.data else None,
            "locale": self.locale.data,
        }

    def validate_mobile(self, field):
        """Stored as the SMS gateway writes it (491711234567)."""
        if not field.data:
            return
        try:
            self.mobile_digits = phone.normalise_mobile(
                field.data, phone.DEFAULT_COUNTRY_CODE
            ).gateway_digits
        except phone.InvalidPhoneNumber as exc:
            raise ValidationError(exc.message) from None


class PasswordChangeForm(FlaskForm):
    """A new password, confirmed with the current one."""

    current = PasswordField(
        _l("Aktuelles Passwort"),
        validators=[DataRequired(message=_l("Bitte geben Sie Ihr aktuelles Passwort ein."))],
        render_kw={"autocomplete": "current-password"},
    )
    password, confirm = new_password_fields(_l("Neues Passwort"), _l("Neues Passwort wiederholen"))

    def __init__(self, *args, username: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self._username = username


def preferences_form(
    events,
    channels: tuple[str, ...],
    current: dict[str, str],
    labels: dict[str, str],
    formdata=None,
):
    """One radio group per event; unavailable channels are not offered (kept if already chosen)."""

    class PreferencesForm(FlaskForm):
        pass

    for event in events:
        offered = [c for c in labels if c in channels or c == current.get(event.key)]
        setattr(
            PreferencesForm,
            f"event_{event.key}",
            RadioField(
                event.key, choices=[(c, labels[c]) for c in offered], default=current.get(event.key)
            ),
        )
    return PreferencesForm(formdata=formdata) if formdata is not None else PreferencesForm()
