"""Appointments, their types and statuses, the reminder state they show, and the demo volume."""

from __future__ import annotations

import re
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    Branch,
    Customer,
    SmsMessage,
    User,
)
from app.models.base import utcnow
from app.services import phone
from tests.factories import make_branch, make_user
from tests.test_customers import make_customer

BERLIN = ZoneInfo("Europe/Berlin")


def _count(model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


class Setup:
    """Two branches, types, statuses and a customer, like a small chain."""

    def __init__(self):
        self.branch = make_branch(number="01", name="Stuttgart", code="STR")
        self.ulm = make_branch(number="02", name="Ulm", code="ULM")
        self.hoertest = AppointmentType(
            name="Hörtest", allows_auto_notification=True, duration_minutes=45
        )
        self.werkstatt = AppointmentType(
            name="Werkstatt", allows_auto_notification=False, duration_minutes=20
        )
        self.old = AppointmentType(
            name="Alter Typ", allows_auto_notification=True, duration_minutes=30, active=False
        )
        self.planned = AppointmentStatus(name="Geplant", kind="open")
        self.cancelled = AppointmentStatus(name="Storniert", kind="cancelled")
        db.session.add_all([self.hoertest, self.werkstatt, self.old, self.planned, self.cancelled])
        db.session.flush()
        self.customer = make_customer(
            self.branch, first_name="Erika", last_name="Mustermann", number="K-1"
        )
        db.session.commit()

    def appointment(
        self, starts_at: datetime, customer: Customer | None = None, **kw
    ) -> Appointment:
        fields = dict(
            customer_id=(customer or self.customer).id,
            type_id=self.hoertest.id,
            status_id=self.planned.id,
            branch_id=self.branch.id,
            starts_at=starts_at,
            duration_minutes=45,
        )
        fields.update(kw)
        appt = Appointment(**fields)
        db.session.add(appt)
        db.session.flush()
        return appt

    def form(self, **override) -> dict:
        data = {
            "customer_ref": "K-1",
            "type_id": self.hoertest.id,
            "status_id": self.planned.id,
            "branch_id": self.branch.id,
            "start_date": "2030-07-01",
            "start_time": "10:00",
            "duration_minutes": "",
            "note": "Bitte Hörgeräte mitbringen",
        }
        data.update(override)
        return data


@pytest.fixture
def s(app):
    return Setup()


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr id="appointment-(\d+)">', html)


# ---- appointment types and statuses -------------------------------------------------------------


def test_admin_creates_and_edits_a_type(app, portal, s):
    portal.login("admin")
    resp = portal.post(
        "/appointments/types/",
        {
            "name": "Sehtest",
            "allows_auto_notification": "y",
            "duration_minutes": "25",
            "active": "y",
        },
    )
    assert resp.status_code == 302 and resp.headers["Location"] == "/appointments/types/"
    record = db.session.scalar(sa.select(AppointmentType).where(AppointmentType.name == "Sehtest"))
    assert record.allows_auto_notification and record.duration_minutes == 25 and record.active
    html = portal.get("/appointments/types/").get_data(as_text=True)
    assert "Termintyp Sehtest wurde angelegt." in html and "25 Min." in html
    form = portal.get(f"/appointments/types/{record.id}/edit").get_data(as_text=True)
    assert "Erlaubt für automatische Benachrichtigungen des Kunden" in form
    # its own name is no duplicate; unchecked boxes switch off
    resp = portal.post(
        f"/appointments/types/{record.id}/edit", {"name": "Sehtest", "duration_minutes": "30"}
    )
    assert resp.status_code == 302
    record = db.session.get(AppointmentType, record.id)
    assert (
        not record.allows_auto_notification and not record.active and record.duration_minutes == 30
    )


def test_type_validation(app, portal, s):
    portal.login("admin")
    cases = [
        ({"name": ""}, "Bitte füllen Sie „Name“ aus."),
        ({"name": "hörtest"}, "Einen Termintyp mit diesem Namen gibt es bereits."),
        ({"name": "x" * 81}, "Feld kann nicht länger als 80 Zeichen sein"),
        ({"duration_minutes": "4"}, "Die Dauer muss zwischen 5 und 480 Minuten liegen."),
        ({"duration_minutes": "481"}, "Die Dauer muss zwischen 5 und 480 Minuten liegen."),
        ({"duration_minutes": ""}, "Bitte geben Sie eine Dauer in Minuten an."),
        ({"duration_minutes": "abc"}, "Keine gültige, ganze Zahl."),
    ]
    for override, message in cases:
        data = {"name": "Neu", "duration_minutes": "30", "active": "y", **override}
        resp = portal.post("/appointments/types/", data, htmx=True)
        body = resp.get_data(as_text=True)
        assert resp.status_code == 422, override
        assert message in body, (override, body[:2000])
        assert 'id="type-form"' in body and "<html" not in body
    assert _count(AppointmentType) == 3


def test_type_in_use_cannot_be_deleted(app, portal, s):
    for days in (1, 2, 3):
        s.appointment(utcnow() + timedelta(days=days))
    db.session.commit()
    portal.login("admin")
    confirm = portal.get(f"/appointments/types/{s.hoertest.id}/delete", htmx=True).get_data(
        as_text=True
    )
    assert "<html" not in confirm and 'id="confirm-delete"' not in confirm
    assert (
        "Der Termintyp Hörtest kann nicht gelöscht werden. Er wird noch von 3 Terminen verwendet."
        in confirm
    )
    resp = portal.post(f"/appointments/types/{s.hoertest.id}/delete")
    assert resp.status_code == 302
    assert "von 3 Terminen verwendet" in portal.get("/appointments/types/").get_data(as_text=True)
    assert db.session.get(AppointmentType, s.hoertest.id) is not None
    # an unused one goes, after the question
    confirm = portal.get(f"/appointments/types/{s.werkstatt.id}/delete").get_data(as_text=True)
    assert "Soll der Termintyp Werkstatt gelöscht werden?" in confirm
    werkstatt_id = s.werkstatt.id
    resp = portal.post(f"/appointments/types/{werkstatt_id}/delete", htmx=True)
    assert resp.status_code == 204 and resp.headers["HX-Redirect"] == "/appointments/types/"
    assert db.session.get(AppointmentType, werkstatt_id) is None


def test_admin_manages_statuses(app, portal, s):
    portal.login("admin")
    resp = portal.post("/appointments/statuses/", {"name": "Geplatzt", "kind": "no_show"})
    assert resp.status_code == 302
    record = db.session.scalar(
        sa.select(AppointmentStatus).where(AppointmentStatus.name == "Geplatzt")
    )
    assert record.kind == "no_show"
    html = portal.get("/appointments/statuses/").get_data(as_text=True)
    assert "Status Geplatzt wurde angelegt." in html and "geplatzt" in html and "storniert" in html
    resp = portal.post(
        f"/appointments/statuses/{record.id}/edit", {"name": "Nicht erschienen", "kind": "no_show"}
    )
    assert (
        resp.status_code == 302
        and db.session.get(AppointmentStatus, record.id).name == "Nicht erschienen"
    )
    for override, message in [
        ({"name": ""}, "Bitte füllen Sie „Name“ aus."),
        ({"name": "GEPLANT"}, "Einen Status mit diesem Namen gibt es bereits."),
        ({"kind": "later"}, "Keine gültige Auswahl"),
    ]:
        resp = portal.post(
            "/appointments/statuses/", {"name": "Neu", "kind": "open", **override}, htmx=True
        )
        assert resp.status_code == 422 and message in resp.get_data(as_text=True), override
    assert _count(AppointmentStatus) == 3


def test_status_in_use_cannot_be_deleted(app, portal, s):
    s.appointment(utcnow() + timedelta(days=1))
    db.session.commit()
    portal.login("admin")
    confirm = portal.get(f"/appointments/statuses/{s.planned.id}/delete", htmx=True).get_data(
        as_text=True
    )
    assert (
        "Der Status Geplant kann nicht gelöscht werden. Er wird noch von 1 Termin verwendet."
        in confirm
    )
    assert portal.post(f"/appointments/statuses/{s.planned.id}/delete").status_code == 302
    assert db.session.get(AppointmentStatus, s.planned.id) is not None
    cancelled_id = s.cancelled.id
    assert portal.post(f"/appointments/statuses/{cancelled_id}/delete").status_code == 302
    assert db.session.get(AppointmentStatus, cancelled_id) is None


@pytest.mark.parametrize(
    "url, method",
    [
        ("/appointments/types/", "get"),
        ("/appointments/types/new", "get"),
        ("/appointments/types/", "post"),
        ("/appointments/types/{type}/edit", "post"),
        ("/appointments/types/{type}/delete", "post"),
        ("/appointments/statuses/", "get"),
        ("/appointments/statuses/", "post"),
        ("/appointments/statuses/{status}/delete", "post"),
    ],
)
def test_employees_cannot_manage_types_and_statuses(app, portal, s, url, method):
    portal.login("employee")
    url = url.format(type=s.werkstatt.id, status=s.cancelled.id)
    resp = (
        portal.get(url)
        if method == "get"
        else portal.post(url, {"name": "X", "kind": "open", "duration_minutes": "30"})
    )
    assert resp.status_code == 403
    assert _count(AppointmentType) == 3 and _count(AppointmentStatus) == 2
    assert "appointment-types" not in portal.get("/appointments/").get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "/appointments/",
        "/appointments/new",
        "/appointments/1",
        "/appointments/1/edit",
        "/appointments/customer-lookup?customer_ref=K-1",
    ],
)
def test_helpdesk_may_not_see_appointments(app, portal, s, url):
    s.appointment(utcnow() + timedelta(days=1))
    db.session.commit()
    portal.login("helpdesk")
    assert portal.get(url).status_code == 403
    assert portal.post("/appointments/", s.form()).status_code == 403
    assert _count(Appointment) == 1


