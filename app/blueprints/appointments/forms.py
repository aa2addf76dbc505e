"""Forms for appointments, appointment types and appointment statuses."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import DateField, TimeField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from app.blueprints.fields import BranchField, RecordForm, Required, optional_int
from app.extensions import db
from app.models import Appointment, AppointmentStatus, AppointmentType, Customer
from app.models.appointment import CANCELLED, DONE, NO_SHOW, OPEN
from app.services import customers as customer_service

MIN_DURATION, MAX_DURATION = 5, 480


def _duration_range() -> NumberRange:
    """A type's or an appointment's duration in minutes, within the bounds."""
    return NumberRange(
        MIN_DURATION,
        MAX_DURATION,
        message=_l(
            "Die Dauer muss zwischen %(min)d und %(max)d Minuten liegen.",
            min=MIN_DURATION,
            max=MAX_DURATION,
        ),
    )


def local_to_utc(day: date, at: time, tz_name: str) -> datetime:
    """A local date and time in the portal's time zone as naive UTC (how times are stored)."""
    local = datetime.combine(day, at).replace(tzinfo=ZoneInfo(tz_name))
    return local.astimezone(UTC).replace(tzinfo=None)


def utc_to_local(moment: datetime, tz_name: str) -> datetime:
    """A stored naive-UTC time in the portal's time zone (aware)."""
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(tz_name))


def kind_choices() -> list[tuple[str, str]]:
    """What a status means for reminders."""
    return [
        (OPEN, _l("offen")),
        (DONE, _l("erledigt")),
        (CANCELLED, _l("storniert")),
        (NO_SHOW, _l("geplatzt")),
    ]


