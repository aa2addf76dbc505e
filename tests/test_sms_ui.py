"""SMS through the portal: Test-SMS dialog, balance lookup, SMS to customers, against the simulator."""

from __future__ import annotations

import logging
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Customer, InterfaceEvent, SmsMessage
from app.services.demo import simulator_sms_settings
from tests.factories import make_branch, make_interface, make_workstation
from tests.sim_fixtures import SIM_PASSWORD, SIM_TOKEN, SIM_USERNAME


@pytest.fixture
def app_config(app_config):
    app_config.SMS_TIMEOUTS = (2.0, 2.0)
    return app_config


@pytest.fixture
def sms_interface(app, smsapi_sim):
    interface = make_interface(
        name="SMS Sim",
        client_side=True,
        server_side=True,
        settings=simulator_sms_settings(smsapi_sim.url + "/"),
        secrets={"token": SIM_TOKEN},
    )
    db.session.commit()
    return interface


def _events(interface, action):
    return db.session.scalars(
        sa.select(InterfaceEvent).where(
            InterfaceEvent.interface_id == interface.id, InterfaceEvent.action == action
        )
    ).all()


def _outbox():
    return db.session.scalars(sa.select(SmsMessage).order_by(SmsMessage.id)).all()


def test_dialog_three_steps_sends_and_records(app, portal, sms_interface, smsapi_sim):
    portal.login("admin")
    step1 = portal.get(f"/interfaces/{sms_interface.id}/test-sms", htmx=True)
    html = step1.get_data(as_text=True)
    assert "<html" not in html and "<dialog open" in html and 'id="sms-counter"' in html
    assert "Schritt 1 von 3" in html and "/sms/length?interface_id=" in html
    text = "Hallo, dies ist ein Test."
    step2 = portal.post(
        f"/interfaces/{sms_interface.id}/test-sms/number", {"text": text}, htmx=True
    )
    html = step2.get_data(as_text=True)
    assert step2.status_code == 200 and "Schritt 2 von 3" in html and 'name="number"' in html
    assert f'value="{text}"' in html
    step3 = portal.post(
        f"/interfaces/{sms_interface.id}/test-sms/send",
        {"text": text, "number": "0171 2345678"},
        htmx=True,
    )
    html = step3.get_data(as_text=True)
    assert step3.status_code == 200 and "Schritt 3 von 3" in html
    assert "+491712345678" in html and 'id="result-parts">1<' in html
    received = smsapi_sim.state.messages
    assert len(received) == 1
    assert received[0]["to"] == "491712345678" and received[0]["message"] == text
    assert received[0]["id"] in html
    row = _outbox()[0]
    assert (row.kind, row.status, row.to_number, row.gateway_message_id) == (
        "test",
        "sent",
        "491712345678",
        received[0]["id"],
    )
    assert row.idx == received[0]["idx"]  # the row's random idx is the gateway's idx
    event = _events(sms_interface, "test_sms")[0]
    assert event.ok and received[0]["id"] in str(event.message)
    assert "interface-history" in step3.headers["HX-Trigger"]


def test_step_forms_post_into_the_dialog(app, portal, sms_interface):
    """Each step's form posts into the dialog; the sending step disables its buttons meanwhile."""
    portal.login("admin")
    base = f"/interfaces/{sms_interface.id}/test-sms"
    text_step = portal.get(base, htmx=True).get_data(as_text=True)
    form = re.search(r'<form [^>]*id="test-sms-text-form"[^>]*>', text_step).group(0)
    assert f'hx-post="{base}/number"' in form and 'hx-target="#dialog"' in form
    assert "hx-disabled-elt" not in form and "novalidate" in form
    assert 'name="csrf_token"' in text_step
    number_step = portal.post(f"{base}/number", {"text": "Hallo"}, htmx=True).get_data(as_text=True)
    form = re.search(r'<form [^>]*id="test-sms-number-form"[^>]*>', number_step).group(0)
    assert f'hx-post="{base}/send"' in form and 'hx-target="#dialog"' in form
    assert 'hx-disabled-elt="find button"' in form and 'hx-indicator="#test-sms-sending"' in form
    assert 'id="test-sms-sending"' in number_step and 'name="csrf_token"' in number_step


