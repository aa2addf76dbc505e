"""Automatic appointment reminders: who gets one, the outbox, the worker, crash safety."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.extensions import db, secret_box
from app.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    Customer,
    Interface,
    SmsMessage,
)
from app.services import outbox, reminders
from app.services.demo import simulator_sms_settings
from app.services.reminder_reasons import REASONS
from app.services.worker import Worker
from tests.factories import make_branch, make_interface
from tests.races import Uncommitted, meanwhile
from tests.sim_fixtures import SIM_TOKEN

TZ = "Europe/Berlin"
BERLIN = ZoneInfo(TZ)
# Sunday 22 Nov 2026, 10:00 in Berlin (09:00 UTC)
NOW = datetime(2026, 11, 22, 9, 0)


def utc(local: datetime) -> datetime:
    return local.replace(tzinfo=BERLIN).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


@pytest.fixture
def app_config(app_config):
    app_config.SMS_TIMEOUTS = (2.0, 2.0)
    return app_config


class World:
    """A chain with one branch, an SMS interface on the simulator and the reminder interface."""

    def __init__(self, sim_url: str):
        self.branch = make_branch(code="STR", name="Stuttgart", phone="+49 711 2233440")
        self.other_branch = make_branch(code="ESS", name="Esslingen")
        self.sms = make_interface(
            "smsapi",
            name="SMS",
            server_side=True,
            client_side=False,
            settings=simulator_sms_settings(sim_url + "/"),
            secrets={"token": SIM_TOKEN},
        )
        self.reminder = make_interface(
            "appointment_reminder",
            name="Terminerinnerung",
            server_side=True,
            settings={
                "hours_before": 24,
                "min_hours_between": 24,
                "template_name": "Terminerinnerung",
                "template": "${kunde/briefanredename}, Ihr ${/termin/typ} "
                "ist am ${/termin/startdatum} um "
                "${/termin/startzeit} Uhr in ${filiale/name}.",
                "quiet_start": "20:00",
                "quiet_end": "08:00",
                "excluded_branches": "",
            },
        )
        self.hoertest = AppointmentType(name="Hörtest", allows_auto_notification=True)
        self.repair = AppointmentType(name="Reparatur", allows_auto_notification=False)
        self.open = AppointmentStatus(name="Geplant", kind="open")
        self.cancelled = AppointmentStatus(name="Storniert", kind="cancelled")
        self.no_show = AppointmentStatus(name="Geplatzt", kind="no_show")
        self.done = AppointmentStatus(name="Erledigt", kind="done")
        db.session.add_all(
            [self.hoertest, self.repair, self.open, self.cancelled, self.no_show, self.done]
        )
        db.session.flush()
        self._n = 0

    def customer(self, **kw) -> Customer:
        self._n += 1
        fields = dict(
            salutation="frau",
            first_name="Erika",
            last_name=f"Muster{self._n}",
            mobile=f"0171 23456{self._n:02d}",
            sms_consent=True,
            branch_id=self.branch.id,
        )
        fields.update(kw)
        c = Customer(**fields)
        db.session.add(c)
        db.session.flush()
        return c

    def appointment(
        self, starts_local: datetime, customer: Customer | None = None, **kw
    ) -> Appointment:
        fields = dict(
            customer_id=(customer or self.customer()).id,
            type_id=self.hoertest.id,
            status_id=self.open.id,
            branch_id=self.branch.id,
            starts_at=utc(starts_local),
        )
        fields.update(kw)
        a = Appointment(**fields)
        db.session.add(a)
        db.session.flush()
        return a


@pytest.fixture
def world(app, smsapi_sim):
    w = World(smsapi_sim.url)
    db.session.commit()
    return w


def _plan(now=NOW, force=True):
    return reminders.plan(db.session, TZ, now=now, force=force)


def _reason(appt):
    db.session.expire_all()
    return db.session.get(Appointment, appt.id).reminder_skip_reason


def _worker(clock=lambda: NOW):
    return Worker(db.session, secret_box(), TZ, timeouts=(2.0, 2.0), clock=clock)


def test_due_appointment_is_reminded_through_the_worker(app, world, smsapi_sim):
    appt = world.appointment(datetime(2026, 11, 23, 9, 30))  # tomorrow 09:30, within 24 h
    later = world.appointment(datetime(2026, 11, 25, 9, 30))  # not due yet
    db.session.commit()
    result = _worker().run_once()
    assert result["planned"] == 1 and result["sent"] == 1
    received = smsapi_sim.state.messages
    assert len(received) == 1 and received[0]["to"] == "4917123456" + "01"
    assert received[0]["message"] == (
        "Sehr geehrte Frau Muster1, Ihr Hörtest ist am 23.11.2026 um 09:30 Uhr in Stuttgart."
    )
    db.session.expire_all()
    message = db.session.get(SmsMessage, db.session.get(Appointment, appt.id).reminder_message_id)
    assert (message.kind, message.status, message.idx) == ("reminder", "sent", received[0]["idx"])
    assert db.session.get(Appointment, later.id).reminder_checked_at is None
    # The planner's run is the reminder interface's last success on the status board.
    assert db.session.get(Interface, world.reminder.id).last_success_at == NOW


def _exclude_branch(w: World) -> Appointment:
    w.reminder.settings = dict(w.reminder.settings, excluded_branches="STR")
    return w.appointment(datetime(2026, 11, 23, 9, 0))


def _recently_notified(w: World) -> Appointment:
    customer = w.customer()
    db.session.add(
        SmsMessage(
            kind="customer",
            status="sent",
            interface_id=w.sms.id,
            to_number="49171",
            text="Ihr Gerät ist fertig",
            customer_id=customer.id,
            created_at=NOW - timedelta(hours=3),
        )
    )
    return w.appointment(datetime(2026, 11, 23, 9, 0), customer)


def _without_interface(w: World) -> Appointment:
    w.sms.branch_id = w.branch.id  # the only SMS interface serves the other branch
    w.sms.client_side = False
    return w.appointment(datetime(2026, 11, 23, 9, 0), branch_id=w.other_branch.id)


def _text_too_long(w: World) -> Appointment:
    w.sms.settings = dict(w.sms.settings, max_chars=40)
    return w.appointment(datetime(2026, 11, 23, 9, 0))


SKIPS = [
    (lambda w: w.appointment(datetime(2026, 11, 22, 9, 30)), "past"),
    (lambda w: w.appointment(datetime(2026, 11, 22, 15, 0)), "same_day"),
    (lambda w: w.appointment(datetime(2026, 11, 23, 9, 0), is_group=True), "group"),
    (lambda w: w.appointment(datetime(2026, 11, 23, 9, 0), status_id=w.cancelled.id), "cancelled"),
    (lambda w: w.appointment(datetime(2026, 11, 23, 9, 0), status_id=w.no_show.id), "no_show"),
    (lambda w: w.appointment(datetime(2026, 11, 23, 9, 0), status_id=w.done.id), "done"),
    (
        lambda w: w.appointment(datetime(2026, 11, 23, 9, 0), type_id=w.repair.id),
        "type_not_allowed",
    ),
    (_exclude_branch, "branch_excluded"),
    (lambda w: w.appointment(datetime(2026, 11, 23, 9, 0), w.customer(mobile=None)), "no_mobile"),
    (
        lambda w: w.appointment(datetime(2026, 11, 23, 9, 0), w.customer(mobile="0711 123456")),
        "no_mobile",
    ),
    (
        lambda w: w.appointment(datetime(2026, 11, 23, 9, 0), w.customer(sms_consent=False)),
        "no_consent",
    ),
    (_without_interface, "no_interface"),
    (_recently_notified, "recently_notified"),
    (_text_too_long, "too_long"),
]


@pytest.mark.parametrize("setup, reason", SKIPS)
def test_each_rule_skips_with_its_reason(app, world, smsapi_sim, portal, setup, reason):
    appt = setup(world)
    db.session.commit()
    report = _plan()
    assert report.planned == 0 and report.skipped[reason] == 1
    assert _reason(appt) == reason
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(SmsMessage).where(SmsMessage.kind == "reminder")
        )
        == 0
    )
    # the appointment says why in words, in the reader's language (never the stored code)
    portal.login("employee")
    german = portal.get(f"/appointments/{appt.id}").get_data(as_text=True)
    assert str(REASONS[reason]) in german and f">{reason}<" not in german
    portal.post("/language", {"lang": "en", "next": "/"})
    english = portal.get(f"/appointments/{appt.id}").get_data(as_text=True)
    assert str(REASONS[reason]) not in english and f">{reason}<" not in english


def test_every_reason_text_belongs_to_a_rule_the_engine_applies():
    # Night-time quiet is a run that sends nothing (see the quiet-hours test), not a per-appointment reason.
    assert {reason for _, reason in SKIPS} == set(REASONS) - {"quiet_hours"}


def test_text_over_the_sms_interfaces_max_chars_is_skipped_as_too_long(app, world):
    """The planner measures with the same rule as every SMS: the interface's "Max. Zeichen"."""
    world.sms.settings = dict(world.sms.settings, max_chars=40)
    appt = world.appointment(datetime(2026, 11, 23, 9, 0))
    db.session.commit()
    report = _plan()
    assert report.planned == 0 and report.skipped["too_long"] == 1 and _reason(appt) == "too_long"


