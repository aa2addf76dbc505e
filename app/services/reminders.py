"""Who gets an appointment reminder, and when (SPEC §4.2); the planned SMS go to the outbox.

Run hourly by the worker. Each run looks at the appointments that are due (start within
"Stunden vor Termin"), decides for each one either an outbox row (kind "reminder") or the reason
it is skipped, and keeps that on the appointment. During the night's quiet hours nothing is
planned; the last run before them also takes the appointments that fall due during the night.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.i18n import N_, T_, TN_, Text
from app.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    Branch,
    Customer,
    Interface,
    SmsMessage,
)
from app.models.appointment import CANCELLED, DONE, NO_SHOW
from app.models.base import utcnow
from app.models.outbox import CANCELLED as MSG_CANCELLED
from app.models.outbox import FAILED, QUEUED
from app.services import outbox, phone, sms_length
from app.services.interface_types.reminder import REMINDER
from app.services.interfaces import record_event, resolve
from app.services.reminder_reasons import has_begun
from app.services.reminder_template import ReminderContext, render
from app.services.smsapi import SmsApiSettings

log = logging.getLogger(__name__)

REMINDER_TYPE = REMINDER.key
PLANNING_LOCK = 4_246_001  # PostgreSQL advisory lock: one planner at a time
RUN_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class ReminderSettings:
    """The reminder interface's settings, typed."""

    hours_before: int
    min_hours_between: int
    template: str
    quiet_start: time
    quiet_end: time
    excluded_codes: frozenset[str]

    @classmethod
    def of(cls, interface: Interface) -> ReminderSettings:
        """The reminder interface's stored settings, typed; the type's defaults for what is unset."""
        s, default = interface.settings or {}, REMINDER.defaults

        def hhmm(name: str) -> time:
            try:
                return datetime.strptime(s.get(name) or default[name], "%H:%M").time()
            except ValueError:
                return datetime.strptime(default[name], "%H:%M").time()

        return cls(
            int(s.get("hours_before") or default["hours_before"]),
            int(s.get("min_hours_between") or default["min_hours_between"]),
            s.get("template") or "",
            hhmm("quiet_start"),
            hhmm("quiet_end"),
            frozenset(
                c.strip().upper()
                for c in (s.get("excluded_branches") or "").split(",")
                if c.strip()
            ),
        )


@dataclass
class PlanReport:
    """What one run did."""

    planned: int = 0
    skipped: Counter = field(default_factory=Counter)
    note: str = ""

    def summary(self) -> Text:
        """ "3 Erinnerungen eingeplant, 1 Termin übersprungen." (the history's and the page's)."""
        return T_(
            "%(planned)s, %(skipped)s.",
            planned=TN_(
                "%(n)d Erinnerung eingeplant", "%(n)d Erinnerungen eingeplant", "n", n=self.planned
            ),
            skipped=TN_(
                "%(n)d Termin übersprungen",
                "%(n)d Termine übersprungen",
                "n",
                n=sum(self.skipped.values()),
            ),
        )


# Texts stored by earlier versions, still shown in the reader's language (kept in the catalogue).
STORED_BEFORE = (N_("%(planned)d Erinnerung(en) eingeplant, %(skipped)d Termin(e) übersprungen."),)


def in_quiet_hours(local: datetime, start: time, end: time) -> bool:
    """Whether a local time lies in the quiet period (which may span midnight)."""
    t = local.time()
    return (start <= t or t < end) if start > end else (start <= t < end)


def quiet_period_after(
    local_now: datetime, settings: ReminderSettings
) -> tuple[datetime, datetime]:
    """The next quiet period starting after now: (start, end), local and aware."""
    start = local_now.replace(
        hour=settings.quiet_start.hour, minute=settings.quiet_start.minute, second=0, microsecond=0
    )
    if start <= local_now:
        start += timedelta(days=1)
    end = start.replace(hour=settings.quiet_end.hour, minute=settings.quiet_end.minute)
    if end <= start:
        end += timedelta(days=1)
    return start, end


def _utc(aware: datetime) -> datetime:
    return aware.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def window_end(now: datetime, settings: ReminderSettings, tz: ZoneInfo) -> datetime:
    """Remind appointments starting up to this moment (naive UTC).

    Normally now + hours_before; when the quiet period begins before the next run, also the
    appointments that fall due during it (they are reminded before it begins).
    """
    local = now.replace(tzinfo=ZoneInfo("UTC")).astimezone(tz)
    end = now + timedelta(hours=settings.hours_before)
    quiet_start, quiet_end = quiet_period_after(local, settings)
    if quiet_start <= local + RUN_EVERY:
        end = max(end, _utc(quiet_end) + timedelta(hours=settings.hours_before))
    return end


