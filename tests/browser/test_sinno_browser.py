"""SiNNO-App in a real browser: log-in refused for a branch without e-mail, fixed, customer activated
(the SMS simulator receives the code), Kunden-ID read-only, then Abmelden through the warning dialog."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.extensions import db, secret_box
from app.models import Customer
from app.services.customers import search_text_for
from app.services.demo import simulator_sms_settings
from app.services.worker import Worker
from tests import factories
from tests.browser.conftest import htmx_settled
from tests.sim_fixtures import SIM_TOKEN

pytestmark = pytest.mark.browser


def _setup(live_app, sinno_url: str, sms_url: str) -> dict:
    with live_app.app_context():
        mitte = factories.make_branch(number="01", name="Mitte", email="mitte@example.org")
        nord = factories.make_branch(number="02", name="Nord", email="")
        service = factories.make_interface(
            "sinno_app",
            name="SiNNO App",
            server_side=True,
            client_side=True,
            settings={
                "server": sinno_url,
                "client_id": "winpro",
                "company_no": "4711",
                "proxy_host": None,
                "proxy_port": None,
            },
        )
        factories.make_interface("sinno_chat", name="SiNNO Chat", server_side=True, settings={})
        factories.make_interface(
            name="SMS Sim",
            client_side=True,
            server_side=True,
            settings=simulator_sms_settings(sms_url + "/"),
            secrets={"token": SIM_TOKEN},
        )
        customer = Customer(
            number="K-1001",
            first_name="Erika",
            last_name="Mustermann",
            mobile="+49 171 2345678",
            email="erika@example.org",
            branch_id=mitte.id,
            sms_consent=True,
        )
        customer.search_text = search_text_for(customer)
        db.session.add(customer)
        db.session.commit()
        return {"service": service.id, "nord": nord.id, "customer": customer.id}


def _worker_pass(live_app) -> None:
    with live_app.app_context():
        Worker(db.session, secret_box(), "Europe/Berlin", timeouts=(2.0, 2.0)).run_once()
        db.session.remove()


def test_login_activation_and_logout(page: Page, live_app, login_as, sinno_sim, smsapi_sim):
    ids = _setup(live_app, sinno_sim.base_url, smsapi_sim.url)
    login_as("admin")

    # Anmelden is refused: Nord has no e-mail address; the message links to its form.
    page.goto(f"/interfaces/{ids['service']}")
    page.click("#sinno-login")
    expect(page.locator("#sinno-error")).to_contain_text("02 Nord")
    expect(page.locator("#sinno-state")).to_have_text("Abgemeldet")
    expect(page.locator("#interface-history tr.history-failed")).to_have_count(1)
    page.click("#sinno-missing-email a")
    expect(page).to_have_url(f"/branches/{ids['nord']}/edit")
    page.fill("#email", "nord@example.org")
    page.locator("#branch-form button[type=submit]").click()
    expect(page).not_to_have_url(f"/branches/{ids['nord']}/edit")

    # Fixed: Anmelden works in place.
    page.goto(f"/interfaces/{ids['service']}")
    page.click("#sinno-login")
    expect(page.locator("#sinno-state")).to_have_text("Angemeldet")
    expect(page.locator("#sinno-since")).to_contain_text("Angemeldet seit")
    expect(page.locator("#sinno-dashboard")).to_be_visible()
    assert sinno_sim.state.snapshot()["companies"][0]["logged_in"]

    # Activate the customer: confirmation, "wird eingerichtet", the worker, the page updates itself.
    page.goto(f"/customers/{ids['customer']}")
    expect(page.locator("#customer-sinno-status")).to_have_text("nicht aktiviert")
    page.click("#customer-sinno-activate")
    expect(page.locator("#sinno-activate-dialog")).to_contain_text("Identifikationscode per SMS")
    htmx_settled(page)
    page.click("#sinno-activate-confirm")
    expect(page.locator("#sinno-activate-dialog")).to_have_count(0)
    expect(page.locator("#customer-sinno-status")).to_have_text("wird eingerichtet")
    _worker_pass(live_app)  # registers and queues the SMS
    expect(page.locator("#customer-sinno-status")).to_have_text("eingeladen")
    expect(page.locator("#customer-sinno-id")).to_have_text("SC-000001")
    _worker_pass(live_app)  # sends the SMS through the outbox
    code = sinno_sim.state.public_customers()[0]["identification_code"]
    assert [m["message"] for m in smsapi_sim.state.messages if code in m["message"]]
    page.reload()
    expect(page.locator("#customer-sinno-id")).to_have_text("SC-000001")
    assert code not in page.content()
    page.goto(f"/customers/{ids['customer']}/edit")
    expect(page.locator("[name=sinno_customer_id]")).to_have_count(0)

    # Abmelden: the dialog carries the vendor's warning.
    page.goto(f"/interfaces/{ids['service']}")
    page.click("#sinno-logout")
    expect(page.locator("#sinno-logout-warning")).to_contain_text("keinen Zugang mehr")
    htmx_settled(page)
    page.click("#sinno-logout-confirm")
    expect(page.locator("#sinno-logout-dialog")).to_have_count(0)
    expect(page.locator("#sinno-state")).to_have_text("Abgemeldet")
    expect(page.locator("#interface-history")).to_contain_text("abgemeldet")
    assert not sinno_sim.state.snapshot()["companies"][0]["logged_in"]
    with live_app.app_context():
        assert db.session.scalar(sa.select(Customer.sinno_customer_id)) == "SC-000001"