def test_sms_interface_without_stored_limits_uses_the_defaults(app, world, smsapi_sim):
    """An interface stored without Landescode and Max. Zeichen sends with +49 and max_parts for 1000."""
    world.sms.settings = {
        k: v for k, v in world.sms.settings.items() if k not in ("country_code", "max_chars")
    }
    world.appointment(datetime(2026, 11, 23, 9, 30))
    db.session.commit()
    assert _worker().run_once()["sent"] == 1
    received = smsapi_sim.state.messages
    assert received[0]["to"] == "491712345601" and received[0]["max_parts"] == 7


def test_branch_filter_excludes_branches(app, world):
    world.reminder.settings = dict(world.reminder.settings, excluded_branches="STR")
    appt = world.appointment(datetime(2026, 11, 23, 9, 0))
    db.session.commit()
    assert _plan().planned == 0 and _reason(appt) == "branch_excluded"


def test_recent_message_blocks_a_second_one(app, world):
    customer = world.customer()
    db.session.add(
        SmsMessage(
            kind="customer",
            status="sent",
            interface_id=world.sms.id,
            to_number="49171",
            text="Ihr Gerät ist fertig",
            customer_id=customer.id,
            created_at=NOW - timedelta(hours=3),
        )
    )
    appt = world.appointment(datetime(2026, 11, 23, 9, 0), customer)
    other = world.customer()
    first = world.appointment(datetime(2026, 11, 23, 9, 0), other)
    second = world.appointment(datetime(2026, 11, 23, 9, 45), other)  # same customer, same run
    db.session.commit()
    report = _plan()
    assert report.planned == 1
    assert _reason(appt) == "recently_notified" and _reason(second) == "recently_notified"
    assert db.session.get(Appointment, first.id).reminder_message_id is not None


