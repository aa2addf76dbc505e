"""The shared CRUD view in a real browser: bad input answered in place, a save, the delete dialog."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from tests import factories
from tests.browser.conftest import htmx_settled

pytestmark = pytest.mark.browser


def test_branch_create_fix_and_delete_through_htmx(page: Page, live_app, login_as):
    login_as("admin")
    page.goto("/branches/")
    page.click("#branch-new")
    expect(page).to_have_url(re.compile(r"/branches/new$"))
    # The click returns once the new page's URL is committed; htmx binds the form only on
    # load, and a submit before that would be the browser's own (a full page at /branches/).
    page.wait_for_load_state("load")
    page.fill("#number", "x7")
    page.locator("#branch-form button[type=submit]").click()
    # 422 with the form swapped in place: messages at the fields, what was typed kept, no page change
    expect(page.locator("#number-error")).to_contain_text("Ziffern")
    expect(page.locator("#number")).to_have_value("x7")
    expect(page).to_have_url(re.compile(r"/branches/new$"))
    htmx_settled(page)
    page.fill("#number", "77")
    page.fill("#code", "lud")
    page.fill("#name", "Ludwigsburg")
    page.fill("#street", "Marktplatz 1")
    page.fill("#postcode", "71634")
    page.fill("#city", "Ludwigsburg")
    page.locator("#branch-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/branches/$"))
    expect(page.locator("#flash")).to_contain_text("Filiale 77 Ludwigsburg wurde angelegt.")
    row = page.locator("#branch-table tr", has_text="Ludwigsburg")
    expect(row).to_contain_text("LUD")
    row.get_by_text("Löschen").click()
    expect(page.locator("#confirm-dialog")).to_contain_text(
        "Soll die Filiale 77 Ludwigsburg gelöscht werden?"
    )
    page.click("#confirm-delete")
    expect(page.locator("#flash")).to_contain_text("Filiale 77 Ludwigsburg wurde gelöscht.")
    expect(page.locator("#branch-table")).not_to_contain_text("Ludwigsburg")


def test_delete_dialog_says_what_blocks_it(page: Page, live_app, login_as):
    with live_app.app_context():
        branch = factories.make_branch(number="5", name="Ulm")
        factories.make_workstation(branch, name="ULM-KASSE")
        db.session.commit()
    login_as("admin")
    page.goto("/workstations/")
    expect(page.locator("#workstation-table")).to_contain_text("ULM-KASSE")
    page.goto("/branches/")
    page.locator("#branch-table tr", has_text="Ulm").get_by_text("Löschen").click()
    expect(page.locator("#delete-blocked")).to_contain_text("1 Arbeitsplatz (ULM-KASSE)")
    expect(page.locator("#confirm-delete")).to_have_count(0)


def test_deactivating_an_account_asks_first(page: Page, login_as, make_live_user):
    login_as("admin")
    anna = make_live_user("employee", username="anna")
    page.goto("/users/")
    page.click(f"#user-deactivate-{anna.id}")
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_contain_text("Soll das Konto anna deaktiviert werden?")
    page.click("#confirm-dialog [data-close-dialog]")  # changed her mind
    expect(dialog).to_have_count(0)
    expect(page.locator(f"#user-{anna.id} .badge")).to_have_text("aktiv")
    page.click(f"#user-deactivate-{anna.id}")
    page.click("#confirm-delete")
    expect(page.locator("#flash")).to_contain_text("Benutzer anna wurde deaktiviert.")
    expect(page.locator(f"#user-{anna.id} .badge")).to_have_text("deaktiviert")
    expect(page.locator(f"#user-deactivate-{anna.id}")).to_have_count(0)


def test_a_list_reads_as_blocks_on_a_phone_with_its_actions_in_reach(
    page: Page, login_as, make_live_user
):
    login_as("admin")
    anna = make_live_user("employee", username="anna")
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/users/")
    link = page.locator(f"#user-deactivate-{anna.id}")
    box = link.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390, box  # no sideways scrolling
    # Each cell names its column (the headings are hidden on a phone).
    role = page.locator(f"#user-{anna.id} td").nth(2)
    label = role.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert label == '"Rolle: "', label
    head = page.locator("table.stack thead").bounding_box()
    assert head is not None and head["height"] <= 1, head  # read by screen readers only


def test_a_dialog_takes_the_keyboard_and_gives_it_back(page: Page, login_as, make_live_user):
    """Opened with Enter, the dialog has the focus and keeps Tab inside (the page behind is
    inert); Escape closes it and the focus is back on the link that opened it."""
    login_as("admin")
    anna = make_live_user("employee", username="anna")
    page.goto("/users/")
    htmx_settled(page)
    opener = page.locator(f"#user-deactivate-{anna.id}")
    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_contain_text("Soll das Konto anna deaktiviert werden?")
    inside = "() => !!document.activeElement.closest('#confirm-dialog')"
    page.wait_for_function(inside)
    # it starts on "Abbrechen": Enter at once must not deactivate
    assert page.evaluate("document.activeElement.hasAttribute('data-close-dialog')")
    for _ in range(6):
        page.keyboard.press("Tab")
        assert page.evaluate(inside), page.evaluate("document.activeElement.outerHTML")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()
