"""E-Mail (SMTP): the chain's outgoing mail server, a real notification channel (SPEC §4.5)."""

from __future__ import annotations

import re

import wtforms
from wtforms import validators as v

from app.i18n import N_, T_, _l
from app.services.interface_types import base, fields, register
from app.services.smtp import (
    DEFAULT_PORTS,
    NONE,
    SSL,
    STARTTLS,
    MailError,
    SmtpClient,
    SmtpSettings,
)

SECURITY_CHOICES = (
    (STARTTLS, _l("STARTTLS (Port 587)")),
    (SSL, _l("SSL/TLS (Port 465)")),
    (NONE, _l("keine (nur im eigenen Netz, Port 25)")),
)
HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.\-]*[A-Za-z0-9])?$|^\[[0-9A-Fa-f:]+\]$")


class SmtpSettingsForm(wtforms.Form):
    """Server, security, log-in and sender of the mail server."""

    host = fields.text(
        _l("Mailserver"),
        200,
        required=_l("Bitte geben Sie den Mailserver an, z. B. smtp.example.org."),
    )
    port = fields.port(_l("Port"), required=True, default=587)
    security = wtforms.SelectField(_l("Sicherheit"), choices=SECURITY_CHOICES, default=STARTTLS)
    username = fields.text(
        _l("Benutzername"),
        200,
        description=_l("Leer, wenn der Server keine Anmeldung verlangt."),
    )
    password = wtforms.PasswordField(_l("Passwort"), validators=[v.Optional(), v.Length(max=200)])
    sender = wtforms.StringField(
        _l("Absenderadresse"),
        filters=[fields.strip],
        validators=[
            v.InputRequired(message=_l("Bitte geben Sie die Absenderadresse an.")),
            v.Email(
                message=_l("Bitte geben Sie eine gültige E-Mail-Adresse an."),
                check_deliverability=False,
            ),
            v.Length(max=254),
        ],
    )
    sender_name = fields.text(
        _l("Absendername"),
        80,
        default="Schnittstellenportal",
        validators=[
            # A mail header is one line: a line break would stop every mail at sending.
            v.Regexp(
                r"[^\x00-\x1f\x7f]*\Z",
                message=_l(
                    "Der Absendername darf keine Zeilenumbrüche oder Steuerzeichen enthalten."
                ),
            )
        ],
    )

    def validate_host(self, field):
        if field.data and not HOST.match(field.data):
            raise wtforms.ValidationError(
                _l(
                    "Bitte nur den Rechnernamen oder die IP-Adresse des "
                    "Mailservers angeben (ohne smtp:// und ohne Port)."
                )
            )


def _validate(form, interface) -> None:
    """A password without a user name cannot log in (the common rules ask for the password)."""
    if form.password.data and not form.username.data:
        form.username.errors.append(_l("Zum Passwort gehört ein Benutzername."))


def _check(target: base.CheckTarget) -> base.CheckResult:
    """ "Verbindung prüfen": connect, EHLO, STARTTLS and log in, sending nothing."""
    settings = SmtpSettings.of(
        target.settings,
        target.secrets.get("password"),
        timeout=target.timeouts[1] if target.timeouts else 10.0,
    )
    try:
        SmtpClient(settings).check_connection()
    except MailError as exc:  # language-neutral: rendered in the reader's language
        return base.CheckResult(False, exc.text)
    return base.CheckResult(
        True, T_("Verbindung zum Mailserver in Ordnung (angemeldet, nichts gesendet).")
    )


EMAIL_SMTP = register(
    "email_smtp",
    "E-Mail",
    N_("E-Mail (SMTP)"),
    description=_l(
        "Der Postausgangsserver der Filialkette: E-Mail-Benachrichtigungen und Test-E-Mails."
    ),
    usages=base.BOTH_SIDES,
    settings_form=SmtpSettingsForm,
    secret_fields=(
        base.SecretField("password", _l("Passwort"), lambda s: bool(s.get("username"))),
    ),
    actions=(
        base.Action(
            "test_email", _l("Test-E-Mail senden"), "interfaces.test_email", frozenset({"admin"})
        ),
    ),
    defaults={
        "port": DEFAULT_PORTS[STARTTLS],
        "security": STARTTLS,
        "sender_name": "Schnittstellenportal",
    },
    validate=_validate,
    check=_check,
    protocol="smtp",
)
