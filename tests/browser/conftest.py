"""Browser fixtures: a live portal server in a thread, Debian's Chromium, a fresh page per test."""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from tests import factories
from tests.conftest import _clear, make_config

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
# Headless in a container: no sandbox, no GPU, and nothing that phones home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 10_000
PASSWORD = "correct-horse-1"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker (`-m browser` runs only these, `-m "not browser"` skips them)."""
    config.addinivalue_line("markers", "browser: drives a real browser against a live server")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test in this folder `browser`, whoever wrote it."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents and item.get_closest_marker("browser") is None:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Keep each phase's report on the test so `page` can save a screenshot of a failure."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def live_app(migrated) -> Flask:
    """The app the live server runs, on this worker's migrated test database."""
    return create_app(make_config(migrated))


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    """Serve the app on a free port in a daemon thread for the whole session."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    with live_app.app_context():
        db.engine.dispose()


@pytest.fixture
def live_url(live_server: str, live_app: Flask) -> Iterator[str]:
    """The live server's base URL; every table is emptied after the test, as the `app` fixture does."""
    yield live_server
    with live_app.app_context():
        db.session.remove()
        _clear(live_app.config["SQLALCHEMY_DATABASE_URI"])


@dataclass(frozen=True)
class LiveUser:
    """What a browser test needs to know about an account it created."""

    id: int
    username: str
    password: str
    role: str
    display_name: str


@pytest.fixture
def make_live_user(live_app: Flask, live_url: str) -> Callable[..., LiveUser]:
    """Create (and commit) an account the live server can see; `live_url` removes it afterwards."""

    def make(
        role: str = "employee", username: str | None = None, password: str = PASSWORD, **kw
    ) -> LiveUser:
        with live_app.app_context():
            user = factories.make_user(
                role=role, username=username or f"{role}-user", password=password, **kw
            )
            db.session.commit()
            return LiveUser(user.id, user.username, password, user.role, user.display_name)

    return make


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, once per session (Playwright's own browsers are not used)."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: run scripts/test.sh, which installs Debian's chromium.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, live_url: str, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page in a fresh context (no cookies); relative URLs resolve against the live server."""
    context = browser.new_context(base_url=live_url)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        with contextlib.suppress(PlaywrightError):  # a crashed page must not hide the failure
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()


def htmx_settled(page: Page) -> None:
    """Wait until htmx has processed what it just swapped in. Playwright can type into a new
    dialog a few milliseconds after it appears, before htmx has bound its triggers (the input
    event would go unheard); a person cannot."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def submit_login(page: Page, username: str, password: str) -> None:
    """Fill in and send the real log-in form."""
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.locator("#login-form button[type=submit]").click()


@pytest.fixture
def login_as(page: Page, make_live_user: Callable[..., LiveUser]) -> Callable[[str], LiveUser]:
    """Create a user of a role and log in as them through the form on `page`."""

    def login(role: str) -> LiveUser:
        user = make_live_user(role)
        submit_login(page, user.username, user.password)
        expect(page.locator("#logout")).to_be_visible()
        return user

    return login


expect.set_options(timeout=TIMEOUT_MS)
