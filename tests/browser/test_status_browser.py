"""The status board in a real browser: it refreshes itself in place, keeping filters and scroll."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db, secret_box
from app.models import Interface
from app.services import checks
from app.services.demo import simulator_sms_settings
from tests import factories
from tests.sim_fixtures import SIM_TOKEN

pytestmark = pytest.mark.browser


@pytest.fixture
def fast_refresh(live_app):
    """The board asks for itself every second instead of every 30."""
    before = live_app.config["STATUS_REFRESH_SECONDS"]
    live_app.config["STATUS_REFRESH_SECONDS"] = 1
    yield
    live_app.config["STATUS_REFRESH_SECONDS"] = before


def test_board_refreshes_in_place_after_the_gateway_starts_failing(
    page: Page, live_app, login_as, smsapi_sim, fast_refresh
):
    with live_app.app_context():
        for i in range(25):
            factories.make_interface(name=f"SMS {i:02d} Filiale")
        factories.make_interface("sinno_app", name="App (nicht SMS)")
        watched = factories.make_interface(
            name="SMS Zentrale (Simulator)",
            settings=simulator_sms_settings(smsapi_sim.url + "/"),
            secrets={"token": SIM_TOKEN},
        )
        checks.check_one(db.session, secret_box(), watched)
        watched_id = watched.id
    page.set_viewport_size({"width": 390, "height": 700})
    login_as("helpdesk")
    page.goto("/status/")
    page.select_option("#filter-group", "SMS")
    expect(page).to_have_url(re.compile(r"/status/\?group=SMS$"))
    expect(page.locator("#status-table tbody tr")).to_have_count(26)
    row = page.locator(f"#status-row-{watched_id}")
    expect(row).to_have_attribute("data-state", "active")
    row.scroll_into_view_if_needed()
    page.evaluate("window.__sameDocument = true")
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 0

    smsapi_sim.state.set_faults(status=503)
    with live_app.app_context():  # what the worker's next scheduled check does
        checks.check_many(db.session, secret_box(), [db.session.get(Interface, watched_id)])

    expect(page.locator(f"#status-row-{watched_id}")).to_have_attribute("data-state", "error")
    # Failing first: the row moved to the top, the filter stayed, the page was not reloaded.
    expect(page.locator("#status-table tbody tr").first).to_have_id(f"status-row-{watched_id}")
    expect(page.locator("#status-table tbody tr")).to_have_count(26)
    expect(page).to_have_url(re.compile(r"/status/\?group=SMS$"))
    assert page.evaluate("window.__sameDocument") is True
    assert abs(page.evaluate("window.scrollY") - scrolled) < 5
    expect(page.locator("#status-banner")).to_contain_text("SMS Zentrale (Simulator)")


def test_check_all_shows_progress_in_place(page: Page, live_app, login_as, smsapi_sim):
    with live_app.app_context():
        for i in range(3):
            factories.make_interface(
                name=f"SMS {i}",
                settings=simulator_sms_settings(smsapi_sim.url + "/"),
                secrets={"token": SIM_TOKEN},
            )
        db.session.commit()
    login_as("admin")
    page.goto("/status/")
    page.locator("#check-all").click()
    expect(page.locator("#check-run-done")).to_contain_text("3 von 3 geprüft, 0 mit Fehler")
    expect(page).to_have_url(re.compile(r"/status/$"))
    expect(page.locator("#status-table tbody tr[data-state=active]")).to_have_count(3)
    # One row's own check answers in that row.
    smsapi_sim.state.set_faults(status=503)
    first = page.locator("#status-table tbody tr").first
    first.get_by_role("button", name="Verbindung prüfen").click()
    expect(first).to_have_attribute("data-state", "error")
    expect(first.locator("[role=alert]")).to_contain_text("503")


def test_check_on_the_interface_page_updates_badge_error_and_history_in_place(
    page: Page, live_app, login_as, smsapi_sim
):
    """An admin checks a failing interface on its own page (at phone width): the outcome shows
    next to the button, the status badge and last error follow, the history gains the entry."""
    with live_app.app_context():
        interface = factories.make_interface(
            name="SMS Zentrale (Simulator)",
            settings=simulator_sms_settings(smsapi_sim.url + "/"),
            secrets={"token": SIM_TOKEN},
        )
        db.session.commit()
        interface_id = interface.id
    smsapi_sim.state.set_faults(status=503)
    page.set_viewport_size({"width": 390, "height": 800})
    login_as("admin")
    page.goto(f"/interfaces/{interface_id}")
    expect(page.locator("#detail-status")).to_have_text(re.compile("aktiv"))
    page.evaluate("window.__sameDocument = true")
    page.click("#check-interface")
    expect(page.locator(f"#check-message-{interface_id}")).to_be_visible()
    expect(page.locator("#detail-status")).to_have_class(re.compile("badge-error"))
    expect(page.locator("#detail-last-error")).to_be_visible()
    expect(page.locator('#history-table tr[data-action="check"]')).to_have_count(1)
    assert page.evaluate("window.__sameDocument") is True  # no page load
    # Stacked at phone width: the entry's details fit the screen, no sideways scrolling.
    assert page.eval_on_selector("#history-table", "t => t.scrollWidth <= t.clientWidth")
