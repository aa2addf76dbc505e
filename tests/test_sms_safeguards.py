"""SMS to customers: no accidental second send, explicit confirmation without consent, the live
length warning (issue 17 items 1, 2 and 13), against the SMSAPI simulator."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db, secret_box
from app.models import Customer, SmsMessage
from app.services.demo import simulator_sms_settings
from app.services.interfaces import write_secret
from tests.factories import make_branch, make_interface
from tests.sim_fixtures import SIM_TOKEN


@pytest.fixture
def sms_interface(app, smsapi_sim):
    interface = make_interface(
        name="SMS Sim",
        client_side=True,
        server_side=True,
        settings=simulator_sms_settings(smsapi_sim.url + "/", max_chars=200),
        secrets={"token": SIM_TOKEN},
    )
    db.session.commit()
    return interface


def _customer(consent: bool) -> Customer:
    c = Customer(
        first_name="Erika",
        last_name="Mustermann",
        mobile="0171 2345678",
        branch_id=make_branch().id,
        sms_consent=consent,
        search_text="erika mustermann 01712345678",
    )
    db.session.add(c)
    db.session.commit()
    return c


def _outbox() -> list[SmsMessage]:
    db.session.expire_all()
    return db.session.scalars(sa.select(SmsMessage).order_by(SmsMessage.id)).all()


def test_after_sending_the_form_is_empty_and_a_repeat_needs_confirmation(
    app, portal, sms_interface, smsapi_sim
):
    customer = _customer(consent=True)
    portal.login("employee")
    data = {
        "customer_id": str(customer.id),
        "number": "0171 2345678",
        "text": "Ihre Brille ist da.",
    }
    first = portal.post("/sms/new", data, htmx=True).get_data(as_text=True)
    assert 'id="sms-sent"' in first
    # The text is gone (the number of the customer stays): a second click has nothing to send.
    assert "Ihre Brille ist da." not in first.split('id="sms-sent"', 1)[1]
    assert 'value="0171 2345678"' in first

    # Sending the same text to the same number again is stopped once, with a question.
    again = portal.post("/sms/new", data, htmx=True)
    html = again.get_data(as_text=True)
    assert (
        again.status_code == 422 and 'id="repeat-warning"' in html and 'id="confirm_repeat"' in html
    )
    assert len(smsapi_sim.state.messages) == 1 and len(_outbox()) == 1
    # A different text is not a repeat; a confirmed repeat is sent.
    other = portal.post("/sms/new", dict(data, text="Ihre Brille ist abholbereit."), htmx=True)
    assert other.status_code == 200 and 'id="sms-sent"' in other.get_data(as_text=True)
    confirmed = portal.post("/sms/new", dict(data, confirm_repeat="y"), htmx=True)
    assert confirmed.status_code == 200 and 'id="sms-sent"' in confirmed.get_data(as_text=True)
    assert [m["message"] for m in smsapi_sim.state.messages] == [
        "Ihre Brille ist da.",
        "Ihre Brille ist abholbereit.",
        "Ihre Brille ist da.",
    ]


def test_a_failed_earlier_attempt_is_no_repeat(app, portal, sms_interface, smsapi_sim):
    portal.login("employee")
    write_secret(secret_box(), sms_interface, "token", "wrong-token")  # refused at once (error 101)
    db.session.commit()
    data = {"number": "0171 2345678", "text": "Hallo"}
    failed = portal.post("/sms/new", data, htmx=True).get_data(as_text=True)
    assert 'id="sms-failed"' in failed and "Hallo</textarea>" in failed  # kept for another try
    write_secret(secret_box(), sms_interface, "token", SIM_TOKEN)
    db.session.commit()
    retry = portal.post("/sms/new", data, htmx=True)
    assert retry.status_code == 200 and 'id="sms-sent"' in retry.get_data(as_text=True)


def test_customer_without_consent_needs_an_explicit_confirmation(
    app, portal, sms_interface, smsapi_sim
):
    customer = _customer(consent=False)
    portal.login("employee")
    page = portal.get(f"/sms/new?customer_id={customer.id}").get_data(as_text=True)
    assert 'id="confirm_no_consent"' in page
    data = {"customer_id": str(customer.id), "number": "0171 2345678", "text": "Hallo"}
    refused = portal.post("/sms/new", data, htmx=True)
    assert refused.status_code == 422 and 'id="consent-error"' in refused.get_data(as_text=True)
    assert smsapi_sim.state.requests == [] and _outbox() == []

    sent = portal.post("/sms/new", dict(data, confirm_no_consent="y"), htmx=True)
    assert sent.status_code == 200 and 'id="sms-sent"' in sent.get_data(as_text=True)
    [row] = _outbox()
    assert row.consent_confirmed is True and row.customer_id == customer.id


def test_customer_with_consent_is_not_asked(app, portal, sms_interface, smsapi_sim):
    customer = _customer(consent=True)
    portal.login("employee")
    assert 'id="confirm_no_consent"' not in portal.get(
        f"/sms/new?customer_id={customer.id}"
    ).get_data(as_text=True)
    portal.post(
        "/sms/new",
        {"customer_id": str(customer.id), "number": "0171 2345678", "text": "Hallo"},
        htmx=True,
    )
    assert [row.consent_confirmed for row in _outbox()] == [False]


def test_counter_warns_over_the_maximum(app, portal, sms_interface):
    portal.login("employee")
    fits = portal.get(f"/sms/length?text={'a' * 200}&interface_id={sms_interface.id}", htmx=True)
    assert "data-over-limit" not in fits.get_data(as_text=True)
    assert "noch 106 Zeichen in diesem Teil" in fits.get_data(as_text=True)
    over = portal.get(f"/sms/length?text={'a' * 201}&interface_id={sms_interface.id}", htmx=True)
    html = over.get_data(as_text=True)
    assert "data-over-limit" in html and "Zu lang" in html and 'class="sms-counter error"' in html
    # Too long: no "still room in this part" next to it.
    assert "201 Zeichen · 2 SMS (GSM-7) · höchstens 200" in html and "noch " not in html
    # Eleven parts are too many for the gateway even without a maximum (the reminder preview).
    parts = portal.get(f"/sms/length?text={'a' * 1600}", htmx=True).get_data(as_text=True)
    assert "data-over-limit" in parts


def test_form_with_a_text_over_the_maximum_has_its_button_disabled(app, portal, sms_interface):
    portal.login("employee")
    resp = portal.post("/sms/new", {"number": "0171 2345678", "text": "a" * 201}, htmx=True)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'id="sms-send" disabled' in html