# ---- creating and editing appointments ----------------------------------------------------------


def test_create_appointment_in_local_time(app, portal, s):
    portal.login("employee")
    resp = portal.post("/appointments/", s.form(is_group="y"))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    appt = db.session.scalar(sa.select(Appointment))
    assert resp.headers["Location"] == f"/appointments/{appt.id}"
    # 10:00 in Stuttgart in summer (CEST) is 08:00 UTC; an empty duration takes the type's
    assert appt.starts_at == datetime(2030, 7, 1, 8, 0)
    assert appt.duration_minutes == 45 and appt.is_group and appt.customer_id == s.customer.id
    assert appt.note == "Bitte Hörgeräte mitbringen"
    html = portal.get(f"/appointments/{appt.id}").get_data(as_text=True)
    assert "Der Termin wurde angelegt." in html and "Erika Mustermann" in html
    assert "Montag, 1. Juli 2030, 10:00" in html and "noch nicht geprüft" in html
    # In English the time as English writes it, like everywhere else in the portal.
    db.session.get(User, portal.user.id).locale = "en"
    db.session.commit()
    html = portal.get(f"/appointments/{appt.id}").get_data(as_text=True)
    assert "Monday, July 1, 2030, 10:00\u202fAM" in html


def test_winter_time_and_customer_by_id(app, portal, s):
    portal.login("admin")
    other = make_customer(s.ulm, last_name="Ohne Nummer")
    db.session.commit()
    resp = portal.post(
        "/appointments/",
        s.form(
            customer_ref=f"#{other.id}",
            start_date="15.01.2030",
            start_time="09:15",
            duration_minutes="20",
            branch_id=s.ulm.id,
        ),
    )
    assert resp.status_code == 302
    appt = db.session.scalar(sa.select(Appointment))
    assert appt.starts_at == datetime(2030, 1, 15, 8, 15) and appt.customer_id == other.id
    assert appt.duration_minutes == 20 and appt.branch_id == s.ulm.id