def test_step_posts_need_a_csrf_token_and_an_sms_interface(app, portal, sms_interface, smsapi_sim):
    other = make_interface(name="Kein SMS", type_key="email_smtp", settings={})
    db.session.commit()
    portal.login("admin")
    data = {"text": "Hallo", "number": "0171 2345678"}
    for step in ("number", "send"):
        url = f"/interfaces/{sms_interface.id}/test-sms/{step}"
        assert portal.post(url, data, csrf=False).status_code == 400
        assert portal.post(f"/interfaces/{other.id}/test-sms/{step}", data).status_code == 404
    assert smsapi_sim.state.messages == [] and _outbox() == []


def test_number_step_goes_back_to_the_text_as_it_was(app, portal, sms_interface, smsapi_sim):
    portal.login("admin")
    text = 'Hallo <b>"Team"</b>'
    step2 = portal.post(
        f"/interfaces/{sms_interface.id}/test-sms/number", {"text": text}, htmx=True
    )
    html = step2.get_data(as_text=True)
    back = f"/interfaces/{sms_interface.id}/test-sms/text"
    assert (
        f'formaction="{back}" hx-post="{back}" hx-disabled-elt="this"' in html
        and ">Zurück</button>" in html
    )
    assert "Text: „Hallo &lt;b&gt;&#34;Team&#34;&lt;/b&gt;“" in html  # quoted, and escaped
    step1 = portal.post(back, {"text": text}, htmx=True)
    html = step1.get_data(as_text=True)
    assert step1.status_code == 200 and 'id="test-sms-text-form"' in html
    assert "\nHallo &lt;b&gt;&#34;Team&#34;&lt;/b&gt;</textarea>" in html
    assert portal.post(back, {"text": text}, csrf=False).status_code == 400
    assert smsapi_sim.state.messages == [] and _outbox() == []


def test_text_step_refuses_empty_and_too_long(app, portal, sms_interface, smsapi_sim):
    sms_interface.settings = dict(sms_interface.settings, max_chars=20)
    db.session.commit()
    portal.login("admin")
    url = f"/interfaces/{sms_interface.id}/test-sms/number"
    empty = portal.post(url, {"text": "   "}, htmx=True)
    assert empty.status_code == 422 and "Bitte geben Sie einen Text ein." in empty.get_data(
        as_text=True
    )
    long = portal.post(url, {"text": "x" * 21}, htmx=True)
    assert long.status_code == 422
    assert "21 Zeichen; erlaubt sind höchstens 20" in long.get_data(as_text=True)
    # the last step checks again (a crafted request cannot skip step 1)
    resp = portal.post(
        f"/interfaces/{sms_interface.id}/test-sms/send",
        {"text": "x" * 21, "number": "01712345678"},
        htmx=True,
    )
    assert resp.status_code == 422
    assert smsapi_sim.state.messages == [] and _outbox() == []


@pytest.mark.parametrize(
    "number, reason",
    [
        ("", "Bitte geben Sie eine Mobilnummer an."),
        ("0171-abc", "keine Telefonnummer"),
        ("12", "zu kurz"),
        ("+49 171 123456789012345", "zu lang"),
        ("0711 123456", "Festnetznummer"),
    ],
)
def test_invalid_number_is_refused_before_any_call(
    app, portal, sms_interface, smsapi_sim, number, reason
):
    portal.login("admin")
    resp = portal.post(
        f"/interfaces/{sms_interface.id}/test-sms/send",
        {"text": "Test", "number": number},
        htmx=True,
    )
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert 'id="number-error"' in body
    assert reason.lower() in body.lower(), body[body.find("number-error") :][:300]
    assert smsapi_sim.state.requests == [] and _outbox() == []


def test_number_with_own_prefix_keeps_it(app, portal, sms_interface, smsapi_sim):
    portal.login("admin")
    portal.post(
        f"/interfaces/{sms_interface.id}/test-sms/send",
        {"text": "Test", "number": "+48 601 234 567"},
        htmx=True,
    )
    assert smsapi_sim.state.messages[0]["to"] == "48601234567"


def test_plain_forms_without_javascript(app, portal, sms_interface, smsapi_sim):
    portal.login("admin")
    page = portal.get(f"/interfaces/{sms_interface.id}/test-sms").get_data(as_text=True)
    assert "<html" in page and "Schritt 1 von 3" in page
    step2 = portal.post(f"/interfaces/{sms_interface.id}/test-sms/number", {"text": "Ohne JS"})
    assert "<html" in step2.get_data(as_text=True)
    step3 = portal.post(
        f"/interfaces/{sms_interface.id}/test-sms/send",
        {"text": "Ohne JS", "number": "0171 2345678"},
    )
    html = step3.get_data(as_text=True)
    assert "<html" in html and "Schritt 3 von 3" in html and len(smsapi_sim.state.messages) == 1


