"""SMSAPI / HQsms: the SMS gateway of LINK Mobility (SPEC §4.1)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import phonenumbers
import wtforms
from wtforms import validators as v

from app.i18n import N_, T_, _, _l, points_param
from app.services import phone, sms_length
from app.services.interface_types import base, fields, register
from app.services.smsapi import GatewayError, SmsApiClient, SmsApiSettings

SERVICES = (
    ("smsapi_pl", "SMSAPI.pl (api.smsapi.pl)"),
    ("smsapi_com", "SMSAPI.com (api.smsapi.com)"),
    ("hqsms", _l("HQsms (%(host)s, Altsystem)", host="ssl.hqsms.com")),
    ("custom", _l("Eigene Basis-URL")),
)
AUTH_PASSWORD = "password"
AUTH_TOKEN = "token"
# The gateway takes at most 10 parts: 1530 GSM-7 characters (protocol notes §6).
GATEWAY_MAX_CHARS = 1530
SENDER_NAME = re.compile(r"^[A-Za-z0-9]{1,11}$")


class SmsApiSettingsForm(wtforms.Form):
    """The SMS Details of the seed's form."""

    service = wtforms.SelectField(
        _l("Dienst"),
        choices=SERVICES,
        default="smsapi_pl",
        description=_l("Ein Schlüsseltoken gilt nur für den Dienst, bei dem er erstellt wurde."),
    )
    base_url = fields.text(
        _l("Basis-URL"),
        200,
        description=_l("Nur bei „Eigene Basis-URL“, z. B. https://sms.example.org/api/"),
    )
    auth_mode = wtforms.RadioField(
        _l("Zugang über"),
        default=AUTH_TOKEN,
        choices=[
            (AUTH_PASSWORD, _l("Benutzername und Passwort")),
            (AUTH_TOKEN, _l("Schlüsseltoken")),
        ],
    )
    username = fields.text(_l("Benutzername"), 100)
    password = wtforms.PasswordField(_l("Passwort"), validators=[v.Optional(), v.Length(max=200)])
    token = wtforms.PasswordField(
        _l("Schlüsseltoken"),
        validators=[
            v.Optional(),
            v.Length(max=500),
            # Sent in an HTTP header: a space, line break or other character picked up while
            # copying would fail every call later with a misleading transport error.
            v.Regexp(
                r"\s*[!-~]*\s*\Z",
                message=_l(
                    "Der Schlüsseltoken enthält ein Leer- oder Sonderzeichen, das in keinem Token"
                    " vorkommt. Bitte kopieren Sie den Token erneut."
                ),
            ),
        ],
    )
    sender = wtforms.StringField(
        _l("Absender"),
        filters=[fields.strip],
        validators=[v.Optional()],
        description=_l(
            "Leer = vom Gateway erzeugte Nummer. Sonst bis zu 11 "
            "Buchstaben/Ziffern ohne Leer- und Sonderzeichen, "
            "oder eine Rufnummer. Ein eigener Absender kostet "
            "ggf. mehr Credits."
        ),
    )
    country_code = wtforms.StringField(
        _l("Landescode"),
        default=phone.DEFAULT_COUNTRY_CODE,
        filters=[fields.strip],
        validators=[v.InputRequired(message=_l("Bitte geben Sie einen Landescode an, z. B. +49."))],
    )
    max_chars = wtforms.IntegerField(
        _l("Max. Zeichen"),
        default=sms_length.DEFAULT_MAX_CHARS,
        validators=[
            fields.number_required(),
            v.NumberRange(
                min=1,
                max=GATEWAY_MAX_CHARS,
                message=_l(
                    "Max. Zeichen muss zwischen 1 und %(max)d liegen (das Gateway nimmt höchstens 10 Teile "
                    "an).",
                    max=GATEWAY_MAX_CHARS,
                ),
            ),
        ],
    )
    low_balance = wtforms.FloatField(
        _l("Warnschwelle Guthaben"),
        validators=[
            v.Optional(),
            v.NumberRange(
                min=0, max=1_000_000, message=_l("Bitte geben Sie eine Punktzahl ab 0 an.")
            ),
        ],
        description=_l(
            "Fällt das Guthaben darunter, werden die Administratoren gewarnt. Leer = keine Warnung."
        ),
    )
    proxy_host = fields.proxy_host()
    proxy_port = fields.proxy_port()

    def validate_sender(self, field):
        """A sender name, or a phone number stored as the gateway writes it (491711234567)."""
        value = field.data or ""
        if not value or SENDER_NAME.match(value):
            return
        if re.fullmatch(r"\+?[\d /-]{5,24}", value):
            digits = re.sub(r"[ /-]", "", value)
            if digits.startswith("00"):
                digits = digits[2:]
            try:
                number = phonenumbers.parse("+" + digits.lstrip("+"), None)
            except phonenumbers.NumberParseException:
                number = None
            if number is not None and phonenumbers.is_possible_number(number):
                field.data = phonenumbers.format_number(
                    number, phonenumbers.PhoneNumberFormat.E164
                ).lstrip("+")
                return
        raise wtforms.ValidationError(
            _l(
                "Der Absender darf leer sein, bis zu 11 Buchstaben oder Ziffern ohne Leer- und "
                "Sonderzeichen enthalten oder eine Rufnummer mit Landesvorwahl sein."
            )
        )

    def validate_country_code(self, field):
        code = (field.data or "").replace(" ", "")
        if code.startswith("00"):
            code = "+" + code[2:]
        if not code.startswith("+"):
            code = "+" + code
        if not phone.country_code_valid(code):
            raise wtforms.ValidationError(
                _(
                    "„%(code)s“ ist kein gültiger Landescode. Beispiele: +49 (Deutschland), +48 (Polen).",
                    code=field.data,
                )
            )
        field.data = code

    validate_proxy_host = fields.validate_proxy_host