def test_appointment_validation_saves_nothing(app, portal, s):
    portal.login("employee")
    cases = [
        ({"customer_ref": ""}, "Bitte geben Sie den Kunden an."),
        ({"customer_ref": "K-404"}, "Kein Kunde mit der Kundennummer oder ID „K-404“ gefunden."),
        (
            {"customer_ref": "#999999"},
            "Kein Kunde mit der Kundennummer oder ID „#999999“ gefunden.",
        ),
        ({"type_id": ""}, "Bitte wählen Sie einen Termintyp."),
        ({"type_id": str(s.old.id)}, "Keine gültige Auswahl"),  # inactive types are not offered
        ({"status_id": "999"}, "Keine gültige Auswahl"),
        ({"branch_id": ""}, "Bitte wählen Sie eine Filiale."),
        ({"start_date": ""}, "Bitte geben Sie ein Datum an."),
        ({"start_date": "31.02.2030"}, "Kein gültiges Datum"),
        ({"start_date": "1899-01-01"}, "Bitte geben Sie ein Datum zwischen 2000 und 2100 an."),
        ({"start_time": ""}, "Bitte geben Sie eine Uhrzeit an, z. B. 09:30."),
        ({"start_time": "25:00"}, "Bitte geben Sie eine gültige Uhrzeit an, z. B. 09:30."),
        ({"duration_minutes": "2"}, "Die Dauer muss zwischen 5 und 480 Minuten liegen."),
        ({"duration_minutes": "600"}, "Die Dauer muss zwischen 5 und 480 Minuten liegen."),
        ({"note": "x" * 501}, "Feld kann nicht länger als 500 Zeichen sein"),
    ]
    for override, message in cases:
        resp = portal.post("/appointments/", s.form(**override), htmx=True)
        body = resp.get_data(as_text=True)
        assert resp.status_code == 422, override
        assert message in body, (override, re.findall(r'<small class="error"[^>]*>([^<]*)<', body))
        assert 'id="appointment-form"' in body and "<html" not in body
    assert _count(Appointment) == 0


