"""Mein Bereich: own profile, own password, own notification preferences, and nobody else's."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import NotificationPreference, User
from tests.factories import make_interface, make_user


def test_every_role_sees_its_own_profile(app, portal):
    for role in ("admin", "employee", "helpdesk"):
        user = portal.login(role)
        page = portal.get("/me/").get_data(as_text=True)
        assert (
            user.username in page
            and 'id="profile-form"' in page
            and 'id="own-password-form"' in page
        )
        assert 'href="/me/"' in portal.get("/").get_data(as_text=True)  # the header links to it
        portal.logout()


def test_profile_saves_name_email_mobile_language(app, portal):
    user = portal.login("employee")
    resp = portal.post(
        "/me/",
        {
            "full_name": "Kim Berger",
            "email": "kim@example.org",
            "mobile": "0171 2345678",
            "locale": "en",
        },
    )
    assert resp.status_code == 302
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert (stored.full_name, stored.email, stored.mobile, stored.locale) == (
        "Kim Berger",
        "kim@example.org",
        "491712345678",
        "en",
    )
    page = portal.get("/me/").get_data(as_text=True)
    assert "My area" in page and "Kim Berger" in page


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("email", "kein-at", "gültige E-Mail-Adresse"),
        ("mobile", "0711 123456", "Mobil"),
        ("locale", "fr", "Keine gültige Auswahl"),
    ],
)
def test_bad_profile_input_is_422_and_nothing_saved(app, portal, field, value, message):
    user = portal.login("employee")
    data = {"full_name": "Neu", "email": "", "mobile": "", "locale": "de", field: value}
    resp = portal.post("/me/", data, htmx=True)
    assert resp.status_code == 422 and "<html" not in resp.get_data(as_text=True)
    assert message.lower() in resp.get_data(as_text=True).lower()
    db.session.expire_all()
    assert db.session.get(User, user.id).full_name == ""


def test_password_change_needs_the_current_password(app, portal, client):
    user = portal.login("employee")
    wrong = portal.post(
        "/me/password",
        {
            "current": "falsch-falsch",
            "password": "ein-neues-Passwort-1",
            "confirm": "ein-neues-Passwort-1",
        },
        htmx=True,
    )
    assert wrong.status_code == 422 and "Das aktuelle Passwort ist falsch." in wrong.get_data(
        as_text=True
    )
    short = portal.post(
        "/me/password",
        {"current": "correct-horse-1", "password": "kurz", "confirm": "kurz"},
        htmx=True,
    )
    assert short.status_code == 422 and "mindestens 10 Zeichen" in short.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("correct-horse-1")
    ok = portal.post(
        "/me/password",
        {
            "current": "correct-horse-1",
            "password": "ein-neues-Passwort-1",
            "confirm": "ein-neues-Passwort-1",
        },
    )
    assert ok.status_code == 302
    assert portal.get("/me/").status_code == 200  # this session goes on
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("ein-neues-Passwort-1")


# ---- preferences -------------------------------------------------------------------------------


def _prefs(user_id):
    return dict(
        db.session.execute(
            sa.select(NotificationPreference.event, NotificationPreference.channel).where(
                NotificationPreference.user_id == user_id
            )
        ).all()
    )


def test_defaults_per_role(app, portal):
    portal.login("employee")
    page = portal.get("/me/notifications").get_data(as_text=True)
    assert "Ungelesene SiNNO-Chat-Nachrichten" in page and "SMS-Versand fehlgeschlagen" not in page
    assert 'name="event_chat_unread" value="message" id="event_chat_unread-message" ' in page
    assert (
        'value="message" id="event_chat_unread-message" aria-label="Ungelesene SiNNO-Chat-Nachrichten: Nachricht" checked'
        in page
    )
    portal.logout()
    portal.login("admin")
    page = portal.get("/me/notifications").get_data(as_text=True)
    for label in (
        "Ungelesene SiNNO-Chat-Nachrichten",
        "SMS-Versand fehlgeschlagen",
        "SMS-Guthaben niedrig",
    ):
        assert label in page


def test_email_and_sms_only_with_interface_and_address(app, portal):
    user = portal.login("employee")
    page = portal.get("/me/notifications").get_data(as_text=True)
    assert 'value="email"' not in page and 'value="sms"' not in page
    assert "Es ist keine E-Mail-Schnittstelle eingerichtet." in page
    refused = portal.post("/me/notifications", {"event_chat_unread": "email"}, htmx=True)
    assert refused.status_code == 422 and _prefs(user.id) == {}
    make_interface(
        "email_smtp",
        settings={"host": "127.0.0.1", "port": 25, "security": "none", "sender": "p@example.org"},
    )
    make_interface("smsapi")
    db.session.commit()
    page = portal.get("/me/notifications").get_data(as_text=True)
    assert (
        "Tragen Sie unter Profil Ihre E-Mail-Adresse ein." in page and 'value="email"' not in page
    )
    db.session.get(User, user.id).email = "kim@example.org"
    db.session.get(User, user.id).mobile = "491712345678"
    db.session.commit()
    page = portal.get("/me/notifications").get_data(as_text=True)
    assert 'value="email"' in page and 'value="sms"' in page
    assert portal.post("/me/notifications", {"event_chat_unread": "sms"}).status_code == 302
    assert _prefs(user.id) == {"chat_unread": "sms"}
    assert portal.post("/me/notifications", {"event_chat_unread": "none"}).status_code == 302
    assert _prefs(user.id) == {"chat_unread": "none"}


def test_preferences_are_isolated(app, portal):
    other = make_user("admin", username="other-admin")
    db.session.add(NotificationPreference(user_id=other.id, event="sms_failed", channel="none"))
    db.session.commit()
    me = portal.login("admin")
    page = portal.get("/me/notifications").get_data(as_text=True)
    # My table shows my defaults, not the other admin's choice.
    assert (
        'id="event_sms_failed-message" aria-label="SMS-Versand fehlgeschlagen: Nachricht" checked'
        in page
    )
    # There is no URL with a user id; extra form fields for another user are ignored.
    resp = portal.post(
        "/me/notifications",
        {"event_sms_failed": "message", "user_id": str(other.id), "event_chat_unread": "none"},
    )
    assert resp.status_code == 302
    assert _prefs(other.id) == {"sms_failed": "none"}
    assert _prefs(me.id) == {"chat_unread": "none"}
    # An employee cannot choose an admin-only event.
    portal.logout()
    employee = portal.login("employee")
    portal.post("/me/notifications", {"event_chat_unread": "message", "event_sms_failed": "none"})
    assert _prefs(employee.id) == {}
    assert not [r for r in app.url_map.iter_rules() if r.rule.startswith("/me") and r.arguments]


def test_guessing_the_current_password_is_limited(app, portal):
    """A taken-over session must not try passwords without limit through the password change
    (the right one would also end the owner's sessions); as the reveal and the log-in."""
    user = portal.login("employee")

    def change(current):
        return portal.post(
            "/me/password",
            {
                "current": current,
                "password": "ein-neues-Passwort-1",
                "confirm": "ein-neues-Passwort-1",
            },
            htmx=True,
        )

    for n in range(5):
        assert change(f"falsch-{n}").status_code == 422
    refused = change("correct-horse-1")
    assert refused.status_code == 422
    assert "Zu viele falsche Passwörter" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("correct-horse-1")
