"""In Chromium: the SMS form cannot send the same SMS twice by accident and warns over the maximum
as the user types; Back keeps a list's filters and rows together; the branch choice says why it
went away (issue 17 items 1, 3, 6 and 13)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Customer
from app.services.demo import simulator_sms_settings
from tests import factories
from tests.browser.conftest import htmx_settled
from tests.sim_fixtures import SIM_TOKEN

pytestmark = pytest.mark.browser


def _sms_setup(live_app, sim_url: str, max_chars: int = 1000) -> int:
    with live_app.app_context():
        factories.make_interface(
            name="SMS Sim",
            client_side=True,
            server_side=True,
            settings=simulator_sms_settings(sim_url + "/", max_chars=max_chars),
            secrets={"token": SIM_TOKEN},
        )
        customer = Customer(
            first_name="Erika",
            last_name="Mustermann",
            mobile="0171 2345678",
            branch_id=factories.make_branch().id,
            sms_consent=True,
            search_text="erika mustermann 01712345678",
        )
        db.session.add(customer)
        db.session.commit()
        return customer.id


def test_sms_form_resets_and_asks_before_the_same_sms_again(
    page: Page, live_app, login_as, smsapi_sim
):
    customer_id = _sms_setup(live_app, smsapi_sim.url)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    login_as("employee")
    page.goto(f"/sms/new?customer_id={customer_id}")
    htmx_settled(page)
    page.fill("#text", "Ihre Brille ist da.")
    expect(page.locator("#sms-counter")).to_contain_text("19 Zeichen")
    page.click("#sms-send")
    expect(page.locator("#sms-sent")).to_be_visible()
    # Nothing left to send twice: the text is empty, the counter too; the customer's number stays.
    expect(page.locator("#text")).to_have_value("")
    expect(page.locator("#sms-counter")).to_contain_text("0 Zeichen")
    expect(page.locator("#number")).to_have_value("0171 2345678")

    htmx_settled(page)
    page.fill("#text", "Ihre Brille ist da.")
    page.click("#sms-send")
    expect(page.locator("#repeat-warning")).to_be_visible()
    assert len(smsapi_sim.state.messages) == 1
    page.check("#confirm_repeat")
    page.click("#sms-send")
    expect(page.locator("#sms-sent")).to_be_visible()
    assert len(smsapi_sim.state.messages) == 2
    # Typing in the text box no longer borrows the form's hx-disabled-elt (it logged an error).
    assert not [text for text in console if "returned no matches" in text], console


def test_counter_warns_over_the_maximum_while_typing(page: Page, live_app, login_as, smsapi_sim):
    customer_id = _sms_setup(live_app, smsapi_sim.url, max_chars=50)
    login_as("employee")
    page.goto(f"/sms/new?customer_id={customer_id}")
    htmx_settled(page)
    send = page.locator("#sms-send")
    page.fill("#text", "x" * 51)
    expect(page.locator("#sms-counter")).to_contain_text("Zu lang")
    expect(page.locator("#sms-counter")).to_have_class(re.compile(r"\berror\b"))
    expect(send).to_be_disabled()
    page.fill("#text", "x" * 50)
    expect(page.locator("#sms-counter")).not_to_contain_text("Zu lang")
    expect(send).to_be_enabled()
    assert smsapi_sim.state.messages == []


def _query(page: Page, name: str) -> str:
    return parse_qs(urlsplit(page.url).query).get(name, [""])[0]


def test_back_button_keeps_search_box_and_rows_together(page: Page, live_app, login_as):
    with live_app.app_context():
        for city in ("Esslingen", "Stuttgart", "Ulm"):
            branch = factories.make_branch(name=city)
            factories.make_interface(name=f"SMS {city}", branch_id=branch.id)
        db.session.commit()
    login_as("helpdesk")
    page.goto("/interfaces/")
    box, rows = page.locator("#interface-q"), page.locator("#interface-rows tr")
    expect(rows).to_have_count(3)
    # search -> clear -> another search, as the new user did
    for term, count in (("Esslingen", 1), ("", 3), ("Stuttgart", 1)):
        htmx_settled(page)
        page.fill("#interface-q", term)
        expect(rows).to_have_count(count)
        expect(page).to_have_url(re.compile(rf"q={term}" if term else r"/interfaces/(\?(q=)?)?$"))
    for expected, count in (("", 3), ("Esslingen", 1)):
        page.go_back()
        expect(page).to_have_url(
            re.compile(rf"q={expected}" if expected else r"/interfaces/(\?(q=)?)?$")
        )
        expect(box).to_have_value(_query(page, "q"))
        expect(rows).to_have_count(count)


def test_back_button_keeps_the_checkbox_with_the_url(page: Page, live_app, login_as):
    with live_app.app_context():
        ws = factories.make_workstation()
        factories.make_interface(
            name="SMS Platz",
            workstation_id=ws.id,
            branch_id=ws.branch_id,
            server_side=False,
            client_side=True,
        )
        factories.make_interface(name="SMS Kette")
        db.session.commit()
    login_as("helpdesk")
    page.goto("/interfaces/")
    rows = page.locator("#interface-rows tr")
    expect(rows).to_have_count(2)
    htmx_settled(page)
    page.check("#interface-ws")  # only those set up from a workstation's settings
    expect(page).to_have_url(re.compile(r"ws=1"))
    expect(rows).to_have_count(1)
    htmx_settled(page)
    page.uncheck("#interface-ws")
    expect(rows).to_have_count(2)
    page.go_back()
    expect(page).to_have_url(re.compile(r"ws=1"))
    expect(page.locator("#interface-ws")).to_be_checked()
    expect(rows).to_have_count(1)
    page.go_back()
    expect(page.locator("#interface-ws")).not_to_be_checked()
    expect(rows).to_have_count(2)


def test_customer_filters_follow_the_url_on_back(page: Page, live_app, login_as):
    with live_app.app_context():
        ulm, ess = factories.make_branch(name="Ulm"), factories.make_branch(name="Esslingen")
        for last, branch in (("Albers", ulm), ("Brandt", ess), ("Conrad", ess)):
            db.session.add(
                Customer(
                    first_name="Kim",
                    last_name=last,
                    branch_id=branch.id,
                    search_text=f"kim {last.lower()}",
                )
            )
        db.session.commit()
        ess_id = str(ess.id)
    login_as("admin")
    page.goto("/customers/")
    rows = page.locator("#customer-table tbody tr")
    expect(rows).to_have_count(3)
    htmx_settled(page)
    page.select_option("#customer-branch", ess_id)
    expect(page).to_have_url(re.compile(rf"branch={ess_id}"))
    expect(rows).to_have_count(2)
    htmx_settled(page)
    page.select_option("#customer-branch", "")
    expect(rows).to_have_count(3)
    page.go_back()
    expect(page).to_have_url(re.compile(rf"branch={ess_id}"))
    expect(page.locator("#customer-branch")).to_have_value(ess_id)
    expect(rows).to_have_count(2)