def test_sms_interface_with_future_start_is_not_used(app, world):
    world.sms.start_date = (NOW + timedelta(days=3)).date()
    appt = world.appointment(datetime(2026, 11, 23, 9, 0))
    db.session.commit()
    assert _plan().planned == 0 and _reason(appt) == "no_interface"


def test_no_reminder_interface_no_reminders(app, world):
    db.session.delete(world.reminder)
    world.appointment(datetime(2026, 11, 23, 9, 0))
    db.session.commit()
    assert _plan().note == "no reminder interface"


def test_quiet_hours_send_nothing_and_the_evening_run_covers_the_night(app, world):
    night = utc(datetime(2026, 11, 22, 21, 30))  # 21:30 local: quiet
    early = world.appointment(datetime(2026, 11, 23, 21, 0))
    db.session.commit()
    report = _plan(now=night)
    assert report.note == "quiet hours" and report.planned == 0
    # 19:30 local, quiet from 20:00: appointments due until 08:00 (+24 h) are reminded now
    evening = utc(datetime(2026, 11, 22, 19, 30))
    morning = world.appointment(datetime(2026, 11, 24, 7, 30))  # due 23 Nov 07:30, during the night
    too_late = world.appointment(datetime(2026, 11, 24, 8, 30))  # due 08:30, after the night
    db.session.commit()
    report = _plan(now=evening)
    db.session.expire_all()
    assert db.session.get(Appointment, morning.id).reminder_message_id is not None
    assert db.session.get(Appointment, early.id).reminder_message_id is not None
    assert db.session.get(Appointment, too_late.id).reminder_message_id is None


