"""SiNNO-App Service: the customers' smartphone app of the shop (SPEC §4.3)."""
from __future__ import annotations

from urllib.parse import urlsplit

import wtforms
from wtforms import validators as v

from app.i18n import N_, _l
from app.services.interface_types import CLIENT, SERVER, InterfaceType, register

DEFAULT_SERVER = "https://winpro.api.ipro.de/v1"
DEFAULT_CLIENT_ID = "winpro"


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class SinnoAppSettingsForm(wtforms.Form):
    """Zugangsdaten of the seed's form."""

    server = wtforms.StringField(_l("Server"), default=DEFAULT_SERVER, filters=[_strip], validators=[
        v.InputRequired(message=_l("Bitte geben Sie die Server-Adresse an.")), v.Length(max=200)])
    client_id = wtforms.StringField(_l("ClientID"), default=DEFAULT_CLIENT_ID, filters=[_strip],
                                    validators=[v.InputRequired(message=_l(
                                        "Bitte geben Sie die ClientID an.")), v.Length(max=64)])
    company_no = wtforms.StringField(_l("Firmen-Nr."), filters=[_strip], validators=[
        v.InputRequired(message=_l("Bitte geben Sie die Firmen-Nr. an, die Sie vom Anbieter "
                                   "erhalten haben.")),
        v.Length(max=32),
        v.Regexp(r"^[A-Za-z0-9-]+$", message=_l("Die Firmen-Nr. besteht aus Buchstaben, Ziffern "
                                                  "und Bindestrichen."))],
        description=_l("Wird Ihnen bei der Einrichtung vom Anbieter mitgeteilt."))

    def validate_server(self, field):
        parts = urlsplit(field.data or "")
        if parts.scheme != "https" or not parts.netloc:
            raise wtforms.ValidationError(_l("Die Server-Adresse muss mit https:// beginnen."))


SINNO_APP = register(InterfaceType(
    key="sinno_app",
    group="App",
    label=N_("SiNNO-App Service"),
    description=_l("Die Smartphone-App für Ihre Kunden. Anmelden stellt die Verbindung einmalig her."),
    usages=frozenset({SERVER, CLIENT}),
    default_usages=frozenset({SERVER, CLIENT}),  # the seed: server and client side
    settings_form=SinnoAppSettingsForm,
    defaults={"server": DEFAULT_SERVER, "client_id": DEFAULT_CLIENT_ID},
))