def test_new_form_prefilled_from_customer(app, portal, s):
    user = portal.login("employee")
    user.branch_id = s.ulm.id
    db.session.commit()
    html = portal.get("/appointments/new").get_data(as_text=True)
    assert f'<option selected value="{s.ulm.id}">' in html and "Alter Typ" not in html
    assert f'<option selected value="{s.planned.id}">' in html
    html = portal.get(f"/appointments/new?customer_id={s.customer.id}").get_data(as_text=True)
    assert 'value="K-1"' in html and 'id="customer-match"' in html and "Erika Mustermann" in html
    assert f'<option selected value="{s.branch.id}">' in html


def test_edit_appointment_shows_local_time_and_resets_the_reminder_check(app, portal, s):
    appt = s.appointment(
        datetime(2030, 7, 1, 8, 0),
        type_id=s.old.id,
        reminder_skip_reason="no_consent",
        reminder_checked_at=datetime(2030, 6, 30, 8, 0),
    )
    db.session.commit()
    portal.login("employee")
    form = portal.get(f"/appointments/{appt.id}/edit").get_data(as_text=True)
    assert 'value="2030-07-01"' in form and 'value="10:00"' in form and 'value="K-1"' in form
    # an inactive type stays selectable for the appointment that has it
    assert f'<option selected value="{s.old.id}">Alter Typ</option>' in form
    resp = portal.post(
        f"/appointments/{appt.id}/edit",
        s.form(type_id=s.old.id, start_time="11:30", duration_minutes="45"),
    )
    assert resp.status_code == 302
    appt = db.session.get(Appointment, appt.id)
    assert appt.starts_at == datetime(2030, 7, 1, 9, 30)
    assert appt.reminder_skip_reason is None and appt.reminder_checked_at is None


