"""SiNNO-App Service: the customers' smartphone app of the shop (SPEC §4.3)."""

from __future__ import annotations

from urllib.parse import urlsplit

import wtforms
from wtforms import validators as v

from app.i18n import N_, _l
from app.services.interface_types import base, fields, register

DEFAULT_SERVER = "https://winpro.api.ipro.de/v1"
DEFAULT_CLIENT_ID = "winpro"


class SinnoAppSettingsForm(wtforms.Form):
    """Zugangsdaten of the seed's form."""

    server = fields.text(
        _l("Server"),
        200,
        required=_l("Bitte geben Sie die Server-Adresse an."),
        default=DEFAULT_SERVER,
    )
    client_id = fields.text(
        _l("ClientID"),
        64,
        required=_l("Bitte geben Sie die ClientID an."),
        default=DEFAULT_CLIENT_ID,
    )
    company_no = fields.text(
        _l("Firmen-Nr."),
        32,
        required=_l("Bitte geben Sie die Firmen-Nr. an, die Sie vom Anbieter erhalten haben."),
        validators=[
            v.Regexp(
                r"^[A-Za-z0-9-]+$",
                message=_l("Die Firmen-Nr. besteht aus Buchstaben, Ziffern und Bindestrichen."),
            ),
        ],
        description=_l("Wird Ihnen bei der Einrichtung vom Anbieter mitgeteilt."),
    )

    proxy_host = fields.proxy_host()
    proxy_port = fields.proxy_port()

    def validate_server(self, field):
        """https://, or plain http:// only for the simulator on this very computer."""
        parts = urlsplit(field.data or "")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise wtforms.ValidationError(_l("Die Server-Adresse muss mit https:// beginnen."))
        if parts.scheme == "http" and not fields.is_loopback(parts.hostname):
            raise wtforms.ValidationError(
                _l(
                    "Die Server-Adresse muss mit https:// beginnen (http:// nur für einen Simulator auf "
                    "diesem Rechner)."
                )
            )
        if parts.username or parts.password or parts.query or parts.fragment:
            raise wtforms.ValidationError(
                _l("Die Server-Adresse darf weder Zugangsdaten noch Parameter enthalten.")
            )

    validate_proxy_host = fields.validate_proxy_host


def _validate(form, interface) -> None:
    """Proxy server and port come as a pair."""
    fields.validate_proxy_pair(form)


def _check(target: base.CheckTarget) -> base.CheckResult:
    """ "Verbindung prüfen": is the stored session still accepted (no log-in, no log-out)?"""
    from app.services import sinno_interface  # the client layer imports the type registry

    return base.CheckResult(**sinno_interface.check_connection(target))


SINNO_APP = register(
    "sinno_app",
    "App",
    N_("SiNNO-App Service"),
    description=_l(
        "Die Smartphone-App für Ihre Kunden. Anmelden stellt die Verbindung einmalig her."
    ),
    usages=base.BOTH_SIDES,
    default_usages=base.BOTH_SIDES,  # the seed: server and client side
    check=_check,
    protocol="sinno",
    settings_form=SinnoAppSettingsForm,
    defaults={"server": DEFAULT_SERVER, "client_id": DEFAULT_CLIENT_ID},
    # Anmelden / Abmelden, the state and the dashboard link (blueprints/interfaces/sinno_actions.py).
    actions=(
        base.Action(
            "sinno_session",
            _l("Anmelden / Abmelden"),
            "interfaces.sinno_login",
            frozenset({"admin"}),
        ),
    ),
    validate=_validate,
)
