"""Customers: list with search and branch filter, create, show, edit, delete, access, query count."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Appointment, AppointmentStatus, AppointmentType, Customer, SmsMessage
from app.models.base import utcnow
from app.services.customers import search_text_for
from tests.factories import make_branch

VALID = {
    "salutation": "frau",
    "first_name": "Erika",
    "last_name": "Mustermann",
    "number": "K-500",
    "mobile": "0171 2345678",
    "email": "Erika@Example.org",
    "language": "de",
    "sms_consent": "y",
}


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def make_customer(branch=None, **kw) -> Customer:
    fields = dict(
        first_name="Hans",
        last_name="Schneider",
        mobile="+49 152 33445566",
        sms_consent=True,
        branch_id=branch.id if branch else None,
    )
    fields.update(kw)
    customer = Customer(**fields)
    customer.search_text = search_text_for(customer)
    db.session.add(customer)
    db.session.flush()
    return customer


def make_appointment(customer, branch, starts_at, **kw) -> Appointment:
    appt_type = db.session.scalar(
        sa.select(AppointmentType).where(AppointmentType.name == "Hörtest")
    )
    if appt_type is None:
        appt_type = AppointmentType(
            name="Hörtest", allows_auto_notification=True, duration_minutes=30
        )
        db.session.add(appt_type)
    status = db.session.scalar(
        sa.select(AppointmentStatus).where(AppointmentStatus.name == "Geplant")
    )
    if status is None:
        status = AppointmentStatus(name="Geplant", kind="open")
        db.session.add(status)
    db.session.flush()
    fields = dict(
        customer_id=customer.id,
        type_id=appt_type.id,
        status_id=status.id,
        branch_id=branch.id,
        starts_at=starts_at,
        duration_minutes=30,
    )
    fields.update(kw)
    appt = Appointment(**fields)
    db.session.add(appt)
    db.session.flush()
    return appt


def _names(html: str) -> list[str]:
    return re.findall(r'<a href="/customers/\d+">([^<]+)</a>', html)


@pytest.fixture
def branch(app):
    branch = make_branch(number="01", name="Stuttgart")
    db.session.commit()
    return branch


def test_create_customer_normalises_and_shows_it(app, portal, branch):
    portal.login("employee")
    resp = portal.post("/customers/", dict(VALID, branch_id=branch.id))
    assert resp.status_code == 302
    customer = db.session.scalar(sa.select(Customer))
    assert resp.headers["Location"] == f"/customers/{customer.id}"
    assert customer.mobile == "+49 171 2345678" and customer.email == "erika@example.org"
    assert (
        customer.sms_consent and customer.salutation == "frau" and customer.branch_id == branch.id
    )
    assert (
        customer.search_text == search_text_for(customer) and "491712345678" in customer.search_text
    )
    html = portal.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "Kunde Erika Mustermann wurde angelegt." in html
    assert "Frau Erika Mustermann" in html and "+49 171 2345678" in html and "01 Stuttgart" in html
    assert 'id="customer-sinno-status">nicht aktiviert<' in html
    assert f"/sms/new?customer_id={customer.id}" in html


def test_create_via_htmx_redirects_with_header(app, portal, branch):
    portal.login("admin")
    resp = portal.post("/customers/", dict(VALID, branch_id=branch.id), htmx=True)
    assert resp.status_code == 204 and resp.headers["HX-Redirect"].startswith("/customers/")


def test_minimal_customer(app, portal, branch):
    portal.login("employee")
    resp = portal.post(
        "/customers/", {"last_name": "Nowak", "language": "en", "branch_id": branch.id}
    )
    assert resp.status_code == 302
    customer = db.session.scalar(sa.select(Customer))
    assert (customer.number, customer.mobile, customer.email, customer.sms_consent) == (
        None,
        None,
        None,
        False,
    )
    assert customer.salutation == "" and customer.language == "en"


def test_customer_validation(app, portal, branch):
    portal.login("employee")
    make_customer(branch, number="K-1", email="taken@example.org")
    db.session.commit()
    cases = [
        ({"last_name": ""}, "Bitte füllen Sie „Nachname“ aus."),
        ({"last_name": "   "}, "Bitte füllen Sie „Nachname“ aus."),
        ({"mobile": "12"}, "zu kurz"),
        ({"mobile": "0711 123456"}, "Festnetznummer"),
        ({"mobile": "0171 abc"}, "keine Telefonnummer"),
        ({"email": "kaputt@"}, "gültige E-Mail-Adresse"),
        ({"email": "TAKEN@example.org"}, "Diese E-Mail-Adresse hat bereits ein anderer Kunde."),
        ({"number": "K-1"}, "Ein Kunde mit dieser Kundennummer existiert bereits."),
        ({"number": "K" * 21}, "Feld kann nicht länger als 20 Zeichen sein"),
        ({"branch_id": ""}, "Bitte wählen Sie eine Filiale."),
        ({"branch_id": "999"}, "Keine gültige Auswahl"),
        ({"salutation": "dr"}, "Keine gültige Auswahl"),
        ({"language": "fr"}, "Keine gültige Auswahl"),
    ]
    for override, message in cases:
        resp = portal.post("/customers/", {**VALID, "branch_id": branch.id, **override}, htmx=True)
        body = resp.get_data(as_text=True)
        assert resp.status_code == 422, override
        assert message in body, (override, body[:3000])
        assert "<html" not in body and 'id="customer-form"' in body
    assert _count(Customer) == 1


def test_csrf_is_required(app, portal, branch):
    portal.login("employee")
    resp = portal.post("/customers/", dict(VALID, branch_id=branch.id), csrf=False)
    assert resp.status_code == 400 and _count(Customer) == 0


def test_edit_customer_keeps_sinno_fields_read_only(app, portal, branch):
    portal.login("employee")
    customer = make_customer(
        branch,
        number="K-7",
        email="hans@example.org",
        sinno_status="active",
        sinno_customer_id="SIN-7",
    )
    db.session.commit()
    form = portal.get(f"/customers/{customer.id}/edit").get_data(as_text=True)
    assert 'value="K-7"' in form and "sinno" not in form.lower()
    data = dict(
        VALID,
        number="K-7",
        email="hans@example.org",
        last_name="Schneider-Wolf",
        mobile="+4915112345678",
        branch_id=branch.id,
        sinno_status="not_activated",
        sinno_customer_id="HACK",
    )
    resp = portal.post(f"/customers/{customer.id}/edit", data)
    assert resp.status_code == 302
    customer = db.session.get(Customer, customer.id)
    assert customer.last_name == "Schneider-Wolf" and customer.mobile == "+49 1511 2345678"
    assert "schneider-wolf" in customer.search_text and "4915112345678" in customer.search_text
    assert (customer.sinno_status, customer.sinno_customer_id) == ("active", "SIN-7")
    html = portal.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert 'id="customer-sinno-status">aktiv<' in html and 'id="customer-sinno-id">SIN-7<' in html


def test_clearing_the_mobile_removes_it(app, portal, branch):
    portal.login("employee")
    customer = make_customer(branch)
    db.session.commit()
    resp = portal.post(
        f"/customers/{customer.id}/edit", dict(VALID, mobile="", branch_id=branch.id)
    )
    assert resp.status_code == 302
    assert db.session.get(Customer, customer.id).mobile is None


def test_bad_edit_saves_nothing(app, portal, branch):
    portal.login("employee")
    customer = make_customer(branch)
    db.session.commit()
    resp = portal.post(
        f"/customers/{customer.id}/edit",
        dict(VALID, last_name="Neu", mobile="0711 123456", branch_id=branch.id),
        htmx=True,
    )
    assert resp.status_code == 422
    assert db.session.get(Customer, customer.id).last_name == "Schneider"


def test_show_lists_appointments_and_last_sms(app, portal, branch):
    portal.login("employee")
    customer = make_customer(branch, number="K-9")
    other = make_customer(branch, last_name="Andere")
    now = utcnow()
    for days in range(1, 26):
        make_appointment(customer, branch, now + timedelta(days=days))
    for days in range(1, 4):
        make_appointment(customer, branch, now - timedelta(days=days))
    make_appointment(other, branch, now + timedelta(hours=2))
    db.session.add_all(
        [
            SmsMessage(
                kind="reminder",
                status="sent",
                to_number="4915233445566",
                text="Ihr Termin morgen",
                customer_id=customer.id,
                sent_at=now,
            ),
            SmsMessage(
                kind="customer",
                status="failed",
                to_number="4915233445566",
                text="Abholbereit",
                customer_id=customer.id,
                error="Gateway nicht erreichbar",
            ),
            SmsMessage(
                kind="customer",
                status="sent",
                to_number="491700000000",
                text="Fremd",
                customer_id=other.id,
            ),
        ]
    )
    db.session.commit()
    html = portal.get(f"/customers/{customer.id}").get_data(as_text=True)
    upcoming = html.split('id="customer-upcoming"')[1].split("</table>")[0]
    past = html.split('id="customer-past"')[1].split("</table>")[0]
    assert upcoming.count("<tr id=") == 20 and past.count("<tr id=") == 3
    messages = html.split('id="customer-messages"')[1].split("</table>")[0]
    assert (
        "Ihr Termin morgen" in messages and "gesendet" in messages and "fehlgeschlagen" in messages
    )
    assert "Terminerinnerung" in messages and "Fremd" not in messages
    # the page and its htmx fragment
    fragment = portal.get(f"/customers/{customer.id}", htmx=True).get_data(as_text=True)
    assert "<html" not in fragment and 'id="customer-detail"' in fragment


def test_list_search_branch_filter_and_fragment(app, portal, branch):
    ulm = make_branch(number="02", name="Ulm")
    make_customer(
        branch, first_name="Erika", last_name="Mustermann", number="K-1", mobile="+49 171 2345678"
    )
    make_customer(ulm, first_name="Piotr", last_name="Nowak", number="K-2", mobile=None)
    make_customer(
        ulm, first_name="Fatma", last_name="Yilmaz", number="K-3", email="fatma@example.org"
    )
    db.session.commit()
    portal.login("employee")
    page = portal.get("/customers/").get_data(as_text=True)
    assert "<html" in page and 'id="customer-branch"' in page and "02 Ulm" in page
    assert _names(page) == ["Mustermann, Erika", "Nowak, Piotr", "Yilmaz, Fatma"]
    for query, expected in [
        ("q=muster", ["Mustermann, Erika"]),
        ("q=k-2", ["Nowak, Piotr"]),
        ("q=0171", []),
        ("q=1712345", ["Mustermann, Erika"]),
        # a mobile number as people type it, and a name as the list writes it
        ("q=0171%20234%205678", ["Mustermann, Erika"]),
        ("q=%2B49%20171%202345678", ["Mustermann, Erika"]),
        ("q=0049%20171-2345678", ["Mustermann, Erika"]),
        ("q=0171%20999%209999", []),
        ("q=Mustermann%2C%20Erika", ["Mustermann, Erika"]),
        ("q=fatma%40example", ["Yilmaz, Fatma"]),
        (f"branch={ulm.id}", ["Nowak, Piotr", "Yilmaz, Fatma"]),
        (f"q=nowak&branch={branch.id}", []),
        ("q=%25", []),
    ]:
        resp = portal.get(f"/customers/?{query}", htmx=True)
        body = resp.get_data(as_text=True)
        assert "<html" not in body and 'id="customer-table"' in body
        assert _names(body) == expected, query
        assert "HX-Request" in resp.headers["Vary"]
    # the filter is kept in the bookmarked page
    page = portal.get(f"/customers/?q=yil&branch={ulm.id}").get_data(as_text=True)
    assert 'value="yil"' in page and f'<option value="{ulm.id}" selected>' in page
    assert "Keine Kunden gefunden." in portal.get("/customers/?q=zzz", htmx=True).get_data(
        as_text=True
    )


def test_pagination_without_counting(app, portal, branch):
    for i in range(120):
        make_customer(branch, first_name="K", last_name=f"Kunde {i:03d}")
    db.session.commit()
    portal.login("employee")
    first = portal.get(f"/customers/?branch={branch.id}", htmx=True).get_data(as_text=True)
    assert len(_names(first)) == 50 and _names(first)[0] == "Kunde 000, K"
    assert "Einträge 1–50" in first and 'rel="next"' in first and 'rel="prev"' not in first
    assert (
        f'href="/customers/?page=2&amp;branch={branch.id}"' in first
        or f'href="/customers/?branch={branch.id}&amp;page=2"' in first
    )
    third = portal.get(f"/customers/?branch={branch.id}&page=3", htmx=True).get_data(as_text=True)
    assert _names(third) == [f"Kunde {i:03d}, K" for i in range(100, 120)]
    assert "Einträge 101–120" in third and 'rel="next"' not in third and 'rel="prev"' in third
    assert _names(portal.get("/customers/?page=abc", htmx=True).get_data(as_text=True))


@pytest.mark.parametrize("size", [3, 120])
def test_one_query_per_list_page_whatever_the_size(app, portal, size):
    branches = [make_branch(number=f"0{i}") for i in range(1, 4)]
    for i in range(size):
        make_customer(branches[i % 3], last_name=f"Kunde {i}")
    db.session.commit()
    portal.login("employee")
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        for url, htmx, limit in (
            ("/customers/", True, 2),
            ("/customers/?q=kunde&page=2", True, 2),
            (f"/customers/?branch={branches[0].id}", True, 2),
            ("/customers/", False, 4),
        ):
            statements.clear()
            resp = portal.get(url, htmx=htmx)
            assert resp.status_code == 200
            # the session's user and the page's rows (plus the branch select on the full page)
            # (a full page adds the header's bell and chat badge, counted in one statement of their own)
            assert len(statements) <= limit, statements
            assert not any("count(" in s.lower() and "chat_threads" not in s for s in statements)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def test_delete_is_refused_while_the_customer_has_appointments(app, portal, branch):
    portal.login("employee")
    customer = make_customer(branch)
    make_appointment(customer, branch, utcnow() + timedelta(days=1))
    make_appointment(customer, branch, utcnow() - timedelta(days=1))
    db.session.commit()
    confirm = portal.get(f"/customers/{customer.id}/delete", htmx=True).get_data(as_text=True)
    assert "<html" not in confirm and "hat noch 2 Termine und kann nicht gelöscht werden" in confirm
    assert 'id="confirm-delete"' not in confirm
    resp = portal.post(f"/customers/{customer.id}/delete")
    assert resp.status_code == 302
    assert "hat noch 2 Termine" in portal.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert _count(Customer) == 1


def test_delete_customer_without_appointments(app, portal, branch):
    portal.login("employee")
    customer = make_customer(branch)
    db.session.add(
        SmsMessage(
            kind="customer",
            status="sent",
            to_number="4915233445566",
            text="Hallo",
            customer_id=customer.id,
        )
    )
    db.session.commit()
    confirm = portal.get(f"/customers/{customer.id}/delete").get_data(as_text=True)
    assert "<html" in confirm and "Soll der Kunde Hans Schneider gelöscht werden?" in confirm
    resp = portal.post(f"/customers/{customer.id}/delete", htmx=True)
    assert resp.status_code == 204 and resp.headers["HX-Redirect"] == "/customers/"
    assert _count(Customer) == 0
    # the SMS stays in the outbox, without the link
    assert db.session.scalar(sa.select(SmsMessage.customer_id)) is None


def test_unknown_customer_is_404(app, portal):
    portal.login("employee")
    assert portal.get("/customers/999").status_code == 404
    assert portal.get("/customers/999/edit").status_code == 404


@pytest.mark.parametrize(
    "url, method",
    [
        ("/customers/", "get"),
        ("/customers/new", "get"),
        ("/customers/1", "get"),
        ("/customers/1/edit", "get"),
        ("/customers/", "post"),
        ("/customers/1/delete", "post"),
    ],
)
def test_helpdesk_may_not_see_customers(app, portal, branch, url, method):
    make_customer(branch)
    db.session.commit()
    portal.login("helpdesk")
    resp = (
        portal.get(url) if method == "get" else portal.post(url, dict(VALID, branch_id=branch.id))
    )
    assert resp.status_code == 403
    assert _count(Customer) == 1
