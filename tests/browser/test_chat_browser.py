"""SiNNO-Chat in a real browser: a customer writes in the simulator, the worker syncs, the employee
sees the badge without reloading, opens the thread (read at the service), replies (the simulator
receives it) and the notification is gone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db, secret_box
from app.services.worker import Worker
from tests.browser.conftest import htmx_settled
from tests.chat_helpers import ChatWorld

pytestmark = pytest.mark.browser


def _worker_pass(live_app) -> None:
    with live_app.app_context():
        Worker(
            db.session, secret_box(), "Europe/Berlin", timeouts=(2.0, 2.0), chat_sync_seconds=0
        ).run_once()
        db.session.remove()


def test_customer_writes_employee_reads_and_replies(page: Page, live_app, login_as, sinno_sim):
    with live_app.app_context():
        world = ChatWorld(sinno_sim)
        _customer, sid = world.customer()
        db.session.remove()
    login_as("employee")
    expect(page.locator("#chat-nav")).to_be_visible()
    expect(page.locator("#chat-badge")).to_have_count(0)

    world.writes(sid, "Sind meine Hörgeräte schon fertig?")
    _worker_pass(live_app)
    # The badge refreshes itself (polling; here the event it also listens to), no page reload.
    page.evaluate(
        "() => { window.__same_page = true; htmx.trigger(document.body, 'chat-changed') }"
    )
    expect(page.locator("#chat-badge")).to_have_text("1")
    page.evaluate("() => htmx.trigger(document.body, 'notifications-changed')")
    expect(page.locator("#bell-count")).to_have_text("1")
    assert page.evaluate("() => window.__same_page") is True

    page.click("#chat-nav-link")
    expect(page.locator("table.chat-threads")).to_contain_text("Erika Mustermann")
    page.locator("table.chat-threads a", has_text="Erika Mustermann").click()
    expect(page.locator("#chat-messages")).to_contain_text("Sind meine Hörgeräte schon fertig?")
    # Opening the thread read it: here and at the service; badge and bell are empty again.
    expect(page.locator("#chat-badge")).to_have_count(0)
    expect(page.locator("#bell-count")).to_have_count(0)
    # ... and its actions are those of a read thread.
    expect(page.locator("#mark-read")).to_have_count(0)
    expect(page.locator("#mark-unread")).to_be_visible()
    assert [m["read_at"] is not None for m in sinno_sim.state.public_messages()] == [True]

    htmx_settled(page)
    page.fill("#reply-text", "Ja, Sie können sie morgen ab 10 Uhr abholen.")
    page.click("#reply-send")
    expect(page.locator("#chat-messages")).to_contain_text(
        "Ja, Sie können sie morgen ab 10 Uhr abholen."
    )
    expect(page.locator(".reply-state").last).to_have_text("gesendet")
    outs = [m for m in sinno_sim.state.public_messages() if m["direction"] == "out"]
    assert [m["text"] for m in outs] == ["Ja, Sie können sie morgen ab 10 Uhr abholen."]

    # The notification centre has nothing unread.
    page.goto("/notifications/")
    expect(page.locator("#read-all")).to_have_count(0)


def test_no_page_with_customer_data_is_kept_in_the_browser_s_storage(
    page: Page, live_app, login_as, sinno_sim
):
    """htmx keeps no page snapshots in the tab's sessionStorage (historyCacheSize 0): on a
    shared branch PC a chat list it pushed into the history would otherwise stay readable
    there after Abmelden; Back asks the server again (which answers no-store)."""
    with live_app.app_context():
        world = ChatWorld(sinno_sim)
        _customer, sid = world.customer()
        world.writes(sid, "Meine Adresse hat sich geändert")
        db.session.remove()
    _worker_pass(live_app)
    login_as("employee")
    page.goto("/chat/")
    expect(page.locator("table.chat-threads")).to_contain_text("Erika Mustermann")
    htmx_settled(page)
    page.fill("#chat-search", "Erika")
    expect(page).to_have_url(re.compile(r"/chat/\?q=Erika$"))
    htmx_settled(page)
    page.goto("/me/")  # leaving the page is when htmx would store its snapshot
    page.go_back()
    expect(page.locator("table.chat-threads")).to_contain_text("Erika Mustermann")
    stored = page.evaluate(
        "() => JSON.stringify([Object.assign({}, sessionStorage), Object.assign({}, localStorage)])"
    )
    # (The pushed URL itself, with the search term, is in the browser's history anyway.)
    assert "Mustermann" not in stored and "Adresse" not in stored, stored