def _base_url_error(url: str):
    """Why a custom base URL cannot be used, or None.

    Credentials travel with every request, so plain http is only for a simulator or relay on
    this very computer, and the URL itself must not carry a user name or password (it is shown).
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _l("Die Basis-URL muss mit https:// beginnen, z. B. https://sms.example.org/api/.")
    if parts.username or parts.password:
        return _l(
            "Die Basis-URL darf keinen Benutzernamen und kein Passwort enthalten; "
            "Zugangsdaten gehören in die Felder darunter."
        )
    if parts.scheme == "http" and not fields.is_loopback(parts.hostname):
        return _l(
            "Die Basis-URL muss mit https:// beginnen: Zugangsdaten werden sonst "
            "unverschlüsselt übertragen (http:// nur für einen Simulator auf diesem Rechner)."
        )
    if parts.query or parts.fragment:
        return _l("Die Basis-URL darf keine Parameter (?…) oder Anker (#…) enthalten.")
    return None


def _validate(form, interface) -> None:
    """Cross-field rules: service URL, credentials by mode, proxy pair, locked credential mode.

    Fields the chosen service or mode hides arrive empty (the common form clears them).
    """
    if form.service.data == "custom":
        url = form.base_url.data or ""
        error = _base_url_error(url) if url else _l("Bitte geben Sie die Basis-URL an.")
        if error:
            form.base_url.errors.append(error)
    stored_mode = interface.settings.get("auth_mode") if interface is not None else None
    mode = form.auth_mode.data
    if stored_mode and mode != stored_mode:
        form.auth_mode.errors.append(
            _l(
                "Die Zugangsart kann nach dem ersten Speichern nicht mehr geändert werden. Löschen Sie "
                "die Schnittstelle und legen Sie sie neu an."
            )
        )
        return
    if mode == AUTH_PASSWORD and not form.username.data:
        form.username.errors.append(_l("Bitte geben Sie den Benutzernamen an."))
    fields.validate_proxy_pair(form)


def check(target: base.CheckTarget) -> base.CheckResult:
    """ "Verbindung prüfen": read the credit (nothing is sent); the gateway's error in plain words."""
    name = SmsApiSettings.credential(target.settings)
    settings = SmsApiSettings.of(
        target, **{name: target.secrets.get(name)}, timeouts=target.timeouts
    )
    client = SmsApiClient(settings)
    try:
        balance = client.balance()
    except GatewayError as exc:
        return base.CheckResult(False, exc.text)
    finally:
        client.close()
    if balance.points is None:
        return base.CheckResult(True, T_("Verbindung in Ordnung."))
    return base.CheckResult(
        True,
        T_(
            "Verbindung in Ordnung, Guthaben: %(points)s Punkte.",
            points=points_param(balance.points),
        ),
        balance=balance.points,
    )


SMSAPI = register(
    "smsapi",
    "SMS",
    N_("SMSAPI / HQsms"),
    description=_l("SMS-Gateway des polnischen Anbieters LINK Mobility (SMSAPI, früher HQsms)."),
    usages=base.BOTH_SIDES,
    settings_form=SmsApiSettingsForm,
    secret_fields=(
        base.SecretField("password", _l("Passwort"), lambda s: s.get("auth_mode") == AUTH_PASSWORD),
        base.SecretField("token", _l("Schlüsseltoken"), lambda s: s.get("auth_mode") == AUTH_TOKEN),
    ),
    actions=(
        base.Action(
            "test_sms", _l("Test SMS absenden"), "interfaces.test_sms", frozenset({"admin"})
        ),
        base.Action(
            "balance",
            _l("Guthaben abfragen"),
            "interfaces.balance",
            frozenset({"admin", "helpdesk"}),
        ),
    ),
    defaults={
        "service": "smsapi_pl",
        "auth_mode": AUTH_TOKEN,
        "country_code": phone.DEFAULT_COUNTRY_CODE,
        "max_chars": sms_length.DEFAULT_MAX_CHARS,
    },
    locked_after_create=("auth_mode",),
    show_when={
        "base_url": ("service", "custom"),
        "username": ("auth_mode", AUTH_PASSWORD),
        "password": ("auth_mode", AUTH_PASSWORD),
        "token": ("auth_mode", AUTH_TOKEN),
    },
    validate=_validate,
    check=check,
)