def test_bad_edit_saves_nothing(app, portal, s):
    appt = s.appointment(datetime(2030, 7, 1, 8, 0))
    db.session.commit()
    portal.login("employee")
    resp = portal.post(
        f"/appointments/{appt.id}/edit",
        s.form(start_time="11:30", customer_ref="nobody"),
        htmx=True,
    )
    assert resp.status_code == 422
    assert db.session.get(Appointment, appt.id).starts_at == datetime(2030, 7, 1, 8, 0)


def test_customer_lookup_while_typing(app, portal, s):
    make_customer(s.ulm, first_name="Max", last_name="Musterfrau", number="K-2")
    db.session.commit()
    portal.login("employee")
    html = portal.get("/appointments/customer-lookup?customer_ref=k-1", htmx=True).get_data(
        as_text=True
    )
    assert 'id="customer-match"' in html and "Erika Mustermann (K-1)" in html
    html = portal.get("/appointments/customer-lookup?customer_ref=muster", htmx=True).get_data(
        as_text=True
    )
    assert (
        '<option value="K-1">Mustermann, Erika' in html
        and '<option value="K-2">Musterfrau, Max' in html
    )
    html = portal.get("/appointments/customer-lookup?customer_ref=zzz", htmx=True).get_data(
        as_text=True
    )
    assert "Kein passender Kunde gefunden." in html and "<option" not in html


def test_unknown_appointment_is_404(app, portal):
    portal.login("employee")
    assert portal.get("/appointments/999").status_code == 404
    assert portal.post("/appointments/999/edit", {}).status_code == 404


# ---- list and reminder state --------------------------------------------------------------------


def test_list_filters_and_sorting(app, portal, s):
    now = utcnow()
    other = make_customer(s.ulm, first_name="Piotr", last_name="Nowak", number="K-2")
    later = s.appointment(now + timedelta(days=3))
    soon = s.appointment(
        now + timedelta(days=1), customer=other, branch_id=s.ulm.id, status_id=s.cancelled.id
    )
    past = s.appointment(now - timedelta(days=2))
    far = s.appointment(now + timedelta(days=40))
    db.session.commit()
    portal.login("employee")
    page = portal.get("/appointments/").get_data(as_text=True)
    assert (
        "<html" in page and 'id="appointment-branch"' in page and 'id="appointment-status"' in page
    )
    # without a start date the list begins today, sorted by start
    assert _rows(page) == [str(soon.id), str(later.id), str(far.id)]
    local_today = datetime.now(BERLIN).date()
    assert f'name="from" id="appointment-from" value="{local_today.isoformat()}"' in page
    to = (datetime.now(BERLIN) + timedelta(days=10)).date().isoformat()
    for query, expected in [
        ("from=", [past, soon, later, far]),
        ("q=nowak", [soon]),
        ("q=k-1", [later, far]),
        (f"branch={s.ulm.id}", [soon]),
        (f"status={s.planned.id}", [later, far]),
        (f"from=&to={to}", [past, soon, later]),
        (f"from=&q=muster&branch={s.branch.id}&status={s.planned.id}", [past, later, far]),
        ("from=not-a-date", [past, soon, later, far]),
    ]:
        resp = portal.get(f"/appointments/?{query}", htmx=True)
        body = resp.get_data(as_text=True)
        assert "<html" not in body and 'id="appointment-table"' in body
        assert _rows(body) == [str(a.id) for a in expected], query
    assert "Keine Termine gefunden." in portal.get("/appointments/?q=zzz", htmx=True).get_data(
        as_text=True
    )


