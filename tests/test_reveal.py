"""Password reveal after re-authentication: option, roles, CSRF, lock-out, audit, no leaks."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEntry, Chain, LimiterHit
from tests.factories import make_interface

SECRET = "Gateway-Passw0rt-XYZ"


@pytest.fixture
def setup(app):
    interface = make_interface(
        name="SMS Reveal",
        settings={
            "auth_mode": "password",
            "username": "u",
            "service": "smsapi_pl",
            "country_code": "+49",
            "max_chars": 1000,
        },
        secrets={"password": SECRET},
    )
    Chain.get_or_create().admins_may_view_passwords = True
    db.session.commit()
    return interface


def _url(interface, field="password"):
    return f"/interfaces/{interface.id}/secrets/{field}/reveal"


def _audit(action=None):
    stmt = sa.select(AuditEntry).order_by(AuditEntry.id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return db.session.scalars(stmt).all()


def test_eye_only_for_admins_with_the_option(app, portal, setup):
    portal.login("admin")
    for url in (f"/interfaces/{setup.id}", f"/interfaces/{setup.id}/edit"):
        assert 'id="reveal-eye-password"' in portal.get(url).get_data(as_text=True)
    Chain.get_or_create().admins_may_view_passwords = False
    db.session.commit()
    for url in (f"/interfaces/{setup.id}", f"/interfaces/{setup.id}/edit"):
        html = portal.get(url).get_data(as_text=True)
        assert "reveal-eye" not in html and "/reveal" not in html


def test_helpdesk_sees_no_eye(app, portal, setup):
    portal.login("helpdesk")
    html = portal.get(f"/interfaces/{setup.id}").get_data(as_text=True)
    assert "reveal" not in html


def test_correct_password_reveals_in_place_without_caching(app, portal, setup, caplog):
    caplog.set_level(logging.DEBUG)
    admin = portal.login("admin")
    dialog = portal.get(_url(setup), htmx=True)
    assert dialog.status_code == 200 and dialog.headers["Cache-Control"] == "no-store"
    body = dialog.get_data(as_text=True)
    assert 'hx-history="false"' in body and 'name="password"' in body and SECRET not in body
    resp = portal.post(_url(setup), {"password": "correct-horse-1"}, htmx=True)
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    html = resp.get_data(as_text=True)
    assert SECRET in html and 'hx-history="false"' in html and 'data-hide-after="30"' in html
    assert "dialog-close" in resp.headers["HX-Trigger"]
    entry = _audit("reveal")[0]
    assert (entry.actor_id, entry.interface_id, entry.field, entry.ok) == (
        admin.id,
        setup.id,
        "password",
        True,
    )
    assert entry.remote_addr == "127.0.0.1" and entry.at is not None
    assert SECRET not in caplog.text
    # the secret appears in no other response
    for url in (
        "/",
        "/interfaces/",
        f"/interfaces/{setup.id}",
        f"/interfaces/{setup.id}/edit",
        "/audit/",
        _url(setup),
    ):
        assert SECRET not in portal.get(url).get_data(as_text=True)
        assert SECRET not in portal.get(url, htmx=True).get_data(as_text=True)


def test_plain_form_without_javascript(app, portal, setup):
    portal.login("admin")
    page = portal.get(_url(setup))
    assert "<html" in page.get_data(as_text=True) and page.headers["Cache-Control"] == "no-store"
    resp = portal.post(_url(setup), {"password": "correct-horse-1"})
    html = resp.get_data(as_text=True)
    assert (
        resp.status_code == 200 and SECRET in html and 'http-equiv="refresh" content="30;' in html
    )


def test_wrong_password_is_refused_and_audited(app, portal, setup):
    portal.login("admin")
    resp = portal.post(_url(setup), {"password": "wrong"}, htmx=True)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and SECRET not in body
    assert "Das Passwort ist falsch. Noch 4 Versuche," in body
    assert resp.headers["HX-Retarget"] == "#dialog" and resp.headers["Cache-Control"] == "no-store"
    assert [(e.action, e.ok, e.field) for e in _audit()] == [("reveal_failed", False, "password")]


def test_five_failures_lock_for_15_minutes_then_unlock(app, portal, setup):
    portal.login("admin")
    for _ in range(4):
        assert portal.post(_url(setup), {"password": "wrong"}, htmx=True).status_code == 422
    fifth = portal.post(_url(setup), {"password": "wrong"}, htmx=True)
    assert fifth.status_code == 429 and "gesperrt bis" in fifth.get_data(as_text=True)
    locked = portal.post(_url(setup), {"password": "correct-horse-1"}, htmx=True)
    assert locked.status_code == 429 and SECRET not in locked.get_data(as_text=True)
    assert "gesperrt bis" in portal.get(_url(setup), htmx=True).get_data(as_text=True)
    assert len(_audit("reveal_locked")) == 1
    for hit in db.session.scalars(sa.select(LimiterHit)):
        hit.at -= timedelta(minutes=16)
    db.session.commit()
    resp = portal.post(_url(setup), {"password": "correct-horse-1"}, htmx=True)
    assert resp.status_code == 200 and SECRET in resp.get_data(as_text=True)


def test_reauthentication_is_remembered_for_five_minutes(app, portal, setup):
    portal.login("admin")
    portal.post(_url(setup), {"password": "correct-horse-1"}, htmx=True)
    again = portal.post(_url(setup), {}, htmx=True)
    assert again.status_code == 200 and SECRET in again.get_data(as_text=True)
    with portal.client.session_transaction() as sess:
        sess["reauth_at"] -= 301
    expired = portal.post(_url(setup), {}, htmx=True)
    assert expired.status_code == 422 and SECRET not in expired.get_data(as_text=True)


def test_option_off_is_403_even_when_called_directly(app, portal, setup):
    Chain.get_or_create().admins_may_view_passwords = False
    db.session.commit()
    portal.login("admin")
    assert portal.get(_url(setup)).status_code == 403
    resp = portal.post(_url(setup), {"password": "correct-horse-1"})
    assert resp.status_code == 403 and SECRET not in resp.get_data(as_text=True)


@pytest.mark.parametrize("role", ["helpdesk", "employee"])
def test_other_roles_get_403(app, portal, setup, role):
    portal.login(role)
    assert portal.get(_url(setup)).status_code == 403
    resp = portal.post(_url(setup), {"password": "correct-horse-1"})
    assert resp.status_code == 403 and SECRET not in resp.get_data(as_text=True)


def test_without_csrf_token_refused(app, portal, setup):
    portal.login("admin")
    resp = portal.post(_url(setup), {"password": "correct-horse-1"}, csrf=False)
    assert resp.status_code == 400 and SECRET not in resp.get_data(as_text=True)
    assert _audit("reveal") == []


def test_unknown_or_unset_field_is_404(app, portal, setup):
    portal.login("admin")
    assert portal.get(_url(setup, "token")).status_code == 404
    assert portal.get(_url(setup, "username")).status_code == 404


def test_rate_limit_per_client_address(app, portal, setup):
    from app.services import reveal

    portal.login("admin")
    for _ in range(reveal.ADDRESS_LIMIT):
        db.session.add(LimiterHit(key="reveal:addr:127.0.0.1"))
    db.session.commit()
    resp = portal.post(_url(setup), {"password": "correct-horse-1"}, htmx=True)
    assert resp.status_code == 429 and "von dieser Adresse" in resp.get_data(as_text=True)


def test_option_change_needs_password_and_is_audited(app, portal, setup):
    portal.login("admin")
    portal.post("/chain/security", {"current_password": "nope"})
    portal.post("/chain/security", {"current_password": "correct-horse-1"})  # turns it off
    portal.post(
        "/chain/security", {"admins_may_view_passwords": "y", "current_password": "correct-horse-1"}
    )
    assert [(e.action, e.ok) for e in _audit()] == [
        ("option_denied", False),
        ("option_off", True),
        ("option_on", True),
    ]
    page = portal.get("/audit/").get_data(as_text=True)
    assert "Passwortanzeige eingeschaltet" in page and "Passwortanzeige ausgeschaltet" in page


def test_audit_page_lists_reveals(app, portal, setup):
    portal.login("admin")
    portal.post(_url(setup), {"password": "wrong"}, htmx=True)
    portal.post(_url(setup), {"password": "correct-horse-1"}, htmx=True)
    html = portal.get("/audit/").get_data(as_text=True)
    assert "Passwort angezeigt" in html and "Falsches Passwort bei Anzeige" in html
    assert "SMS Reveal" in html and "127.0.0.1" in html and SECRET not in html
    filtered = portal.get("/audit/?action=reveal", htmx=True).get_data(as_text=True)
    assert "Passwort angezeigt" in filtered and "Falsches Passwort bei Anzeige" not in filtered