@dataclass(frozen=True)
class Candidate:
    """What the rules need to know about one due appointment (one row of one query)."""

    id: int
    starts_at: datetime
    is_group: bool
    status_kind: str
    allows_auto: bool
    branch_id: int
    branch_code: str
    branch_name: str
    branch_phone: str | None
    type_name: str
    customer_id: int
    salutation: str
    first_name: str
    last_name: str
    language: str
    mobile: str | None
    consent: bool


def skip_reason(
    c: Candidate, settings: ReminderSettings, now: datetime, tz: ZoneInfo
) -> str | None:
    """The rules of SPEC §4.2 that need no database: why this appointment is not reminded."""
    if has_begun(c.starts_at, now):
        return "past"
    local_today = now.replace(tzinfo=ZoneInfo("UTC")).astimezone(tz).date()
    if c.starts_at.replace(tzinfo=ZoneInfo("UTC")).astimezone(tz).date() <= local_today:
        return "same_day"
    if c.is_group:
        return "group"
    if c.status_kind == CANCELLED:
        return "cancelled"
    if c.status_kind == NO_SHOW:
        return "no_show"
    if c.status_kind == DONE:
        return "done"
    if not c.allows_auto:
        return "type_not_allowed"
    if c.branch_code.upper() in settings.excluded_codes:
        return "branch_excluded"
    if not c.mobile:
        return "no_mobile"
    if not c.consent:
        return "no_consent"
    return None