def test_pagination_keeps_filters(app, portal, s):
    start = utcnow() + timedelta(days=1)
    for i in range(120):
        s.appointment(start + timedelta(minutes=15 * i))
    db.session.commit()
    portal.login("employee")
    first = portal.get(f"/appointments/?branch={s.branch.id}", htmx=True).get_data(as_text=True)
    assert len(_rows(first)) == 50 and "Einträge 1–50" in first and 'rel="next"' in first
    link = re.search(r'href="([^"]+)"[^>]*rel="next"', first).group(1).replace("&amp;", "&")
    assert f"branch={s.branch.id}" in link and "page=2" in link and "from=" in link
    third = portal.get(link.replace("page=2", "page=3"), htmx=True).get_data(as_text=True)
    assert len(_rows(third)) == 20 and 'rel="next"' not in third and "Einträge 101–120" in third


@pytest.mark.parametrize("size", [3, 120])
def test_one_query_per_list_page_whatever_the_size(app, portal, s, size):
    start = utcnow() + timedelta(days=1)
    customers = [make_customer(s.branch, last_name=f"Kunde {i}") for i in range(5)]
    for i in range(size):
        appt = s.appointment(
            start + timedelta(minutes=10 * i),
            customer=customers[i % 5],
            branch_id=(s.branch, s.ulm)[i % 2].id,
            status_id=(s.planned, s.cancelled)[i % 2].id,
            type_id=(s.hoertest, s.werkstatt)[i % 2].id,
        )
        if i % 3 == 0:
            message = SmsMessage(
                kind="reminder",
                status="queued",
                to_number="4915233445566",
                text="x",
                customer_id=appt.customer_id,
                appointment_id=appt.id,
            )
            db.session.add(message)
            db.session.flush()
            appt.reminder_message_id = message.id
    db.session.commit()
    portal.login("employee")
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        for url, htmx, limit in (
            ("/appointments/", True, 2),
            ("/appointments/?q=kunde&page=2", True, 2),
            (f"/appointments/?from=&status={s.planned.id}", True, 2),
            ("/appointments/", False, 5),
        ):
            statements.clear()
            resp = portal.get(url, htmx=htmx)
            assert resp.status_code == 200
            # the session's user and the page's rows (the full page adds the branch and status selects,
            # and the header's bell and chat badge, counted in one statement of their own)
            assert len(statements) <= limit, statements
            assert not any("count(" in s.lower() and "chat_threads" not in s for s in statements)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def test_reminder_state_in_list_and_detail(app, portal, s):
    start = utcnow() + timedelta(days=2)
    sent_at = datetime(2030, 7, 1, 6, 5)
    message = SmsMessage(
        kind="reminder",
        status="sent",
        to_number="4915233445566",
        text="Erinnerung an Ihren Termin",
        customer_id=s.customer.id,
        sent_at=sent_at,
    )
    failed = SmsMessage(
        kind="reminder",
        status="failed",
        to_number="4915233445566",
        text="Erinnerung",
        customer_id=s.customer.id,
        error="Gateway nicht erreichbar",
    )
    db.session.add_all([message, failed])
    db.session.flush()
    with_sms = s.appointment(start, reminder_message_id=message.id, reminder_checked_at=utcnow())
    with_failed = s.appointment(start + timedelta(hours=1), reminder_message_id=failed.id)
    skipped = s.appointment(
        start + timedelta(hours=2), reminder_skip_reason="no_consent", reminder_checked_at=utcnow()
    )
    unchecked = s.appointment(start + timedelta(hours=3))
    db.session.commit()
    portal.login("employee")
    html = portal.get("/appointments/", htmx=True).get_data(as_text=True)
    row = {
        a.id: html.split(f'<tr id="appointment-{a.id}">')[1].split("</tr>")[0]
        for a in (with_sms, with_failed, skipped, unchecked)
    }
    assert "SMS gesendet" in row[with_sms.id] and "01.07.2030, 08:05" in row[with_sms.id]
    assert "SMS fehlgeschlagen" in row[with_failed.id]
    assert "Keine Einwilligung zu SMS" in row[skipped.id]
    assert "noch nicht geprüft" in row[unchecked.id]
    detail = portal.get(f"/appointments/{with_sms.id}").get_data(as_text=True)
    assert (
        "SMS gesendet" in detail
        and "+4915233445566" in detail
        and "Erinnerung an Ihren Termin" in detail
    )
    detail = portal.get(f"/appointments/{with_failed.id}", htmx=True).get_data(as_text=True)
    assert "<html" not in detail and "Gateway nicht erreichbar" in detail
    detail = portal.get(f"/appointments/{skipped.id}").get_data(as_text=True)
    assert "Keine Einwilligung zu SMS" in detail


