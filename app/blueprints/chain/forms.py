"""The chain settings form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from app.blueprints.fields import Required


class ChainForm(FlaskForm):
    """Name of the chain."""

    name = StringField(_l("Name der Filialkette"), validators=[Required(), Length(max=120)])


class SecurityForm(FlaskForm):
    """The security option; changing it needs the admin's own password."""

    admins_may_view_passwords = BooleanField(
        _l("Administratoren dürfen gesetzte Passwörter einsehen")
    )
    current_password = PasswordField(
        _l("Ihr Passwort zur Bestätigung"),
        validators=[
            DataRequired(message=_l("Bitte bestätigen Sie die Änderung mit Ihrem Passwort."))
        ],
        render_kw={"autocomplete": "current-password"},
    )
