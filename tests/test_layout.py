"""Layout: language switch, navigation, error pages, htmx behaviour, static assets, demo seed."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Branch, User, Workstation


def test_german_by_default_and_english_on_switch(app, portal):
    portal.login("admin")
    html = portal.get("/").get_data(as_text=True)
    assert '<html lang="de">' in html and "Übersicht" in html
    resp = portal.post("/language", {"lang": "en", "next": "/branches/"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/branches/"
    html = portal.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html and "Overview" in html and "Branches" in html
    # the choice is kept with the account for the next log-in
    assert db.session.scalar(sa.select(User.locale).where(User.username == "admin-user")) == "en"


def test_language_switch_ignores_unknown_languages_and_foreign_targets(app, portal):
    resp = portal.post("/language", {"lang": "xx", "next": "https://evil.example/"})
    assert resp.headers["Location"] == "/"
    assert '<html lang="de">' in portal.get("/login").get_data(as_text=True)


def test_navigation_by_role(app, portal):
    expected = {
        "admin": {
            "main.index",
            "customers.index",
            "appointments.index",
            "interfaces.index",
            "status.index",
            "branches.index",
            "workstations.index",
            "users.index",
            "chain.edit",
            "outbox.index",
            "audit.index",
        },
        "helpdesk": {"main.index", "interfaces.index", "status.index", "outbox.index"},
        "employee": {"main.index", "customers.index", "appointments.index"},
    }
    for role, entries in expected.items():
        client = app.test_client()
        from tests.conftest import Portal

        p = Portal(client)
        p.login(role, username=f"nav-{role}")
        html = p.get("/").get_data(as_text=True)
        assert set(re.findall(r'data-nav="([^"]+)"', html)) == entries, role


def test_error_pages_reveal_nothing(app, portal):
    portal.login("admin")
    resp = portal.get("/does-not-exist")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 404 and "Nicht gefunden" in body and "Traceback" not in body


def test_500_is_a_plain_page_and_a_toast_for_htmx(app, portal):
    from app.blueprints.auth.decorators import login_required

    def boom():
        raise RuntimeError("database password is hunter2")

    app.add_url_rule("/boom", "boom", login_required(boom))
    app.config["PROPAGATE_EXCEPTIONS"] = False
    portal.login("admin")
    resp = portal.get("/boom")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 500 and "Interner Fehler" in body
    assert "hunter2" not in body and "RuntimeError" not in body
    hx = portal.get("/boom", htmx=True)
    assert hx.status_code == 500 and hx.get_data(as_text=True) == ""
    toast = json.loads(hx.headers["HX-Trigger"])["toast"]
    assert toast["level"] == "error" and "unerwarteter Fehler" in toast["message"]


def test_500_page_when_the_database_is_unreachable(closed_port_url):
    """A logged-in user whose account cannot be loaded still gets the portal's error page."""
    from app import create_app
    from tests.conftest import make_config

    port = closed_port_url.rsplit(":", 1)[1]
    broken = create_app(
        make_config(f"postgresql+psycopg://portal@127.0.0.1:{port}/portal?connect_timeout=2")
    )
    broken.config["PROPAGATE_EXCEPTIONS"] = False
    client = broken.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = "1:0"
        sess["lang"] = "en"
    resp = client.get("/")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 500 and "Internal error" in body and "<html" in body
    assert "127.0.0.1" not in body and "psycopg" not in body
    hx = client.get("/", headers={"HX-Request": "true"})
    assert hx.status_code == 500 and hx.get_data(as_text=True) == ""
    assert json.loads(hx.headers["HX-Trigger"])["toast"]["level"] == "error"


def test_405_names_the_allowed_methods_in_both_renderings(app, portal):
    portal.login("admin")
    portal.post("/language", {"lang": "en", "next": "/"})
    page = portal.client.delete("/customers/")
    assert page.status_code == 405 and "Not allowed" in page.get_data(as_text=True)
    assert {"GET", "HEAD"} <= set(page.headers["Allow"].split(", "))
    hx = portal.client.delete("/customers/", headers={"HX-Request": "true"})
    assert hx.status_code == 405 and "GET" in hx.headers["Allow"]
    assert json.loads(hx.headers["HX-Trigger"])["toast"]["level"] == "error"


def test_403_and_csrf_toasts_for_htmx(app, portal):
    portal.login("employee")
    hx = portal.get("/users/", htmx=True)
    assert hx.status_code == 403
    assert (
        "Keine Berechtigung" in json.loads(hx.headers["HX-Trigger"])["toast"]["message"]
        or "keine Berechtigung" in hx.headers["HX-Trigger"]
    )
    page = portal.get("/users/")
    assert page.status_code == 403 and "Keine Berechtigung" in page.get_data(as_text=True)
    portal.logout()
    portal.login("admin", username="csrf-admin")
    hx = portal.post("/chain/", {"name": "x"}, htmx=True, csrf=False)
    assert hx.status_code == 400
    assert "abgelaufen" in json.loads(hx.headers["HX-Trigger"])["toast"]["message"]