def test_past_appointments_say_past_whether_or_not_the_planner_saw_them(app, portal, s):
    # One was checked by the planner in its last hour, the other began before the planner ever ran.
    checked = s.appointment(
        utcnow() - timedelta(minutes=30), reminder_skip_reason="past", reminder_checked_at=utcnow()
    )
    never_seen = s.appointment(utcnow() - timedelta(days=3))
    upcoming = s.appointment(utcnow() + timedelta(days=3))
    db.session.commit()
    portal.login("employee")
    html = portal.get("/appointments/?from=", htmx=True).get_data(as_text=True)
    row = {
        a.id: html.split(f'<tr id="appointment-{a.id}">')[1].split("</tr>")[0]
        for a in (checked, never_seen, upcoming)
    }
    assert "Termin liegt in der Vergangenheit" in row[checked.id]
    assert "Termin liegt in der Vergangenheit" in row[never_seen.id]
    assert "noch nicht geprüft" in row[upcoming.id]
    detail = portal.get(f"/appointments/{never_seen.id}").get_data(as_text=True)
    assert "Termin liegt in der Vergangenheit" in detail and "noch nicht geprüft" not in detail


# ---- demo data ----------------------------------------------------------------------------------


@contextmanager
def _statements():
    """The SQL statements run inside the block (what stays fast at volume is their number)."""
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def test_demo_seed_volume_and_idempotence(app, runner):
    with _statements() as statements:
        first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "Demo-Admin-2026" in first.output and "Demo-Mitarbeiter-2026" in first.output
    customers = _count(Customer)
    appointments = _count(Appointment)
    assert 3000 <= customers <= 3100 and appointments == 6000
    # customers and appointments go in as bulk inserts, not a statement per row
    assert len(statements) < (customers + appointments) / 3, len(statements)
    assert _count(AppointmentType) == 7 and _count(AppointmentStatus) == 5
    assert set(
        db.session.scalars(
            sa.select(AppointmentType.name).where(
                AppointmentType.allows_auto_notification.is_(False)
            )
        ).all()
    ) == {"Werkstatt/Reparatur", "Gruppenschulung"}
    assert {s.name: s.kind for s in db.session.scalars(sa.select(AppointmentStatus))} == {
        "Geplant": "open",
        "Bestätigt": "open",
        "Erledigt": "done",
        "Storniert": "cancelled",
        "Geplatzt": "no_show",
    }
    volume = Customer.number.like("K-2%")
    bulk = _count(Customer, volume)
    assert bulk == 3000
    assert 0.80 <= _count(Customer, volume, Customer.mobile.is_not(None)) / bulk <= 0.90
    assert 0.70 <= _count(Customer, volume, Customer.sms_consent) / bulk <= 0.80
    per_branch = db.session.execute(
        sa.select(Customer.branch_id, sa.func.count()).where(volume).group_by(Customer.branch_id)
    ).all()
    assert len(per_branch) == 3 and min(n for _, n in per_branch) > 800
    for mobile, text in db.session.execute(
        sa.select(Customer.mobile, Customer.search_text)
        .where(volume, Customer.mobile.is_not(None))
        .limit(200)
    ):
        assert phone.normalise_mobile(mobile, "+49").e164.startswith("+491")
        assert mobile.startswith("+49 1") and mobile.replace("+", "").replace(" ", "") in text
    # during opening hours (Mon-Sat 9-18 local), mostly in the coming six weeks, a few in the past
    now = utcnow()
    rows = db.session.execute(sa.select(Appointment.starts_at, Appointment.duration_minutes)).all()
    weekdays, past = Counter(), 0
    for starts_at, minutes in rows:
        local = starts_at.replace(tzinfo=ZoneInfo("UTC")).astimezone(BERLIN)
        assert local.weekday() < 6 and time(9) <= local.time()
        assert (local + timedelta(minutes=minutes)).time() <= time(18) or minutes == 0
        assert starts_at <= now + timedelta(weeks=6, days=2)
        weekdays[local.weekday()] += 1
        past += starts_at < now
    assert 100 <= past <= 600 and len(weekdays) == 6
    assert _count(Appointment, Appointment.is_group) > 0
    # running it again changes nothing
    second = runner.invoke(args=["demo", "seed"])
    assert (
        second.exit_code == 0
        and "nothing changed" in second.output
        and "Demo-Admin-2026" in second.output
    )
    assert (
        _count(Customer),
        _count(Appointment),
        _count(AppointmentType),
        _count(AppointmentStatus),
    ) == (customers, appointments, 7, 5)
    assert _count(Branch) == 3