def _lock(session: Session) -> bool:
    """Only one planner at a time on PostgreSQL (on SQLite a second one is refused at its first
    reminder of the same appointment: see `plan`)."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(
        session.scalar(sa.text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": PLANNING_LOCK})
    )


def plan(
    session: Session, tz_name: str, now: datetime | None = None, force: bool = False, actor=None
) -> PlanReport:
    """Plan the due reminders (commits). Runs at most hourly unless forced."""
    now = now or utcnow()
    tz = ZoneInfo(tz_name)
    report = PlanReport()
    today = now.replace(tzinfo=ZoneInfo("UTC")).astimezone(tz).date()
    reminder = resolve(session, "Termine", "server", today, type_key=REMINDER_TYPE)
    if reminder is None:
        report.note = "no reminder interface"
        return report
    if not _lock(session):
        report.note = "another worker is planning"
        session.rollback()
        return report
    state = dict(reminder.state or {})
    last = state.get("last_run_at")
    if not force and last and datetime.fromisoformat(last) > now - RUN_EVERY + timedelta(minutes=1):
        report.note = "ran within the hour"
        session.rollback()
        return report
    try:
        _run(session, reminder, state, now, tz, today, report, actor)
    except sa.exc.IntegrityError:
        # SQLite has no advisory lock: a planner that started at the same moment stored a
        # reminder of the same appointment first, and the unique appointment_id refused ours.
        session.rollback()
        return PlanReport(note="another worker is planning")
    return report


def _run(
    session: Session,
    reminder: Interface,
    state: dict,
    now: datetime,
    tz: ZoneInfo,
    today,
    report: PlanReport,
    actor,
) -> None:
    """One planning run: the window's reminders, the run's state and history line (commits)."""
    settings = ReminderSettings.of(reminder)
    local_now = now.replace(tzinfo=ZoneInfo("UTC")).astimezone(tz)
    if in_quiet_hours(local_now, settings.quiet_start, settings.quiet_end):
        report.note = "quiet hours"
    else:
        _plan_window(session, settings, now, tz, today, report)
    state.update(
        last_run_at=now.isoformat(),
        last_planned=report.planned,
        last_skipped=sum(report.skipped.values()),
    )
    reminder.state = state
    reminder.last_success_at = now  # the status board's "zuletzt erfolgreich": the planner ran
    if report.planned:
        record_event(
            session,
            reminder,
            "reminder_run",
            actor,
            message=report.summary(),
        )
    session.commit()


def _candidates(session: Session, now: datetime, until: datetime) -> list[Candidate]:
    """Due appointments without a reminder, with everything the rules need, in one query."""
    stmt = (
        sa.select(
            Appointment.id,
            Appointment.starts_at,
            Appointment.is_group,
            AppointmentStatus.kind,
            AppointmentType.allows_auto_notification,
            Appointment.branch_id,
            Branch.code,
            Branch.name,
            Branch.phone,
            AppointmentType.name,
            Customer.id,
            Customer.salutation,
            Customer.first_name,
            Customer.last_name,
            Customer.language,
            Customer.mobile,
            Customer.sms_consent,
        )
        .join(AppointmentStatus, Appointment.status_id == AppointmentStatus.id)
        .join(AppointmentType, Appointment.type_id == AppointmentType.id)
        .join(Branch, Appointment.branch_id == Branch.id)
        .join(Customer, Appointment.customer_id == Customer.id)
        .where(
            Appointment.starts_at > now - timedelta(hours=1),
            Appointment.starts_at <= until,
            Appointment.reminder_message_id.is_(None),
        )
        .order_by(Appointment.starts_at, Appointment.id)
    )
    return [Candidate(*row) for row in session.execute(stmt)]


def _plan_window(
    session: Session,
    settings: ReminderSettings,
    now: datetime,
    tz: ZoneInfo,
    today,
    report: PlanReport,
) -> None:
    candidates = _candidates(session, now, window_end(now, settings, tz))
    if not candidates:
        return
    since = now - timedelta(hours=settings.min_hours_between)
    recently = set(
        session.scalars(
            sa.select(SmsMessage.customer_id).where(
                SmsMessage.customer_id.in_({c.customer_id for c in candidates}),
                SmsMessage.created_at >= since,
                SmsMessage.status.not_in((FAILED, MSG_CANCELLED)),
            )
        ).all()
    )
    sms_by_branch: dict[int, Interface | None] = {}
    skipped: list[dict] = []
    planned: list[dict] = []
    for c in candidates:
        reason = skip_reason(c, settings, now, tz)
        sms_if = None
        if reason is None:
            if c.branch_id not in sms_by_branch:
                sms_by_branch[c.branch_id] = resolve(
                    session, "SMS", "server", today, branch_id=c.branch_id, type_key="smsapi"
                )
            sms_if = sms_by_branch[c.branch_id]
            if sms_if is None:
                reason = "no_interface"
            elif c.customer_id in recently:
                reason = "recently_notified"
        if reason is None:
            sms_settings = SmsApiSettings.of(sms_if)
            try:
                number = phone.normalise_mobile(c.mobile, sms_settings.country_code)
            except phone.InvalidPhoneNumber:
                reason = "no_mobile"
        if reason is None:
            text = render(
                settings.template,
                ReminderContext(
                    c.salutation or "",
                    c.first_name or "",
                    c.last_name,
                    c.language,
                    c.starts_at,
                    c.type_name,
                    c.branch_name,
                    c.branch_phone or "",
                ),
                tz.key,
            )
            length = sms_length.count(text)
            if sms_length.limit_exceeded(length, sms_settings.max_chars):
                reason = "too_long"
        if reason is not None:
            skipped.append({"id": c.id, "reminder_skip_reason": reason, "reminder_checked_at": now})
            report.skipped[reason] += 1
            continue
        planned.append(
            {
                "kind": "reminder",
                "status": QUEUED,
                "interface_id": sms_if.id,
                "to_number": number.gateway_digits,
                "text": text,
                "parts": length.parts,
                "customer_id": c.customer_id,
                "appointment_id": c.id,
                "created_at": now,
                "attempts": 0,
            }
        )
        recently.add(c.customer_id)  # a second appointment of the same customer waits
    if skipped:
        session.execute(sa.update(Appointment), skipped)
    if planned:
        session.execute(sa.insert(SmsMessage), planned)
        links = session.execute(
            sa.select(SmsMessage.appointment_id, SmsMessage.id).where(
                SmsMessage.appointment_id.in_([p["appointment_id"] for p in planned])
            )
        ).all()
        session.execute(
            sa.update(Appointment),
            [
                {
                    "id": appointment_id,
                    "reminder_message_id": message_id,
                    "reminder_skip_reason": None,
                    "reminder_checked_at": now,
                }
                for appointment_id, message_id in links
            ],
        )
    report.planned = len(planned)


def appointment_changed(session: Session, appointment: Appointment) -> None:
    """A changed appointment (time, status, customer ...) is checked again at the next run.

    A reminder still waiting in the outbox is cancelled (its text may be wrong now) and detached,
    so the next run plans a new one or records why none is sent; one already sent stays.
    """
    if appointment.reminder_message_id is not None:
        message = session.get(SmsMessage, appointment.reminder_message_id)
        # Not when a worker has claimed it a moment ago: it goes out, and stays the reminder
        # (detached, the next run would plan a second one).
        if message is not None and outbox.cancel(session, message):
            message.appointment_id = None
            appointment.reminder_message_id = None
    if appointment.reminder_message_id is None:
        appointment.reminder_skip_reason = None
        appointment.reminder_checked_at = None
