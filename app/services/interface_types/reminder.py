"""Kunden-Terminbenachrichtigung: automatic SMS reminders of appointments (SPEC §4.2)."""

from __future__ import annotations

import re
from datetime import time

import wtforms
from wtforms import validators as v

from app.i18n import N_, _, _l
from app.services.interface_types import base, fields, register
from app.services.reminder_template import DEFAULT_TEMPLATE, PLACEHOLDERS, unknown_placeholders


class ClockTimeField(wtforms.TimeField):
    """HH:MM, with a message in the user's language (WTForms' German catalogue lacks this one)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(
                _l("Bitte geben Sie eine gültige Uhrzeit im Format HH:MM an, z. B. 20:00.")
            ) from None


def _codes(value):
    if isinstance(value, str):
        return ", ".join(c.strip().upper() for c in value.split(",") if c.strip())
    return value


def _hours(label):
    return wtforms.IntegerField(
        label,
        validators=[
            fields.number_required(),
            v.NumberRange(min=1, max=99, message=_l("Bitte geben Sie eine Zahl von 1 bis 99 an.")),
        ],
    )


class ReminderSettingsForm(wtforms.Form):
    """The reminder's settings."""

    hours_before = _hours(_l("Stunden vor Termin"))
    min_hours_between = _hours(_l("Min. Stunden vor Doppelnachricht"))
    template_name = wtforms.StringField(
        _l("Vorlage"),
        default="Terminerinnerung",
        validators=[
            v.InputRequired(message=_l("Bitte geben Sie einen Namen für die Vorlage an.")),
            v.Length(max=80),
        ],
    )
    template = wtforms.TextAreaField(
        _l("Nachricht"),
        default=DEFAULT_TEMPLATE,
        validators=[
            v.InputRequired(message=_l("Bitte geben Sie den Text der Nachricht an.")),
            v.Length(max=1000),
        ],
        description=_l(
            "Platzhalter: %(names)s", names=", ".join("${" + p + "}" for p in PLACEHOLDERS)
        ),
        render_kw={"rows": 5},
    )
    quiet_start = ClockTimeField(
        _l("Start Nachtruhe"),
        default=time(20, 0),
        validators=[v.InputRequired(message=_l("Bitte geben Sie eine Uhrzeit an, z. B. 20:00."))],
    )
    quiet_end = ClockTimeField(
        _l("Ende Nachtruhe"),
        default=time(8, 0),
        validators=[v.InputRequired(message=_l("Bitte geben Sie eine Uhrzeit an, z. B. 08:00."))],
    )
    excluded_branches = wtforms.StringField(
        _l("Filialkürzel Filter"),
        filters=[_codes],
        validators=[v.Optional(), v.Length(max=400)],
        description=_l(
            "Kürzel der Filialen, die keine Erinnerungen versenden, durch Komma getrennt (z. B. ESS, LBG)."
        ),
    )

    def validate_template(self, field):
        unknown = unknown_placeholders(field.data or "")
        if unknown:
            raise wtforms.ValidationError(
                _(
                    "Unbekannte Platzhalter: %(unknown)s. Erlaubt sind: %(known)s.",
                    unknown=", ".join("${" + u + "}" for u in unknown),
                    known=", ".join("${" + p + "}" for p in PLACEHOLDERS),
                )
            )

    def validate_excluded_branches(self, field):
        codes = [c.strip() for c in (field.data or "").split(",") if c.strip()]
        if any(not re.fullmatch(r"[A-Z0-9]{1,10}", c) for c in codes):
            raise wtforms.ValidationError(
                _l("Bitte nur Filialkürzel durch Komma getrennt angeben.")
            )
        known = getattr(self, "branch_codes", None)
        unknown = [c for c in codes if known is not None and c not in known]
        if unknown:
            raise wtforms.ValidationError(
                _("Unbekannte Filialkürzel: %(codes)s.", codes=", ".join(unknown))
            )


def _validate(form, interface) -> None:
    if (
        form.quiet_start.data
        and form.quiet_end.data
        and form.quiet_start.data == form.quiet_end.data
    ):
        form.quiet_end.errors.append(_l("Beginn und Ende der Nachtruhe dürfen nicht gleich sein."))


REMINDER = register(
    "appointment_reminder",
    "Termine",
    N_("Kunden-Terminbenachrichtigung"),
    description=_l(
        "Erinnert Kunden stündlich per SMS an ihre Termine (serverseitig, für die ganze "
        "Filialkette)."
    ),
    usages=base.SERVER_SIDE,
    settings_form=ReminderSettingsForm,
    branch_restrictable=False,
    actions=(
        base.Action(
            "reminder_run", _l("Jetzt ausführen"), "interfaces.reminder_run", frozenset({"admin"})
        ),
    ),
    defaults={
        "hours_before": 24,
        "min_hours_between": 24,
        "template_name": "Terminerinnerung",
        "template": DEFAULT_TEMPLATE,
        "quiet_start": "20:00",
        "quiet_end": "08:00",
        "excluded_branches": "",
    },
    validate=_validate,
    form_extras=("interfaces/types/_reminder_preview.html",),
)