def test_pages_stay_fast_with_the_demo_volume(app, runner, portal):
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    portal.login("employee")
    # the session's user and one query for the rows (the lookup first tries the typed text as a
    # customer number): no count, nothing per row
    for url, expected, limit in (
        ("/appointments/", 'id="appointment-', 2),
        ("/appointments/?from=&q=müller", "Müller", 2),
        ("/customers/", 'id="customer-', 2),
        ("/customers/?q=schmidt", "Schmidt", 2),
        ("/appointments/customer-lookup?customer_ref=meier", "Meier", 4),
    ):
        with _statements() as statements:
            resp = portal.get(url, htmx=True)
        assert resp.status_code == 200 and expected in resp.get_data(as_text=True), url
        assert len(statements) <= limit and not any("count(" in s.lower() for s in statements), (
            url,
            statements,
        )
    html = portal.get("/appointments/", htmx=True).get_data(as_text=True)
    assert len(_rows(html)) == 50 and 'rel="next"' in html


def test_unknown_customer_offers_suggestions(app, portal, s):
    portal.login("employee")
    resp = portal.post("/appointments/", s.form(customer_ref="Mustermann"), htmx=True)
    body = resp.get_data(as_text=True)
    assert (
        resp.status_code == 422
        and "Kein Kunde mit der Kundennummer oder ID „Mustermann“ gefunden." in body
    )
    assert '<option value="K-1">Mustermann, Erika' in body and "Kein passender Kunde" not in body
    assert _count(Appointment) == 0


def test_the_employee_start_page_lists_todays_appointments_by_time_with_links(app, portal, s):
    from app.models.base import utcnow

    appt = s.appointment(utcnow().replace(second=0, microsecond=0))
    employee = make_user("employee", username="home-employee", password="correct-horse-1")
    employee.branch_id = s.branch.id
    db.session.commit()
    portal.login("employee", username="home-employee")
    html = portal.get("/").get_data(as_text=True)
    row = html.split(f'<tr id="home-appointment-{appt.id}">')[1].split("</tr>")[0]
    first_cell = row.split("</td>")[0]
    assert f'href="/appointments/{appt.id}"' in first_cell
    assert re.search(r">\d{1,2}:\d{2}</a>", first_cell)  # the time alone: the date is today's
    assert f'href="/customers/{s.customer.id}">Mustermann, Erika</a>' in row