def test_csrf_header_is_accepted_for_htmx(app, portal):
    portal.login("admin")
    token = portal.token()
    resp = portal.client.post(
        "/chain/", data={"name": "Per Header"}, headers={"HX-Request": "true", "X-CSRFToken": token}
    )
    assert resp.status_code == 204


def test_base_layout_wires_htmx_csrf_and_422_swapping(app, portal):
    portal.login("admin")
    html = portal.get("/").get_data(as_text=True)
    assert "/static/vendor/htmx.min.js" in html
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    config = json.loads(re.search(r"name=\"htmx-config\" content='([^']+)'", html).group(1))
    assert {"code": "422", "swap": True} in config["responseHandling"]
    assert 'id="dialog"' in html and 'id="flash"' in html


def test_static_htmx_is_version_2(client):
    resp = client.get("/static/vendor/htmx.min.js")
    assert resp.status_code == 200
    assert b'version:"2.0.' in resp.data


def test_security_headers(client):
    resp = client.get("/login")
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]


def test_demo_seed_is_idempotent(runner, app):
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "admin" in first.output and "Demo-Admin-2026" in first.output
    counts = [
        db.session.scalar(sa.select(sa.func.count()).select_from(m))
        for m in (Branch, Workstation, User)
    ]
    assert counts[0] == 3 and counts[2] == 3
    branches = db.session.scalars(sa.select(Branch)).all()
    assert all(b.street and b.postcode and b.city for b in branches)
    second = runner.invoke(args=["demo", "seed"])
    assert "nothing changed" in second.output
    assert [
        db.session.scalar(sa.select(sa.func.count()).select_from(m))
        for m in (Branch, Workstation, User)
    ] == counts


def test_production_refuses_to_start_without_secrets(monkeypatch):
    import pytest

    from app import create_app
    from app.config import Config, ConfigurationError

    class Prod(Config):
        SECRET_KEY = None
        FERNET_KEYS: list[str] = []

    with pytest.raises(ConfigurationError, match="SECRET_KEY, FERNET_KEYS"):
        create_app(Prod)

    class BadKey(Config):
        SECRET_KEY = "x" * 32
        FERNET_KEYS = ["not-a-key"]
        DATABASE_URL = "postgresql://portal@db/portal"

    with pytest.raises(ConfigurationError, match="not a valid Fernet key"):
        create_app(BadKey)


def test_production_refuses_a_short_secret_key_and_a_missing_database_url():
    from cryptography.fernet import Fernet

    from app import create_app
    from app.config import Config, ConfigurationError

    class NoDatabase(Config):
        SECRET_KEY = "x" * 64
        FERNET_KEYS = [Fernet.generate_key().decode()]
        DATABASE_URL = None

    # Without DATABASE_URL production would quietly use a SQLite file in instance/.
    with pytest.raises(ConfigurationError, match="DATABASE_URL"):
        create_app(NoDatabase)

    class ShortKey(NoDatabase):
        SECRET_KEY = "changeme"
        DATABASE_URL = "postgresql://portal@db/portal"

    with pytest.raises(ConfigurationError, match="SECRET_KEY is too short"):
        create_app(ShortKey)


def test_an_unknown_time_zone_stops_the_start_not_every_page():
    from cryptography.fernet import Fernet

    from app import create_app
    from app.config import Config, ConfigurationError

    class MistypedZone(Config):
        SECRET_KEY = "x" * 64
        FERNET_KEYS = [Fernet.generate_key().decode()]
        DATABASE_URL = "postgresql://portal@db/portal"
        BABEL_DEFAULT_TIMEZONE = "Europe/Berln"
        TESTING = True  # should it start after all: leave the shared "app" logger alone

    with pytest.raises(ConfigurationError, match="PORTAL_TIMEZONE"):
        create_app(MistypedZone)


@pytest.mark.parametrize(
    "name, raw, words",
    [
        ("PROXY_COUNT", "one", "PROXY_COUNT must be a whole number, not 'one'"),
        ("SMS_READ_TIMEOUT", "15s", "SMS_READ_TIMEOUT must be a number, not '15s'"),
        ("SMTP_TIMEOUT", "-1", "SMTP_TIMEOUT must be a number of 0 or more"),
        ("CHAT_SYNC_SECONDS", "nan", "CHAT_SYNC_SECONDS must be a number of 0 or more"),
    ],
)
def test_a_malformed_number_setting_stops_the_start_naming_it(name, raw, words):
    """Read when the settings are imported: the start fails with the setting's name, not with
    a bare ValueError of int() or float()."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, **{name: raw})
    result = subprocess.run(
        [sys.executable, "-c", "import app.config"],
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert f"ConfigurationError: {words}" in result.stderr, result.stderr[-500:]


def test_the_demo_is_refused_in_production(runner, app):
    """The demo's log-ins and passwords are in the README: never on a production database."""
    app.config["ENV_NAME"] = "production"
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code != 0 and "PORTAL_ENV=development" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
