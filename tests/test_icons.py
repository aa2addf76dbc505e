"""Icons are inline SVG with accessible labels, never emoji that need an emoji font (issue 17 item 9)."""

from __future__ import annotations

import re

from app.extensions import db
from app.models import Chain, Customer
from tests.factories import make_branch, make_interface

# Pictographs and dingbats: rendered as empty boxes where no emoji font is installed.
EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")


def _svg_labels(html: str) -> list[str]:
    return re.findall(r'<svg class="icon[^"]*" role="img" aria-label="([^"]+)"', html)


def test_protected_mark_and_ticks_are_labelled_svg(app, portal):
    interface = make_interface(
        name="SMS Geschützt", protected=True, server_side=True, client_side=True
    )
    db.session.commit()
    portal.login("admin")
    listing = portal.get("/interfaces/").get_data(as_text=True)
    assert not EMOJI.search(listing)
    assert _svg_labels(listing).count("Geschützt") == 1 and _svg_labels(listing).count("ja") == 2
    detail = portal.get(f"/interfaces/{interface.id}").get_data(as_text=True)
    assert not EMOJI.search(detail) and "Geschützt" in _svg_labels(detail)


def test_reveal_eye_is_a_labelled_svg(app, portal):
    interface = make_interface(
        settings={
            "service": "smsapi_pl",
            "auth_mode": "password",
            "username": "u",
            "country_code": "+49",
            "max_chars": 1000,
        },
        secrets={"password": "geheim-123"},
    )
    Chain.get_or_create().admins_may_view_passwords = True
    db.session.commit()
    portal.login("admin")
    html = portal.get(f"/interfaces/{interface.id}").get_data(as_text=True)
    eye = html.split('id="reveal-eye-password"', 1)[1].split("</a>", 1)[0]
    assert not EMOJI.search(html) and 'aria-label="Passwort anzeigen"' in eye and "<svg" in eye


def test_customer_match_tick_is_svg(app, portal):
    db.session.add(
        Customer(
            first_name="Erika",
            last_name="Mustermann",
            number="K-1",
            branch_id=make_branch().id,
            search_text="erika mustermann k-1",
        )
    )
    db.session.commit()
    portal.login("employee")
    html = portal.get("/appointments/customer-lookup?customer_ref=k-1", htmx=True).get_data(
        as_text=True
    )
    assert not EMOJI.search(html) and "<svg" in html.split('id="customer-match"', 1)[1]


def test_every_page_links_a_favicon_that_exists(app, portal):
    for path in ("/login", "/"):
        html = portal.get(path).get_data(as_text=True)
        href = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html).group(1)
        icon = portal.get(href)
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
        assert b"<svg" in icon.get_data()
        if path == "/login":
            portal.login("employee")
