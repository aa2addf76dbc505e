"""Interfaces in a real browser: search the list, create and edit an SMSAPI interface, the Test-SMS
dialog and the balance against the simulator, and the password reveal that hides itself again."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Chain, Interface
from app.services.demo import simulator_sms_settings
from tests import factories
from tests.browser.conftest import htmx_settled
from tests.sim_fixtures import SIM_TOKEN

pytestmark = pytest.mark.browser


def _make_interfaces(live_app, **kw):
    with live_app.app_context():
        branch = factories.make_branch(name="Ulm", number="7")
        for name in ("SMS Zentrale", "SMS Ulm", "Chat"):
            factories.make_interface(
                "sinno_chat" if name == "Chat" else "smsapi",
                name=name,
                branch_id=branch.id if "Ulm" in name else None,
                **kw,
            )
        db.session.commit()


def test_search_as_you_type_with_url_and_back_button(page: Page, live_app, login_as):
    _make_interfaces(live_app)
    login_as("helpdesk")
    page.goto("/interfaces/")
    rows = page.locator("#interface-rows tr")
    expect(rows).to_have_count(3)
    page.fill("#interface-q", "ulm")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("SMS Ulm")
    expect(page).to_have_url(re.compile(r"/interfaces/\?q=ulm$"))
    page.locator('a[data-sort="name"]').click()
    expect(page).to_have_url(re.compile(r"q=ulm&sort=name"))
    page.fill("#interface-q", "")
    expect(rows).to_have_count(3)
    page.go_back()
    page.go_back()
    expect(page.locator("#interface-q")).to_have_value("ulm")
    expect(rows).to_have_count(1)


def test_list_refreshes_itself_when_an_interface_is_saved(page: Page, live_app, login_as):
    _make_interfaces(live_app)
    login_as("helpdesk")
    page.goto("/interfaces/?q=ulm")
    rows = page.locator("#interface-rows tr")
    expect(rows).to_have_count(1)
    with live_app.app_context():  # someone else saves a change meanwhile
        interface = db.session.scalar(sa.select(Interface).where(Interface.name == "SMS Ulm"))
        interface.name = "SMS Ulm Neu"
        db.session.commit()
    expect(rows.first).to_contain_text("SMS Ulm")
    # what a save's response sends (HX-Trigger: interface-saved): the list re-fetches the same search
    page.evaluate("htmx.trigger(document.body, 'interface-saved')")
    expect(rows.first).to_contain_text("SMS Ulm Neu")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"/interfaces/\?q=ulm$"))


def test_create_and_edit_smsapi_interface(page: Page, live_app, login_as, smsapi_sim):
    login_as("admin")
    page.goto("/interfaces/")
    page.click("#interface-new")
    page.click('a[data-type="smsapi"]')
    page.wait_for_load_state("load")  # app.js binds the form's toggles on load
    page.fill("#name", "SMS Browser")
    page.check("#server_side")
    page.check("#client_side")
    page.select_option("#service", "custom")
    expect(page.locator("#base_url")).to_be_visible()
    page.fill("#base_url", smsapi_sim.url + "/")
    page.check('input[name="auth_mode"][value="token"]')
    expect(page.locator("#username")).to_be_hidden()
    page.fill("#token", SIM_TOKEN)
    page.fill("#sender", "Optik Müller")  # a space and an umlaut: refused
    page.click("#interface-save")
    expect(page.locator("#sender-error")).to_contain_text("bis zu 11 Buchstaben")
    expect(page.locator("#token-retype")).to_be_visible()  # the secret is never sent back
    expect(page.locator("#username")).to_be_hidden()
    page.fill("#token", SIM_TOKEN)
    page.fill("#sender", "OptikM")
    page.click("#interface-save")
    expect(page.locator("#detail-title")).to_contain_text("SMS Browser")
    expect(page.locator("#interface-history")).to_contain_text("Schlüsseltoken geändert")
    page.click("#edit-interface")
    expect(page.locator("#locked-auth_mode")).to_contain_text("Schlüsseltoken")
    expect(page.locator("#secret-token-state")).to_have_text("gesetzt")
    page.fill("#max_chars", "320")
    page.click("#interface-save")
    expect(page.locator("#interface-history")).to_contain_text("Max. Zeichen: 1000 → 320")
    with live_app.app_context():
        interface = db.session.query(Interface).filter_by(name="SMS Browser").one()
        assert interface.settings["max_chars"] == 320 and interface.settings["sender"] == "OptikM"


def test_branch_choice_is_off_while_both_usages_are_ticked(page: Page, live_app, login_as):
    with live_app.app_context():
        branch = factories.make_branch(name="Ulm", number="7")
        db.session.commit()
        branch_id = str(branch.id)
    login_as("admin")
    page.goto("/interfaces/new/smsapi")
    branch_select = page.locator("#branch_id")
    page.check("#server_side")
    page.select_option("#branch_id", branch_id)
    expect(page.locator("#branch-cleared")).to_be_hidden()
    page.check("#client_side")
    expect(branch_select).to_be_disabled()
    expect(branch_select).to_have_value("")
    # The cleared choice says why, next to the field.
    expect(page.locator("#branch-cleared")).to_be_visible()
    expect(page.locator("#branch-cleared")).to_contain_text("für alle Filialen")
    page.uncheck("#client_side")
    expect(branch_select).to_be_enabled()
    expect(page.locator("#branch-cleared")).to_be_hidden()
    page.select_option("#branch_id", branch_id)
    page.fill("#name", "SMS Ulm")
    page.fill("#token", "tok-browser")
    page.click("#interface-save")
    expect(page.locator("#detail-title")).to_contain_text("SMS Ulm")
    with live_app.app_context():
        interface = db.session.query(Interface).filter_by(name="SMS Ulm").one()
        assert str(interface.branch_id) == branch_id and not interface.client_side


def test_deleted_interface_history_in_the_browser(page: Page, live_app, login_as):
    _make_interfaces(live_app)
    login_as("admin")
    page.goto("/interfaces/")
    page.locator("#interface-rows a", has_text="SMS Ulm").click()
    page.click("#delete-interface")
    page.click("#confirm-delete")
    expect(page).to_have_url(re.compile(r"/interfaces/$"))
    page.click("#interfaces-deleted")
    page.locator("#deleted-table a", has_text="SMS Ulm").click()
    expect(page.locator("h1")).to_contain_text("Verlauf: SMS Ulm")
    expect(page.locator("#history-table")).to_contain_text("gelöscht")


def _sms_interface(live_app, url):
    with live_app.app_context():
        interface = factories.make_interface(
            name="SMS Sim",
            client_side=True,
            server_side=True,
            settings=simulator_sms_settings(url + "/"),
            secrets={"token": SIM_TOKEN},
        )
        db.session.commit()
        return interface.id


def test_test_sms_dialog_and_balance(page: Page, live_app, login_as, smsapi_sim):
    interface_id = _sms_interface(live_app, smsapi_sim.url)
    login_as("admin")
    page.goto(f"/interfaces/{interface_id}")
    page.click("#open-test-sms")
    dialog = page.locator("#test-sms-dialog")
    expect(dialog).to_contain_text("Schritt 1 von 3")
    htmx_settled(page)
    page.fill("#sms-text", "ą" * 71)  # Polish letters are outside GSM-7: UCS-2, two parts
    expect(page.locator("#sms-counter")).to_contain_text("71 Zeichen · 2 SMS (UCS-2)")
    page.fill("#sms-text", "Hallo aus dem Browser")
    expect(page.locator("#sms-counter")).to_contain_text("21 Zeichen · 1 SMS (GSM-7)")
    page.click("#test-sms-next")
    expect(dialog).to_contain_text("Schritt 2 von 3")
    htmx_settled(page)
    page.fill("#sms-number", "0711 123456")
    page.click("#test-sms-send")
    expect(page.locator("#number-error")).to_contain_text("Festnetznummer")
    page.fill("#sms-number", "0171 2345678")
    page.click("#test-sms-send")
    expect(dialog).to_contain_text("Schritt 3 von 3")
    expect(page.locator("#result-number")).to_have_text("+491712345678")
    message = smsapi_sim.state.messages[0]
    expect(page.locator("#result-id")).to_have_text(message["id"])
    assert message["message"] == "Hallo aus dem Browser"
    page.click("#test-sms-close")
    expect(page.locator("#interface-history")).to_contain_text("Test-SMS")
    expect(page.locator("#detail-last-check")).to_have_text("—")
    page.click("#check-balance")
    expect(page.locator("#balance-value")).to_contain_text("Punkte")
    expect(page.locator("#detail-last-check")).not_to_have_text("—")
    smsapi_sim.state.set_faults(status=503)
    page.click("#check-balance")
    expect(page.locator("#balance-error")).to_be_visible()
    expect(page.locator("#interface-history tr.history-failed")).to_have_count(1)
    # Status badge and last error follow at once, without a reload.
    expect(page.locator("#detail-status")).to_have_text("Fehler")
    expect(page.locator("#detail-last-error")).to_be_visible()
    smsapi_sim.state.set_faults()
    page.click("#check-balance")
    expect(page.locator("#detail-status")).to_have_text("aktiv")
    expect(page.locator("#detail-last-error")).to_have_count(0)


def test_password_reveal_flow(page: Page, live_app, login_as):
    with live_app.app_context():
        interface = factories.make_interface(
            name="SMS PW",
            settings={
                "service": "smsapi_pl",
                "auth_mode": "password",
                "username": "u",
                "country_code": "+49",
                "max_chars": 1000,
            },
            secrets={"password": "Sichtbar-Nur-Kurz-7"},
        )
        Chain.get_or_create().admins_may_view_passwords = True
        db.session.commit()
        interface_id = interface.id
    user = login_as("admin")
    page.clock.install()
    page.goto(f"/interfaces/{interface_id}")
    page.click("#reveal-eye-password")
    expect(page.locator("#reveal-dialog")).to_be_visible()
    page.fill("#reveal-password", "wrong-password")
    page.click("#reveal-submit")
    expect(page.locator("#reveal-error")).to_contain_text("Das Passwort ist falsch")
    page.fill("#reveal-password", user.password)
    page.click("#reveal-submit")
    revealed = page.locator("#revealed-value")
    expect(revealed).to_have_text("Sichtbar-Nur-Kurz-7")
    expect(page.locator("#reveal-dialog")).to_have_count(0)
    page.clock.run_for(31_000)
    expect(revealed).to_have_count(0)
    assert "Sichtbar-Nur-Kurz-7" not in page.content()
    history = page.evaluate("() => JSON.stringify(localStorage)")
    assert "Sichtbar-Nur-Kurz-7" not in history


def test_protect_in_place_updates_detail_and_list_row(page: Page, live_app, login_as):
    """Protecting from the detail under the list swaps the detail in place, shows the message and
    the list's row gets its lock through `interface-saved`, without a page load."""
    _make_interfaces(live_app)
    login_as("admin")
    page.goto("/interfaces/")
    page.evaluate("window.__sameDocument = true")
    page.locator("#interface-rows a", has_text="SMS Zentrale").click()
    expect(page.locator("#protect")).to_be_visible()
    page.click("#protect")
    expect(page.locator("#unprotect")).to_be_visible()
    expect(page.locator("#flash")).to_contain_text("SMS Zentrale ist jetzt geschützt")
    row = page.locator("#interface-rows tr", has_text="SMS Zentrale")
    expect(row.locator('[aria-label="Geschützt"]')).to_have_count(1)
    assert page.evaluate("window.__sameDocument") is True  # no full page load
    page.click("#unprotect")
    expect(page.locator("#protect")).to_be_visible()
    expect(row.locator('[aria-label="Geschützt"]')).to_have_count(0)