@pytest.mark.parametrize(
    "fault, words",
    [
        ({"status": 500}, "Gateway"),
        ({"status": 503}, "Gateway"),
        ({"malformed": True}, "unerwartete"),
        ({"drop": True}, "Verbindung"),
        ({"delay": 3}, "antwortet"),
    ],
)
def test_each_fault_is_a_plain_message_and_a_history_entry(
    app, portal, sms_interface, smsapi_sim_isolated, fault, words, caplog
):
    caplog.set_level(logging.DEBUG)
    sms_interface.settings = dict(sms_interface.settings, base_url=smsapi_sim_isolated.url + "/")
    db.session.commit()
    smsapi_sim_isolated.state.set_faults(**fault)
    portal.login("admin")
    resp = portal.post(
        f"/interfaces/{sms_interface.id}/test-sms/send",
        {"text": "Test", "number": "01712345678"},
        htmx=True,
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="result-error"' in html
    assert words.lower() in html.lower(), html[html.find("result-error") :][:400]
    assert "Traceback" not in html and "requests." not in html and SIM_TOKEN not in html
    event = _events(sms_interface, "test_sms")[0]
    assert not event.ok and event.message
    db.session.refresh(sms_interface)
    assert sms_interface.last_error == event.message
    assert _outbox()[0].status == "failed"
    listing = portal.get("/interfaces/").get_data(as_text=True)
    assert "badge-error" in listing
    assert SIM_TOKEN not in caplog.text


def test_gateway_error_codes_become_plain_words(app, portal, sms_interface, smsapi_sim):
    sms_interface.secrets[0].value_encrypted = (
        __import__("app.extensions", fromlist=["x"]).secret_box().encrypt("wrong-token")
    )
    db.session.commit()
    portal.login("admin")
    resp = portal.post(
        f"/interfaces/{sms_interface.id}/test-sms/send",
        {"text": "Test", "number": "01712345678"},
        htmx=True,
    )
    html = resp.get_data(as_text=True)
    assert "101" in html and "wrong-token" not in html


def test_balance_in_place_kept_and_recorded(app, portal, sms_interface, smsapi_sim):
    smsapi_sim.state.set_points(SIM_USERNAME, 42.5)
    portal.login("helpdesk")
    page = portal.get(f"/interfaces/{sms_interface.id}").get_data(as_text=True)
    assert "Guthaben abfragen" in page and "Test SMS absenden" not in page
    # Not asked yet: the line is there, empty, for the answer to fill in place.
    assert '<dt>Guthaben</dt><dd id="detail-balance">—</dd>' in page
    resp = portal.post(f"/interfaces/{sms_interface.id}/balance", htmx=True)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="balance-value"' in html and "Punkte" in html
    # The page's own credits line follows at once (out of band), not only after a reload.
    assert re.search(r'<dd id="detail-balance" hx-swap-oob="true">42,50 Punkte', html), html
    db.session.refresh(sms_interface)
    assert sms_interface.balance_points is not None and sms_interface.balance_checked_at is not None
    assert float(sms_interface.balance_points) == 42.5 and "42,50 Punkte" in html
    assert _events(sms_interface, "balance")[0].ok
    page = portal.get(f"/interfaces/{sms_interface.id}").get_data(as_text=True)
    assert 'id="detail-balance"' in page


def test_balance_with_username_and_password(app, portal, smsapi_sim):
    interface = make_interface(
        name="SMS PW",
        settings=simulator_sms_settings(
            smsapi_sim.url + "/", auth_mode="password", username=SIM_USERNAME
        ),
        secrets={"password": SIM_PASSWORD},
    )
    db.session.commit()
    portal.login("admin")
    html = portal.post(f"/interfaces/{interface.id}/balance", htmx=True).get_data(as_text=True)
    assert 'id="balance-value"' in html


def test_balance_fault_shows_error_in_place(app, portal, sms_interface, smsapi_sim):
    smsapi_sim.state.set_faults(status=503)
    portal.login("admin")
    resp = portal.post(f"/interfaces/{sms_interface.id}/balance", htmx=True)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="balance-error"' in html and "Traceback" not in html
    assert not _events(sms_interface, "balance")[0].ok


def test_length_counter_endpoint(app, portal, sms_interface):
    portal.login("employee")
    html = portal.get(
        f"/sms/length?text={'a' * 161}&interface_id={sms_interface.id}", htmx=True
    ).get_data(as_text=True)
    assert "161 Zeichen · 2 SMS (GSM-7)" in html
    html = portal.get("/sms/length?text=Grüße 😀").get_data(as_text=True)
    assert "1 SMS (UCS-2)" in html


# ---- SMS to customers ------------------------------------------------------------------------------


@pytest.fixture
def customer(app):
    branch = make_branch()
    c = Customer(
        first_name="Erika",
        last_name="Mustermann",
        mobile="0171 2345678",
        branch_id=branch.id,
        sms_consent=True,
        search_text="erika mustermann 01712345678",
    )
    db.session.add(c)
    db.session.commit()
    return c


def test_employee_sends_sms_to_customer_through_applicable_interface(
    app, portal, sms_interface, smsapi_sim, customer
):
    user = portal.login("employee")
    user.branch_id = customer.branch_id
    db.session.commit()
    listing = portal.get("/customers/?q=muster").get_data(as_text=True)
    assert "Mustermann" in listing and f"/sms/new?customer_id={customer.id}" in listing
    form = portal.get(f"/sms/new?customer_id={customer.id}").get_data(as_text=True)
    assert "Versand über SMS Sim" in form and 'value="0171 2345678"' in form
    resp = portal.post(
        "/sms/new",
        {
            "customer_id": str(customer.id),
            "number": "0171 2345678",
            "text": "Ihr Hörgerät ist abholbereit.",
        },
        htmx=True,
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="sms-sent"' in html
    assert "SMS an +491712345678 gesendet (1 Teil, Nachrichten-ID" in html
    assert smsapi_sim.state.messages[0]["message"] == "Ihr Hörgerät ist abholbereit."
    row = _outbox()[0]
    assert row.kind == "customer" and row.customer_id == customer.id and row.status == "sent"
    # A longer text goes in two parts, and the message says so in the plural.
    two_parts = portal.post(
        "/sms/new",
        {"customer_id": str(customer.id), "number": "0171 2345678", "text": "Abholbereit. " * 13},
        htmx=True,
    ).get_data(as_text=True)
    assert "SMS an +491712345678 gesendet (2 Teile, Nachrichten-ID" in two_parts


def test_workstation_interface_wins_for_its_computer(
    app, portal, sms_interface, smsapi_sim, customer
):
    ws = make_workstation(
        db.session.get(__import__("app.models", fromlist=["Branch"]).Branch, customer.branch_id)
    )
    make_interface(
        name="SMS Platz",
        client_side=True,
        server_side=False,
        workstation_id=ws.id,
        branch_id=ws.branch_id,
        settings=simulator_sms_settings(smsapi_sim.url + "/"),
        secrets={"token": SIM_TOKEN},
    )
    user = portal.login("employee")
    user.branch_id, user.workstation_id = ws.branch_id, ws.id
    db.session.commit()
    assert "Versand über SMS Platz" in portal.get("/sms/new").get_data(as_text=True)


def test_no_applicable_interface_is_a_clear_message(app, portal, smsapi_sim, customer):
    portal.login("employee")
    form = portal.get("/sms/new").get_data(as_text=True)
    assert "keine clientseitige SMS-Schnittstelle eingerichtet" in form
    resp = portal.post("/sms/new", {"number": "01712345678", "text": "Hallo"}, htmx=True)
    assert resp.status_code == 422 and "keine clientseitige SMS-Schnittstelle" in resp.get_data(
        as_text=True
    )
    assert smsapi_sim.state.requests == [] and _outbox() == []


def test_customer_sms_bad_input_sends_nothing(app, portal, sms_interface, smsapi_sim):
    portal.login("employee")
    for data, field in (
        (({"number": "abc", "text": "Hallo"}), "number"),
        ({"number": "01712345678", "text": ""}, "text"),
    ):
        resp = portal.post("/sms/new", data, htmx=True)
        assert resp.status_code == 422 and f'id="{field}-error"' in resp.get_data(as_text=True)
    # Both wrong at once: both are said at once, each at its field.
    html = portal.post("/sms/new", {"number": "", "text": " "}, htmx=True).get_data(as_text=True)
    assert re.search(r'id="number-error">Bitte geben Sie eine Mobilnummer an\.<', html), html
    assert re.search(r'id="text-error">Bitte geben Sie einen Text ein\.<', html), html
    assert smsapi_sim.state.requests == [] and _outbox() == []
