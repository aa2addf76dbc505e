"""The foundation in a real browser: log-in per role, navigation, language switch, log-out, assets."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask_babel import force_locale
from playwright.sync_api import Page, Request, Response, expect

from app.blueprints.auth.decorators import PUBLIC, access_of
from app.template_helpers import NAVIGATION

pytestmark = pytest.mark.browser

ROLES = ("admin", "employee", "helpdesk")


def nav_entries(app: Flask, role: str, locale: str = "de") -> list[tuple[str, str]]:
    """(endpoint, label) of the menu entries a role may open, from the routes' declared access."""
    with app.test_request_context(), force_locale(locale):
        entries = []
        for endpoint, label, _menu in NAVIGATION:
            access = access_of(endpoint)
            if access is PUBLIC or (access is not None and role in access):
                entries.append((endpoint, str(label)))
        return entries


def shown_nav(page: Page) -> list[tuple[str, str]]:
    """(endpoint, label) of the menu entries the page shows, in order."""
    links = page.locator("#main-nav a[data-nav]")
    # text_content: the set-up entries sit in a closed "Verwaltung" menu until it is opened.
    return [(link.get_attribute("data-nav"), link.text_content().strip()) for link in links.all()]


def test_expected_navigation_follows_the_access_rules(live_app):
    # A guard for the derivation used below: it must neither drop everything nor show everyone all.
    for role in ROLES:
        assert ("main.index", "Übersicht") in nav_entries(live_app, role)
    admin = [endpoint for endpoint, _ in nav_entries(live_app, "admin")]
    assert {"users.index", "chain.edit", "branches.index", "workstations.index"} <= set(admin)
    assert "users.index" not in [endpoint for endpoint, _ in nav_entries(live_app, "employee")]
    assert "users.index" not in [endpoint for endpoint, _ in nav_entries(live_app, "helpdesk")]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_logs_in_and_sees_its_navigation(page, live_app, live_url, login_as, role):
    user = login_as(role)
    expect(page).to_have_url(f"{live_url}/")
    expect(page.locator("#current-user")).to_contain_text(user.display_name)
    assert shown_nav(page) == nav_entries(live_app, role)
    # The overview is marked as the current page.
    expect(page.locator('#main-nav a[data-nav="main.index"]')).to_have_attribute(
        "aria-current", "page"
    )
    if role == "admin":  # the chain's set-up is one menu: opened, its entries can be followed
        users = page.locator('#main-nav a[data-nav="users.index"]')
        expect(users).to_be_hidden()
        page.locator("#setup-menu summary").click()
        users.click()
        expect(page).to_have_url(f"{live_url}/users/")
        expect(page.locator("#setup-menu summary")).to_have_attribute("aria-current", "true")


def test_language_switch_shows_english(page, live_app, live_url, login_as):
    user = login_as("admin")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("#lang-switch")).to_have_text("English")
    expect(page.locator("h1")).to_have_text(f"Willkommen, {user.display_name}")

    page.locator("#lang-switch").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#lang-switch")).to_have_text("Deutsch")
    expect(page).to_have_url(f"{live_url}/")
    # Whatever the English catalogue says (the German text while it lacks an entry).
    assert shown_nav(page) == nav_entries(live_app, "admin", locale="en")
    with live_app.test_request_context(), force_locale("en"):
        from flask_babel import gettext

        heading = gettext("Willkommen, %(name)s", name=user.display_name)
        english = gettext("Übersicht") != "Übersicht"
    expect(page.locator("h1")).to_have_text(heading)
    if english:
        expect(page.locator('#main-nav a[data-nav="main.index"]')).to_have_text("Overview")
        expect(page.locator("h1")).not_to_contain_text("Willkommen")

    # The choice sticks to the account: a new page still shows English.
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_wrong_password_shows_error_and_stays_on_login(page, live_url, make_live_user):
    user = make_live_user("employee")
    page.goto("/login")
    page.fill("#username", user.username)
    page.fill("#password", "not-the-password")
    page.locator("#login-form button[type=submit]").click()

    expect(page.locator(".form-errors")).to_have_text("Benutzername oder Passwort ist falsch.")
    expect(page).to_have_url(f"{live_url}/login")
    expect(page.locator("#logout")).to_have_count(0)
    expect(page.locator("#main-nav a")).to_have_count(0)


def test_logout(page, live_url, login_as):
    login_as("helpdesk")
    page.locator("#logout").click()

    expect(page).to_have_url(f"{live_url}/login")
    expect(page.locator(".flash")).to_have_text("Sie wurden abgemeldet.")
    expect(page.locator("#logout")).to_have_count(0)
    # The session is gone: the overview sends us back to the log-in.
    page.goto("/")
    expect(page.locator("#login-form")).to_be_visible()
    assert urlsplit(page.url).path == "/login"
    assert parse_qs(urlsplit(page.url).query) == {"next": ["/"]}


def test_assets_load_from_the_portal_only(page, live_url, login_as):
    requests: list[str] = []
    statuses: dict[str, int] = {}

    def on_request(req: Request) -> None:
        requests.append(req.url)

    def on_response(resp: Response) -> None:
        statuses[resp.url] = resp.status

    page.on("request", on_request)
    page.on("response", on_response)
    login_as("admin")
    page.goto("/")
    page.wait_for_load_state("load")

    # htmx ran (it is loaded with `defer`) and the style sheets applied.
    page.wait_for_function("() => window.htmx !== undefined")
    for asset in (
        "/static/vendor/htmx.min.js",
        "/static/js/app.js",
        "/static/vendor/pico.min.css",
        "/static/css/app.css",
    ):
        assert any(
            url.split("?")[0] == live_url + asset and status in (200, 304)
            for url, status in statuses.items()
        ), asset
    assert page.evaluate("() => document.styleSheets.length") >= 2

    # No CDN, no fonts, nothing but the portal itself (data: URIs are not requests).
    external = [
        url
        for url in requests
        if not url.startswith(live_url + "/") and not url.startswith("data:")
    ]
    assert external == []
    assert requests, "no requests were recorded"
