"""Log-in and language forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from app.blueprints.fields import Required


class LoginForm(FlaskForm):
    """User name and password."""

    username = StringField(
        _l("Benutzername"),
        validators=[Required(), Length(max=64)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        _l("Passwort"),
        validators=[Required(), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class LanguageForm(FlaskForm):
    """The language switch in the header."""

    lang = HiddenField(validators=[DataRequired()])
    next = HiddenField()
