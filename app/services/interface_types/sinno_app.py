"""SiNNO-App Service: the customers' smartphone app of the shop (SPEC §4.3)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import wtforms
from wtforms import validators as v

from app.i18n import N_, _l
from app.services.interface_types import (
    CLIENT,
    SERVER,
    Action,
    CheckResult,
    CheckTarget,
    InterfaceType,
    register,
)
from app.services.interface_types.smsapi import _is_loopback

DEFAULT_SERVER = "https://winpro.api.ipro.de/v1"
DEFAULT_CLIENT_ID = "winpro"


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class SinnoAppSettingsForm(wtforms.Form):
    """Zugangsdaten of the seed's form."""

    server = wtforms.StringField(
        _l("Server"),
        default=DEFAULT_SERVER,
        filters=[_strip],
        validators=[
            v.InputRequired(message=_l("Bitte geben Sie die Server-Adresse an.")),
            v.Length(max=200),
        ],
    )
    client_id = wtforms.StringField(
        _l("ClientID"),
        default=DEFAULT_CLIENT_ID,
        filters=[_strip],
        validators=[
            v.InputRequired(message=_l("Bitte geben Sie die ClientID an.")),
            v.Length(max=64),
        ],
    )
    company_no = wtforms.StringField(
        _l("Firmen-Nr."),
        filters=[_strip],
        validators=[
            v.InputRequired(
                message=_l(
                    "Bitte geben Sie die Firmen-Nr. an, die Sie vom Anbieter erhalten haben."
                )
            ),
            v.Length(max=32),
            v.Regexp(
                r"^[A-Za-z0-9-]+$",
                message=_l("Die Firmen-Nr. besteht aus Buchstaben, Ziffern und Bindestrichen."),
            ),
        ],
        description=_l("Wird Ihnen bei der Einrichtung vom Anbieter mitgeteilt."),
    )

    proxy_host = wtforms.StringField(
        _l("Proxy Server"), filters=[_strip], validators=[v.Optional(), v.Length(max=200)]
    )
    proxy_port = wtforms.IntegerField(
        _l("Proxy Port"),
        validators=[
            v.Optional(),
            v.NumberRange(
                min=1, max=65535, message=_l("Der Port muss zwischen 1 und 65535 liegen.")
            ),
        ],
    )

    def validate_server(self, field):
        """https://, or plain http:// only for the simulator on this very computer."""
        parts = urlsplit(field.data or "")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise wtforms.ValidationError(_l("Die Server-Adresse muss mit https:// beginnen."))
        if parts.scheme == "http" and not _is_loopback(parts.hostname):
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

    def validate_proxy_host(self, field):
        if field.data and not re.fullmatch(r"[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:]+\]", field.data):
            raise wtforms.ValidationError(
                _l(
                    "Bitte nur den Rechnernamen oder die IP-Adresse des "
                    "Proxys angeben (ohne http:// und ohne Port)."
                )
            )


def _validate(form, interface) -> None:
    """Proxy server and port come as a pair."""
    has_host, has_port = bool(form.proxy_host.data), form.proxy_port.data is not None
    if has_host != has_port and not form.proxy_port.errors:
        target = form.proxy_port if has_host else form.proxy_host
        target.errors.append(
            _l("Proxy Server und Proxy Port bitte beide angeben oder beide leer lassen.")
        )


def _check(target: CheckTarget) -> CheckResult:
    """ "Verbindung prüfen": is the stored session still accepted (no log-in, no log-out)?"""
    from app.services import sinno_interface  # the client layer imports the type registry

    return CheckResult(**sinno_interface.check_connection(target))


SINNO_APP = register(
    InterfaceType(
        key="sinno_app",
        group="App",
        label=N_("SiNNO-App Service"),
        description=_l(
            "Die Smartphone-App für Ihre Kunden. Anmelden stellt die Verbindung einmalig her."
        ),
        usages=frozenset({SERVER, CLIENT}),
        default_usages=frozenset({SERVER, CLIENT}),  # the seed: server and client side
        check=_check,
        settings_form=SinnoAppSettingsForm,
        defaults={"server": DEFAULT_SERVER, "client_id": DEFAULT_CLIENT_ID},
        # Anmelden / Abmelden, the state and the dashboard link (blueprints/interfaces/sinno_actions.py).
        actions=(
            Action(
                "sinno_session",
                _l("Anmelden / Abmelden"),
                "interfaces.sinno_login",
                frozenset({"admin"}),
            ),
        ),
        validate=_validate,
    )
)