def test_runs_at_most_hourly(app, world):
    world.appointment(datetime(2026, 11, 23, 9, 0))
    db.session.commit()
    assert _plan(force=False).planned == 1
    world.appointment(datetime(2026, 11, 23, 9, 10))
    db.session.commit()
    assert _plan(now=NOW + timedelta(minutes=30), force=False).note == "ran within the hour"
    assert _plan(now=NOW + timedelta(minutes=61), force=False).planned == 1


def test_crash_between_sending_and_sent_sends_exactly_once(app, world, smsapi_sim):
    world.appointment(datetime(2026, 11, 23, 9, 0))
    db.session.commit()
    _plan()
    pool = outbox.ClientPool(secret_box(), (2.0, 2.0))
    [row] = outbox.claim_due(db.session, 10, NOW)
    # The gateway got the message, then the worker died before writing "sent".
    pool.get(world.sms).send_sms(row.to_number, row.text, idx=row.idx, check_idx=True)
    db.session.rollback()
    assert db.session.get(SmsMessage, row.id).status == "sending"
    assert len(smsapi_sim.state.messages) == 1
    # A new worker after a restart: the stale row is claimed again; the gateway says "already sent".
    restarted = _worker(clock=lambda: NOW + outbox.STALE_AFTER + timedelta(seconds=1))
    restarted.run_once()
    db.session.expire_all()
    assert db.session.get(SmsMessage, row.id).status == "sent"
    assert len(smsapi_sim.state.messages) == 1
    pool.close()


def test_gateway_down_loses_nothing_and_sends_once_back_up(app, world, smsapi_sim):
    for day in range(3):
        world.appointment(datetime(2026, 11, 23, 9, 0) + timedelta(minutes=day))
    db.session.commit()
    smsapi_sim.state.set_faults(status=503)
    clock = [NOW]
    worker = _worker(clock=lambda: clock[0])
    assert worker.run_once()["sent"] == 0
    rows = db.session.scalars(sa.select(SmsMessage)).all()
    assert [r.status for r in rows] == ["queued"] * 3 and all(r.error for r in rows)
    assert all(r.next_attempt_at == NOW + outbox.backoff(1) for r in rows)
    clock[0] = NOW + timedelta(seconds=30)  # not due again yet
    assert worker.run_once()["sent"] == 0
    smsapi_sim.state.set_faults()  # back up
    clock[0] = NOW + timedelta(minutes=2)
    assert worker.run_once()["sent"] == 3
    assert len(smsapi_sim.state.messages) == 3
    assert worker.run_once()["sent"] == 0 and len(smsapi_sim.state.messages) == 3
    history = db.session.scalars(sa.select(Interface).where(Interface.id == world.sms.id)).one()
    assert history.last_error is None


def test_retries_end_in_failed_with_reason_and_admin_can_resend(app, world, smsapi_sim):
    world.appointment(datetime(2026, 11, 23, 9, 0))
    db.session.commit()
    smsapi_sim.state.set_faults(status=500)
    clock = [NOW]
    worker = _worker(clock=lambda: clock[0])
    for _ in range(outbox.MAX_ATTEMPTS):
        worker.run_once()
        clock[0] += timedelta(hours=2)
    row = db.session.scalars(sa.select(SmsMessage)).one()
    assert row.status == "failed" and row.attempts == outbox.MAX_ATTEMPTS and row.error
    smsapi_sim.state.set_faults()
    assert outbox.resend(db.session, row)
    db.session.commit()
    worker.run_once()
    db.session.expire_all()
    assert (
        db.session.get(SmsMessage, row.id).status == "sent" and len(smsapi_sim.state.messages) == 1
    )


def test_permanent_errors_fail_at_once(app, world, smsapi_sim):
    world.sms.secrets[0].value_encrypted = secret_box().encrypt("wrong-token")
    world.appointment(datetime(2026, 11, 23, 9, 0))
    db.session.commit()
    _worker().run_once()
    row = db.session.scalars(sa.select(SmsMessage)).one()
    assert row.status == "failed" and row.attempts == 1 and "101" in str(row.error)


