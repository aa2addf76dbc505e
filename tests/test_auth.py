"""Log-in, log-out, throttling, safe redirects, session cookie and CLI account creation."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import LimiterHit, User
from tests.conftest import csrf_token_from
from tests.factories import make_user


def _login(client, username, password, next_url=None):
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    data = {"username": username, "password": password, "csrf_token": token}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/login", data=data)


def test_login_page_has_the_form(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'name="username"' in html and 'name="password"' in html
    assert "Anmelden" in html


def test_login_and_logout(app, client):
    make_user(role="admin", username="anna", password="correct-horse-1")
    db.session.commit()
    resp = _login(client, "anna", "correct-horse-1")
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "anna" in page
    token = csrf_token_from(page)
    resp = client.post("/logout", data={"csrf_token": token})
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert client.get("/").status_code == 302


def test_user_name_is_case_insensitive(app, client):
    make_user(role="employee", username="Berta", password="correct-horse-1")
    db.session.commit()
    assert _login(client, "berta", "correct-horse-1").status_code == 302


def test_wrong_password_shows_error_and_keeps_user_out(app, client):
    make_user(role="admin", username="anna", password="correct-horse-1")
    db.session.commit()
    resp = _login(client, "anna", "wrong-password")
    assert resp.status_code == 422
    assert "Benutzername oder Passwort ist falsch." in resp.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_unknown_user_gets_the_same_message(app, client):
    resp = _login(client, "nobody", "whatever-123")
    assert resp.status_code == 422
    assert "Benutzername oder Passwort ist falsch." in resp.get_data(as_text=True)


def test_deactivated_user_cannot_log_in(app, client):
    make_user(role="admin", username="old", password="correct-horse-1", is_active_account=False)
    db.session.commit()
    assert _login(client, "old", "correct-horse-1").status_code == 422


def test_password_is_hashed_with_scrypt(app):
    user = make_user(username="h", password="correct-horse-1")
    assert user.password_hash.startswith("scrypt:")
    assert "correct-horse-1" not in user.password_hash


def test_repeated_failures_are_throttled_with_a_clear_message(app, client):
    make_user(role="admin", username="anna", password="correct-horse-1")
    db.session.commit()
    for _ in range(5):
        assert _login(client, "anna", "nope-nope").status_code == 422
    resp = _login(client, "anna", "correct-horse-1")  # even the right password is refused now
    assert resp.status_code == 429
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in resp.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_throttle_ends_after_the_window(app, client):
    make_user(role="admin", username="anna", password="correct-horse-1")
    db.session.commit()
    for _ in range(5):
        _login(client, "anna", "nope-nope")
    for hit in db.session.scalars(sa.select(LimiterHit)):
        hit.at -= timedelta(minutes=16)
    db.session.commit()
    assert _login(client, "anna", "correct-horse-1").status_code == 302


def test_success_clears_failures(app, client):
    make_user(role="admin", username="anna", password="correct-horse-1")
    db.session.commit()
    for _ in range(3):
        _login(client, "anna", "nope-nope")
    assert _login(client, "anna", "correct-horse-1").status_code == 302
    # The pair's failures are forgotten; no attempt of the right password stays counted.
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(LimiterHit)
            .where(LimiterHit.key.startswith("login:pair:"))
        )
        == 0
    )
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(LimiterHit)
            .where(LimiterHit.key.startswith("login:user:"))
        )
        == 3
    )


def test_safe_next_redirect(app, client):
    make_user(role="admin", username="anna", password="correct-horse-1")
    db.session.commit()
    resp = _login(client, "anna", "correct-horse-1", next_url="/users/?q=x")
    assert resp.headers["Location"] == "/users/?q=x"


def test_open_redirects_are_refused(app, client):
    make_user(role="admin", username="anna", password="correct-horse-1")
    db.session.commit()
    for evil in (
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
    ):
        resp = _login(app.test_client(), "anna", "correct-horse-1", next_url=evil)
        assert resp.status_code == 302
        assert resp.headers["Location"] == "/", evil


def test_anonymous_page_request_keeps_where_it_wanted_to_go(client):
    resp = client.get("/users/?q=anna")
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/login?next=")
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert 'value="/users/?q=anna"' in html


def test_session_cookie_flags(app, client):
    make_user(role="admin", username="anna", password="correct-horse-1")
    db.session.commit()
    resp = _login(client, "anna", "correct-horse-1")
    cookie = resp.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_secure_cookie_when_configured(migrated):
    from app import create_app
    from tests.conftest import make_config

    app = create_app(make_config(migrated, SESSION_COOKIE_SECURE=True))
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    "env, secure",
    [
        ({}, False),
        ({"PORTAL_URL": "https://portal.intranet"}, True),
        ({"PORTAL_URL": "http://portal.intranet"}, False),
        ({"PORTAL_URL": "https://portal.intranet", "SESSION_COOKIE_SECURE": "0"}, False),
        ({"PORTAL_URL": "http://portal.intranet", "SESSION_COOKIE_SECURE": "yes"}, True),
    ],
)
def test_session_cookie_is_https_only_when_set_or_the_portal_address_is_https(
    monkeypatch, env, secure
):
    from app.config import secure_cookies

    for name in ("PORTAL_URL", "SESSION_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert secure_cookies() is secure


def test_a_malformed_secure_cookie_setting_stops_the_start(monkeypatch):
    from app.config import ConfigurationError, secure_cookies

    monkeypatch.setenv("SESSION_COOKIE_SECURE", "maybe")
    with pytest.raises(ConfigurationError, match="SESSION_COOKIE_SECURE must be 1, true or yes"):
        secure_cookies()


def test_login_without_csrf_token_is_refused(app, client):
    make_user(role="admin", username="anna", password="correct-horse-1")
    db.session.commit()
    resp = client.post("/login", data={"username": "anna", "password": "correct-horse-1"})
    assert resp.status_code == 400
    assert "Das Formular ist abgelaufen" in resp.get_data(as_text=True)


def test_password_change_ends_other_sessions(app, client, portal):
    admin = portal.login("admin")
    other = app.test_client()
    make_user(role="employee", username="emma", password="correct-horse-1")
    db.session.commit()
    assert _login(other, "emma", "correct-horse-1").status_code == 302
    emma = db.session.scalar(sa.select(User).where(User.username == "emma"))
    resp = portal.post(
        f"/users/{emma.id}/password", {"password": "new-password-42", "confirm": "new-password-42"}
    )
    assert resp.status_code == 302
    assert other.get("/").status_code == 302  # old session no longer valid
    assert admin is not None


def test_cli_creates_user(runner, app):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--username",
            "cli-admin",
            "--password",
            "long-enough-pw",
            "--role",
            "admin",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.username == "cli-admin"))
    assert user.role == "admin" and user.check_password("long-enough-pw")


def test_cli_prompts_for_password(runner, app):
    result = runner.invoke(
        args=["users", "create", "--username", "prompted", "--role", "helpdesk"],
        input="long-enough-pw\nlong-enough-pw\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.username == "prompted"))
    assert user.role == "helpdesk" and user.check_password("long-enough-pw")


def test_cli_refuses_short_password_and_duplicates(runner, app):
    result = runner.invoke(args=["users", "create", "--username", "x1", "--password", "short"])
    assert result.exit_code != 0 and "at least" in result.output
    runner.invoke(args=["users", "create", "--username", "dup", "--password", "long-enough-pw"])
    result = runner.invoke(
        args=["users", "create", "--username", "DUP", "--password", "long-enough-pw"]
    )
    assert result.exit_code != 0 and "already exists" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_behind_a_reverse_proxy_the_client_address_is_used(migrated):
    from flask import request

    from app import create_app
    from app.blueprints.auth.decorators import public
    from tests.conftest import make_config

    app = create_app(make_config(migrated, PROXY_COUNT=1))
    seen = []

    @public
    def addr():
        seen.append(request.remote_addr)
        return "ok"

    app.add_url_rule("/addr", "addr", addr)
    app.test_client().get(
        "/addr", headers={"X-Forwarded-For": "10.1.2.3"}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    )
    assert seen == ["10.1.2.3"]
