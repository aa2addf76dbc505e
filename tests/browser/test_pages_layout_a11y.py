"""Every main page of every role on the demo data, in Chromium: no sideways scrolling on a phone
(390×844), no serious or critical axe-core findings, no failed asset request (the favicon), and the
admin's header on one line at 1,400 px (issue 17 items 4, 14 and 15)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import axe_playwright_python
import pytest
import sqlalchemy as sa
from flask import Flask, url_for
from playwright.sync_api import Browser, BrowserContext, Page, expect

from app.blueprints.auth.decorators import PUBLIC, access_of
from app.extensions import db, secret_box
from app.models import Appointment, Branch, Customer, Interface, User, Workstation
from app.services import demo
from tests.browser.conftest import TIMEOUT_MS, htmx_settled, submit_login

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}
DEMO_LOGINS = {
    "admin": ("admin", "Demo-Admin-2026"),
    "employee": ("mitarbeiter", "Demo-Mitarbeiter-2026"),
    "helpdesk": ("helpdesk", "Demo-Helpdesk-2026"),
}
BAD_IMPACTS = ("serious", "critical")
# axe-core as pinned by axe-playwright-python (requirements-dev.txt): a local file, nothing fetched.
AXE_JS = Path(axe_playwright_python.__file__).parent / "axe.min.js"
# Rows of a list come from one template: the first five stand for the other 45 (and keep it quick).
AXE_CONTEXT = {"exclude": [["tbody tr:nth-child(n+6)"]]}


@dataclass
class Findings:
    """What went wrong on which page; collected over the whole walk, asserted at the end."""

    problems: list[str] = field(default_factory=list)

    def add(self, where: str, what: str) -> None:
        self.problems.append(f"{where}: {what}")


def _seed_demo(live_app: Flask) -> dict[str, int]:
    """The demo chain (what a new user walks through), and one id of each thing with a page."""
    with live_app.app_context():
        demo.seed(db.session, secret_box(), live_app.config["BABEL_DEFAULT_TIMEZONE"])
        db.session.commit()

        def first(model, *where) -> int:
            return db.session.scalar(sa.select(model.id).where(*where).order_by(model.id).limit(1))

        return {
            "sms": first(Interface, Interface.type_key == "smsapi"),
            "reminder": first(Interface, Interface.type_key == "appointment_reminder"),
            "customer": first(Customer),
            "appointment": first(Appointment),
            "branch": first(Branch),
            "workstation": first(Workstation),
            "user": first(User, User.username == "mitarbeiter"),
        }


def _pages(live_app: Flask, ids: dict[str, int], role: str) -> list[str]:
    """The main pages (lists, details, forms) the role may open, by their declared access."""
    wanted = [
        ("main.index", {}),
        ("customers.index", {}),
        ("customers.show", {"customer_id": ids["customer"]}),
        ("customers.new", {}),
        ("appointments.index", {}),
        ("appointments.show", {"appointment_id": ids["appointment"]}),
        ("appointments.new", {}),
        ("appointments.types", {}),
        ("appointments.statuses", {}),
        ("sms.new", {}),
        ("interfaces.index", {}),
        ("interfaces.show", {"interface_id": ids["sms"]}),
        ("interfaces.show", {"interface_id": ids["reminder"]}),
        ("interfaces.edit", {"interface_id": ids["sms"]}),
        ("interfaces.edit", {"interface_id": ids["reminder"]}),
        ("interfaces.choose_type", {}),
        ("interfaces.create", {"type_key": "smsapi"}),
        ("interfaces.history", {"interface_id": ids["sms"]}),
        ("interfaces.deleted", {}),
        ("branches.index", {}),
        ("branches.edit", {"branch_id": ids["branch"]}),
        ("workstations.index", {}),
        ("workstations.settings", {"workstation_id": ids["workstation"]}),
        ("users.index", {}),
        ("users.edit", {"user_id": ids["user"]}),
        ("chain.edit", {}),
        ("outbox.index", {}),
        ("audit.index", {}),
    ]
    with live_app.test_request_context():
        return [
            url_for(endpoint, **args)
            for endpoint, args in wanted
            if (access := access_of(endpoint)) is not None and (access is PUBLIC or role in access)
        ]


def _overflow(page: Page) -> int:
    """How many pixels the page scrolls sideways (0 when it fits the viewport)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def _context(browser: Browser, live_url: str, viewport: dict) -> BrowserContext:
    """A fresh browser context whose pages all carry axe-core (added before any page script)."""
    context = browser.new_context(base_url=live_url, viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(path=str(AXE_JS))
    return context


def _axe_problems(page: Page) -> list[str]:
    """Serious and critical axe-core violations: rule, impact and the first offending element."""
    results = page.evaluate(
        "(context) => axe.run(context, {resultTypes: ['violations']})", AXE_CONTEXT
    )
    return [
        f"{v['id']} ({v['impact']}, {len(v['nodes'])}×, e.g. {v['nodes'][0]['target']})"
        for v in results["violations"]
        if v["impact"] in BAD_IMPACTS
    ]


def _check_page(page: Page, path: str, where: str, findings: Findings, failed: list[str]) -> None:
    failed.clear()
    response = page.goto(path)
    if response is None or response.status >= 400:
        findings.add(where, f"answered {response.status if response else 'nothing'}")
        return
    htmx_settled(page)
    if (px := _overflow(page)) > 0:
        findings.add(where, f"scrolls {px} px sideways")
    for problem in _axe_problems(page):
        findings.add(where, f"axe: {problem}")
    for request in failed:
        findings.add(where, f"request failed: {request}")


def _walk(
    browser: Browser,
    live_url: str,
    live_app: Flask,
    ids: dict[str, int],
    role: str,
    language: str,
    findings: Findings,
    only: tuple[str, ...] | None = None,
) -> None:
    context = _context(browser, live_url, PHONE)
    page = context.new_page()
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    try:
        _check_page(page, "/login", f"anonymous {language} /login", findings, failed)
        submit_login(page, *DEMO_LOGINS[role])
        expect(page.locator("#logout")).to_be_visible()
        if language == "en":
            page.locator("#lang-switch").click()
            expect(page.locator("html")).to_have_attribute("lang", "en")
        for path in _pages(live_app, ids, role):
            if only is not None and not path.endswith(only):
                continue
            _check_page(page, path, f"{role} {language} {path}", findings, failed)
    finally:
        context.close()


@pytest.mark.parametrize(
    "role, language", [("admin", "de"), ("employee", "de"), ("helpdesk", "de"), ("admin", "en")]
)
def test_every_main_page_fits_a_phone_and_passes_axe(
    browser: Browser, live_url, live_app, role, language
):
    ids = _seed_demo(live_app)
    findings = Findings()
    # English labels are longer in places: the lists and detail pages once more, as the admin.
    only = (
        None
        if language == "de"
        else (
            "/",
            f"/customers/{ids['customer']}",
            f"/interfaces/{ids['sms']}",
            f"/interfaces/{ids['reminder']}",
            f"/appointments/{ids['appointment']}",
        )
    )
    _walk(browser, live_url, live_app, ids, role, language, findings, only=only)
    assert not findings.problems, "\n".join(findings.problems)


def test_dialogs_fit_a_phone(browser: Browser, live_url, live_app):
    ids = _seed_demo(live_app)
    context = _context(browser, live_url, PHONE)
    page = context.new_page()
    try:
        submit_login(page, *DEMO_LOGINS["admin"])
        page.goto(f"/interfaces/{ids['sms']}")
        for opener, dialog in (
            ("#open-test-sms", "#test-sms-dialog"),
            ("#delete-interface", "#dialog dialog"),
        ):
            page.click(opener)
            expect(page.locator(dialog)).to_be_visible()
            htmx_settled(page)
            box = page.locator(f"{dialog} article").bounding_box()
            assert (
                box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
            ), box
            assert _overflow(page) == 0
            assert _axe_problems(page) == []
            page.keyboard.press("Escape")
            expect(page.locator(dialog)).to_have_count(0)
    finally:
        context.close()


@pytest.mark.parametrize("language", ["de", "en"])
def test_admin_header_stays_on_one_line_at_1400px(
    browser: Browser, live_url, live_app, make_live_user, language
):
    user = make_live_user("admin", full_name="Anna Administratorin")
    context = _context(browser, live_url, DESKTOP)
    page = context.new_page()
    try:
        submit_login(page, user.username, user.password)
        expect(page.locator("#logout")).to_be_visible()
        if language == "en":
            page.locator("#lang-switch").click()
            expect(page.locator("html")).to_have_attribute("lang", "en")
        page.wait_for_load_state("load")  # the stylesheets are in
        page.evaluate("() => document.fonts.ready.then(() => true)")
        items = [
            page.locator(".topbar .brand"),
            page.locator("#main-nav a").first,
            page.locator("#main-nav > li").last,
            page.locator("#lang-switch"),
            page.locator("#current-user"),
            page.locator("#logout"),
        ]
        middles = [box["y"] + box["height"] / 2 for box in (item.bounding_box() for item in items)]
        assert max(middles) - min(middles) < 12, middles  # one row: all centred on the same line
        assert _overflow(page) == 0
    finally:
        context.close()