def test_cancel(app, world):
    world.appointment(datetime(2026, 11, 23, 9, 0))
    db.session.commit()
    _plan()
    row = db.session.scalars(sa.select(SmsMessage)).one()
    assert outbox.cancel(db.session, row) and row.status == "cancelled"
    assert not outbox.cancel(db.session, row)


def test_two_planners_at_once_plan_each_reminder_once_and_the_second_says_so(app, world):
    """The worker's hourly run and an admin's "Jetzt planen" at the same moment: the second one
    waits for the first (PostgreSQL: the advisory lock; SQLite: the write lock, then its reminder
    of the same appointment is refused) and reports that planning is under way, not an error."""
    world.appointment(datetime(2026, 11, 23, 9, 0))
    world.appointment(datetime(2026, 11, 23, 10, 0))
    db.session.commit()
    first = reminders.plan(Uncommitted(db.session), TZ, now=NOW, force=True)
    assert first.planned == 2
    second = []
    meanwhile(app, lambda: second.append(reminders.plan(db.session, TZ, now=NOW, force=True)))
    assert [r.note for r in second] == ["another worker is planning"]
    assert len(db.session.scalars(sa.select(SmsMessage)).all()) == 2


def _while_claimed(app, other) -> None:
    """Claim the due SMS (not committed), run `other` meanwhile (its read comes before the
    claim's commit), then send what was claimed as a worker does."""
    from app.services.sms_clients import ClientPool

    claimed = outbox.claim_due(Uncommitted(db.session), 10, NOW)
    assert len(claimed) == 1
    meanwhile(app, other)
    message = db.session.get(SmsMessage, claimed[0].id)
    interface = db.session.get(Interface, message.interface_id)
    outbox.deliver(db.session, message, interface, ClientPool(secret_box(), (2.0, 2.0)))


def test_cancelling_an_sms_a_worker_has_just_claimed_is_refused(app, world, portal, smsapi_sim):
    """The outbox page still showed "queued" when the admin clicked "Abbrechen": the SMS is on
    its way, so the page says it cannot be cancelled (it did say "abgebrochen", and the SMS
    went out all the same, or was queued again by a retry)."""
    world.appointment(datetime(2026, 11, 23, 9, 0))
    db.session.commit()
    _plan()
    row_id = db.session.scalars(sa.select(SmsMessage.id)).one()
    portal.login("admin")
    answers = []

    def cancel():
        resp = portal.post(f"/outbox/{row_id}/cancel")
        answers.append(portal.get(resp.headers["Location"]).get_data(as_text=True))

    _while_claimed(app, cancel)
    assert "Nur wartende oder fehlgeschlagene SMS können abgebrochen werden." in answers[0]
    assert f"SMS {row_id} wurde abgebrochen" not in answers[0]
    db.session.expire_all()
    assert db.session.get(SmsMessage, row_id).status == "sent"
    assert len(smsapi_sim.state.messages) == 1


def test_changing_an_appointment_whose_reminder_is_being_sent_keeps_that_reminder(
    app, world, smsapi_sim
):
    """An appointment changed while a worker sends its reminder: that SMS goes out and stays the
    appointment's reminder (it was marked cancelled and detached, went out all the same, and
    the next run counted the appointment as not reminded)."""
    from app.services import appointments

    appt = world.appointment(datetime(2026, 11, 23, 9, 0))
    db.session.commit()
    _plan()
    appt_id = appt.id
    first = db.session.get(Appointment, appt_id).reminder_message_id

    def change():
        other = db.session.get(Appointment, appt_id)
        values = {name: getattr(other, name) for name in appointments.REMINDER_RELEVANT}
        appointments.save_appointment(
            db.session, other, dict(values, starts_at=utc(datetime(2026, 11, 23, 9, 30)))
        )
        db.session.commit()

    _while_claimed(app, change)
    _plan(now=NOW + timedelta(minutes=1))
    _worker(clock=lambda: NOW + timedelta(minutes=2)).run_once()
    db.session.expire_all()
    assert db.session.get(Appointment, appt_id).reminder_message_id == first
    message = db.session.get(SmsMessage, first)
    assert (message.status, message.appointment_id) == ("sent", appt_id)
    assert len(smsapi_sim.state.messages) == 1