class LocalTimeField(TimeField):
    """An <input type="time"> with a German message for malformed times (WTForms has none)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Bitte geben Sie eine gültige Uhrzeit an, z. B. 09:30.")) from None


class _UniqueName(RecordForm):
    """A type or status form: `name` must be unique (case-insensitive) in `model`."""

    model: type = AppointmentType
    duplicate_message = _l("Dieser Name ist bereits vergeben.")

    def validate_name(self, field):
        if self.taken(self.model, sa.func.lower(self.model.name) == field.data.strip().lower()):
            raise ValidationError(self.duplicate_message)


class AppointmentTypeForm(_UniqueName):
    """An appointment type ("Termintyp")."""

    model = AppointmentType
    duplicate_message = _l("Einen Termintyp mit diesem Namen gibt es bereits.")

    name = StringField(_l("Name"), validators=[Required(), Length(max=80)])
    allows_auto_notification = BooleanField(
        _l("Erlaubt für automatische Benachrichtigungen des Kunden")
    )
    duration_minutes = IntegerField(
        _l("Dauer in Minuten"),
        default=30,
        render_kw={"min": MIN_DURATION, "max": MAX_DURATION},
        validators=[
            InputRequired(message=_l("Bitte geben Sie eine Dauer in Minuten an.")),
            _duration_range(),
        ],
    )
    active = BooleanField(
        _l("Aktiv"),
        default=True,
        description=_l("Nur aktive Termintypen können neuen Terminen zugeordnet werden."),
    )
    layout = (("name", "duration_minutes"), ("allows_auto_notification",), ("active",))

    def values(self) -> dict:
        """The cleaned values for the appointment service."""
        return {
            "name": self.name.data.strip(),
            "allows_auto_notification": bool(self.allows_auto_notification.data),
            "duration_minutes": self.duration_minutes.data,
            "active": bool(self.active.data),
        }


class AppointmentStatusForm(_UniqueName):
    """An appointment status and what it means for reminders."""

    model = AppointmentStatus
    duplicate_message = _l("Einen Status mit diesem Namen gibt es bereits.")

    name = StringField(_l("Name"), validators=[Required(), Length(max=80)])
    kind = SelectField(
        _l("Bedeutung"),
        choices=kind_choices,
        default=OPEN,
        description=_l("Stornierte, geplatzte und erledigte Termine werden nicht erinnert."),
    )
    layout = (("name", "kind"),)

    def values(self) -> dict:
        """The cleaned values for the appointment service."""
        return {"name": self.name.data.strip(), "kind": self.kind.data}


class AppointmentForm(FlaskForm):
    """An appointment; the start is typed in local time and stored as UTC."""

    customer_ref = StringField(
        _l("Kunde"),
        description=_l(
            "Kundennummer (z. B. K-1001) oder #ID; Vorschläge erscheinen beim Tippen des Namens."
        ),
        validators=[DataRequired(message=_l("Bitte geben Sie den Kunden an.")), Length(max=100)],
    )
    type_id = SelectField(
        _l("Termintyp"),
        coerce=optional_int,
        validators=[DataRequired(message=_l("Bitte wählen Sie einen Termintyp."))],
    )
    status_id = SelectField(
        _l("Status"),
        coerce=optional_int,
        validators=[DataRequired(message=_l("Bitte wählen Sie einen Status."))],
    )
    branch_id = BranchField(validators=[DataRequired(message=_l("Bitte wählen Sie eine Filiale."))])
    # <input type="date"> sends ISO dates; a browser without it lets people type German ones.
    start_date = DateField(
        _l("Datum"),
        format=["%Y-%m-%d", "%d.%m.%Y"],
        validators=[InputRequired(message=_l("Bitte geben Sie ein Datum an."))],
    )
    start_time = LocalTimeField(
        _l("Uhrzeit"),
        format=["%H:%M", "%H:%M:%S"],
        validators=[InputRequired(message=_l("Bitte geben Sie eine Uhrzeit an, z. B. 09:30."))],
    )
    duration_minutes = IntegerField(
        _l("Dauer in Minuten"),
        description=_l("Leer lassen für die Dauer des Termintyps."),
        validators=[
            Optional(),
            _duration_range(),
        ],
    )
    is_group = BooleanField(
        _l("Gruppentermin"), description=_l("Gruppentermine werden nicht erinnert.")
    )
    note = TextAreaField(_l("Notiz"), validators=[Optional(), Length(max=500)])

    def __init__(self, *args, appointment: Appointment | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer_record: Customer | None = None
        types = sa.select(AppointmentType.id, AppointmentType.name).order_by(AppointmentType.name)
        if appointment is not None:
            # An inactive type stays selectable for the appointments that already have it.
            types = types.where(
                sa.or_(AppointmentType.active, AppointmentType.id == appointment.type_id)
            )
        else:
            types = types.where(AppointmentType.active)
        self.type_id.choices = [("", _l("— bitte wählen —"))] + [
            (str(r.id), r.name) for r in db.session.execute(types)
        ]
        statuses = db.session.execute(
            sa.select(AppointmentStatus.id, AppointmentStatus.name).order_by(AppointmentStatus.id)
        )
        self.status_id.choices = [("", _l("— bitte wählen —"))] + [
            (str(r.id), r.name) for r in statuses
        ]

    def validate_customer_ref(self, field):
        self.customer_record = customer_service.find_by_reference(db.session, field.data)
        if self.customer_record is None:
            raise ValidationError(
                _(
                    "Kein Kunde mit der Kundennummer oder ID „%(ref)s“ gefunden.",
                    ref=field.data.strip(),
                )
            )

    def validate_start_date(self, field):
        if field.data is not None and not 2000 <= field.data.year <= 2100:
            raise ValidationError(_l("Bitte geben Sie ein Datum zwischen 2000 und 2100 an."))

    def starts_at_utc(self, tz_name: str) -> datetime:
        """The typed local start as naive UTC."""
        return local_to_utc(self.start_date.data, self.start_time.data, tz_name)

    def values(self, tz_name: str) -> dict:
        """The cleaned values for an appointment."""
        duration = self.duration_minutes.data
        if duration is None:
            duration = db.session.scalar(
                sa.select(AppointmentType.duration_minutes).where(
                    AppointmentType.id == self.type_id.data
                )
            )
        return {
            "customer_id": self.customer_record.id,
            "type_id": self.type_id.data,
            "status_id": self.status_id.data,
            "branch_id": self.branch_id.data,
            "starts_at": self.starts_at_utc(tz_name),
            "duration_minutes": duration,
            "is_group": bool(self.is_group.data),
            "note": (self.note.data or "").strip(),
        }