def test_sigterm_finishes_the_message_in_flight_then_stops(app, world, smsapi_sim):
    for minute in range(3):
        world.appointment(datetime(2026, 11, 23, 9, minute))
    db.session.commit()
    smsapi_sim.state.set_faults(delay=0.3)
    worker = Worker(db.session, secret_box(), TZ, timeouts=(1.0, 2.0), clock=lambda: NOW)

    def stop_when_first_send_arrives():
        # SIGTERM arrives while the first message is at the gateway (its reply is delayed).
        deadline = time.monotonic() + 10
        while not smsapi_sim.state.requests and time.monotonic() < deadline:
            time.sleep(0.01)
        worker.stop()

    stopper = threading.Thread(target=stop_when_first_send_arrives)
    stopper.start()
    result = worker.run_once()
    stopper.join()
    statuses = sorted(r.status for r in db.session.scalars(sa.select(SmsMessage)))
    assert result["sent"] == 1 and statuses == ["queued", "queued", "sent"]
    assert len(smsapi_sim.state.messages) == 1


def test_two_workers_on_postgresql_send_each_reminder_exactly_once(
    app, app_config, world, smsapi_sim
):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent workers are a PostgreSQL feature (FOR UPDATE SKIP LOCKED)")
    from app import create_app
    from tests.sim_fixtures import SIM_USERNAME

    smsapi_sim.state.set_points(SIM_USERNAME, 10_000)
    customers = [
        Customer(
            first_name="K",
            last_name=f"Kunde{i}",
            mobile=f"+49 171 {1000000 + i}",
            sms_consent=True,
            branch_id=world.branch.id,
        )
        for i in range(1000)
    ]
    db.session.add_all(customers)
    db.session.flush()
    db.session.add_all(
        [
            Appointment(
                customer_id=c.id,
                type_id=world.hoertest.id,
                status_id=world.open.id,
                branch_id=world.branch.id,
                starts_at=utc(datetime(2026, 11, 23, 9, 0)) + timedelta(seconds=i),
            )
            for i, c in enumerate(customers)
        ]
    )
    db.session.commit()
    assert _plan(force=False).planned == 1000  # the hourly run; now both workers deliver
    results, errors = [], []
    # Each worker has an app of its own, built here: Python 3.11.7's compiler is not safe to
    # run in two threads at once (werkzeug compiles each URL rule), and a thread dying in
    # create_app would leave one worker doing all the work unnoticed.
    apps = [create_app(app_config) for _ in range(2)]

    def run(other):
        with other.app_context():
            try:
                results.append(
                    Worker(
                        db.session, secret_box(), TZ, timeouts=(2.0, 5.0), clock=lambda: NOW
                    ).run_once()
                )
            except Exception as exc:
                errors.append(exc)
            finally:
                db.session.remove()
                db.engine.dispose()

    threads = [threading.Thread(target=run, args=(other,)) for other in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(results) == 2
    assert sum(r["planned"] for r in results) == 0  # planning ran once, within the hour
    assert sum(r["sent"] for r in results) == 1000
    assert all(r["sent"] > 0 for r in results)  # both workers really worked
    idx = [m["idx"] for m in smsapi_sim.state.messages]
    assert len(idx) == 1000 and len(set(idx)) == 1000
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(SmsMessage).where(SmsMessage.status == "sent")
        )
        == 1000
    )


def test_changed_appointment_drops_the_waiting_reminder_and_is_planned_again(
    app, world, smsapi_sim
):
    appt = world.appointment(datetime(2026, 11, 23, 9, 0))
    db.session.commit()
    _plan()
    first = db.session.get(Appointment, appt.id).reminder_message_id
    appt = db.session.get(Appointment, appt.id)
    appt.starts_at = utc(datetime(2026, 11, 23, 9, 30))
    reminders.appointment_changed(db.session, appt)
    db.session.commit()
    old = db.session.get(SmsMessage, first)
    assert old.status == "cancelled" and old.appointment_id is None
    _plan(now=NOW + timedelta(minutes=1))
    db.session.expire_all()
    new = db.session.get(SmsMessage, db.session.get(Appointment, appt.id).reminder_message_id)
    assert new.id != first and "09:30" in new.text
    _worker(clock=lambda: NOW + timedelta(minutes=2)).run_once()
    assert [m["message"] for m in smsapi_sim.state.messages] == [new.text]
