"""Issue 13: each finding of the security probe as a test (they failed before their fixes)."""

from __future__ import annotations

import ast
import logging
import pathlib
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Branch, LimiterHit
from tests.conftest import Portal, csrf_token_from
from tests.factories import make_user

PAYLOAD = """<div hx-post=/chain/ hx-vals='{"name":"X"}' hx-trigger=load>x</div>"""


def _login(client, username, password, addr="10.0.0.1"):
    env = {"REMOTE_ADDR": addr}
    token = csrf_token_from(client.get("/login", environ_base=env).get_data(as_text=True))
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        environ_base=env,
    )


# ---- 1. user data in translated text ----------------------------------------------------------


def test_display_name_in_the_edit_conflict_message_is_escaped(app, portal):
    from tests.test_interface_details import _created_and_opened
    from tests.test_interfaces import SMS_TOKEN

    interface, token = _created_and_opened(portal)
    other = Portal(app.test_client())
    make_user("admin", username="mallory", full_name=PAYLOAD)
    db.session.commit()
    other.login("admin", username="mallory")
    assert (
        other.post(
            f"/interfaces/{interface.id}/edit", dict(SMS_TOKEN, sender="VonM", token="")
        ).status_code
        == 302
    )
    resp = portal.post(
        f"/interfaces/{interface.id}/edit",
        dict(SMS_TOKEN, name="Meins", token="", edit_token=token),
        htmx=True,
    )
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "hat die Schnittstelle geändert" in body
    assert "<div hx-post" not in body and "&lt;div hx-post=/chain/" in body


def test_typed_customer_reference_is_escaped_in_its_error(app, portal):
    from tests.test_appointments import Setup

    s = Setup()
    portal.login("admin")
    resp = portal.post("/appointments/", s.form(customer_ref=PAYLOAD), htmx=True)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "Kein Kunde mit der Kundennummer" in body
    assert "<div hx-post" not in body and "&lt;div hx-post" in body


def test_no_lazy_gettext_carries_values():
    """Flask-Babel's lazy strings are markup-safe: a value put into one is never escaped."""
    offenders = []
    for path in pathlib.Path("app").rglob("*.py"):
        source = path.read_text()
        if "lazy_gettext" not in source:
            continue
        for node in ast.walk(ast.parse(source)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_l", "lazy_gettext")
                and node.keywords
                and not all(
                    isinstance(k.value, ast.Constant)
                    or isinstance(k.value, ast.Name)
                    and k.value.id.isupper()
                    for k in node.keywords
                )
            ):
                offenders.append(f"{path}:{node.lineno}")
    assert offenders == []


def test_htmx_may_not_evaluate_or_leave_the_site(client):
    html = client.get("/login").get_data(as_text=True)
    config = re.search(r'name="htmx-config" content=\'([^\']+)\'', html).group(1)
    assert '"allowEval":false' in config and '"selfRequestsOnly":true' in config
    assert '"allowScriptTags":false' in config


# ---- 2. request body limit --------------------------------------------------------------------


def test_a_huge_body_is_refused_with_413_before_it_is_read(app, client):
    resp = client.post("/login", data={"username": "x" * (2 * 1024 * 1024), "password": "y"})
    assert resp.status_code == 413
    assert "zu groß" in resp.get_data(as_text=True)


# ---- 4. log-in lock-out is no denial of service ------------------------------------------------


def test_failures_from_one_address_do_not_lock_the_user_out_elsewhere(app, client):
    make_user(role="admin", username="admin", password="correct-horse-1")
    db.session.commit()
    attacker = app.test_client()
    for _ in range(6):
        _login(attacker, "admin", "guess", addr="203.0.113.9")
    assert _login(attacker, "admin", "correct-horse-1", addr="203.0.113.9").status_code == 429
    assert _login(client, "admin", "correct-horse-1", addr="10.0.0.1").status_code == 302


def test_failures_from_one_address_do_not_lock_out_the_branch_behind_it(app, client):
    make_user(role="employee", username="emma", password="correct-horse-1")
    for i in range(5):
        make_user(role="employee", username=f"colleague{i}")
    db.session.commit()
    stranger = app.test_client()
    for i in range(25):  # one NAT: someone tries many names (20 blocked the address before)
        assert _login(stranger, f"colleague{i % 5}", "guess", addr="10.0.0.1").status_code == 422
    assert _login(client, "emma", "correct-horse-1", addr="10.0.0.1").status_code == 302


def test_a_known_device_gets_in_while_the_name_is_attacked_from_everywhere(app, client):
    app.config.update(LOGIN_MAX_FAILURES_PER_USER=6)
    make_user(role="admin", username="admin", password="correct-horse-1")
    db.session.commit()
    assert _login(client, "admin", "correct-horse-1").status_code == 302  # this browser is known
    client.post(
        "/logout", data={"csrf_token": csrf_token_from(client.get("/").get_data(as_text=True))}
    )
    for i in range(8):
        _login(app.test_client(), "admin", "guess", addr=f"198.51.100.{i}")
    new_device = app.test_client()
    assert _login(new_device, "admin", "correct-horse-1", addr="10.0.0.7").status_code == 429
    assert _login(client, "admin", "correct-horse-1").status_code == 302


def test_admin_cli_lifts_a_lock(app, client, runner):
    make_user(role="admin", username="anna", password="correct-horse-1")
    db.session.commit()
    for _ in range(5):
        _login(client, "anna", "guess")
    assert _login(client, "anna", "correct-horse-1").status_code == 429
    result = runner.invoke(args=["users", "unlock", "anna"])
    assert result.exit_code == 0, result.output
    assert "anna" in result.output
    assert _login(client, "anna", "correct-horse-1").status_code == 302


# ---- 5. log-out ends the session ---------------------------------------------------------------


def test_a_saved_cookie_is_worthless_after_log_out(app, client):
    make_user(role="admin", username="anna", password="correct-horse-1")
    db.session.commit()
    assert _login(client, "anna", "correct-horse-1").status_code == 302
    saved = client.get_cookie("session").value
    client.post(
        "/logout", data={"csrf_token": csrf_token_from(client.get("/").get_data(as_text=True))}
    )
    replay = app.test_client()
    replay.set_cookie("session", saved)
    resp = replay.get("/interfaces/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_personal_pages_are_never_stored_and_log_out_clears_the_browser_storage(app, portal):
    """A branch PC is shared: after log-out, Back must not bring the customer list back, and
    htmx's page snapshots in localStorage must go."""
    portal.login("employee")
    for resp in (portal.get("/customers/"), portal.get("/customers/", htmx=True)):
        assert resp.status_code == 200
        assert "no-store" in resp.headers["Cache-Control"].split(", ")
    resp = portal.client.post("/logout", data={"csrf_token": portal.token()})
    assert resp.status_code == 302 and resp.headers["Clear-Site-Data"] == '"storage"'


# ---- 6. malformed input: a clear 400, never a 500 ------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/interfaces/?q=a%00b",
        "/customers/?q=%00",
        "/appointments/?q=x%00",
        "/users/?q=%00",
        "/appointments/customer-lookup?customer_ref=%00",
    ],
)
def test_nul_bytes_in_a_query_are_a_clear_400(app, portal, url):
    portal.login("admin")
    resp = portal.get(url)
    assert resp.status_code == 400 and "Nullbyte" in resp.get_data(as_text=True)


def test_nul_bytes_in_a_form_field_are_a_clear_400_and_nothing_is_saved(app, portal):
    portal.login("admin")
    resp = portal.post(
        "/branches/",
        {
            "number": "77",
            "code": "NUL",
            "name": "Fi\x00liale",
            "street": "Weg 1",
            "postcode": "70173",
            "city": "Stuttgart",
            "country": "DE",
        },
    )
    assert resp.status_code == 400 and "Nullbyte" in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Branch)) == 0


@pytest.mark.parametrize(
    "url",
    [
        "/customers/?branch=99999999999999999999",
        "/appointments/?branch=99999999999999999999",
        "/appointments/?status=-99999999999999999999",
        "/interfaces/new?workstation_id=99999999999999999999",
        "/appointments/new?customer_id=99999999999999999999",
    ],
)
def test_huge_integers_in_a_query_are_a_clear_400(app, portal, url):
    portal.login("admin")
    resp = portal.get(url)
    assert resp.status_code == 400 and "zu groß" in resp.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "/interfaces/?page=99999999999999999999",
        "/users/?page=99999999999999999999",
        "/audit/?page=99999999999999999999",
        "/outbox/?page=99999999999999999999",
        "/interfaces/deleted?page=99999999999999999999",
    ],
)
def test_a_huge_page_number_is_clamped(app, portal, url):
    portal.login("admin")
    assert portal.get(url).status_code in (200, 404)


def test_a_huge_id_in_a_path_is_not_found(app, portal):
    portal.login("admin")
    assert portal.get("/interfaces/99999999999999999999").status_code == 404
    assert portal.get("/customers/99999999999999999999").status_code == 404


def test_a_100_kb_customer_reference_is_a_clear_400(app, portal):
    from tests.test_appointments import Setup

    s = Setup()
    portal.login("admin")
    resp = portal.post("/appointments/", s.form(customer_ref="%_" * 50_000))
    assert resp.status_code == 400 and "zu lang" in resp.get_data(as_text=True)
    lookup = portal.get("/appointments/customer-lookup?customer_ref=" + "a" * 900)
    assert lookup.status_code == 200


# ---- 8. a password typed as user name is neither logged nor stored ------------------------------


def test_unknown_user_name_is_neither_logged_nor_stored(app, client, caplog):
    caplog.set_level(logging.INFO)
    _login(client, "My-Secret-Passw0rd!", "whatever")
    assert "My-Secret-Passw0rd!" not in caplog.text
    assert "my-secret-passw0rd!" not in caplog.text.lower()
    keys = db.session.scalars(sa.select(LimiterHit.key)).all()
    assert keys and not any("secret" in k.lower() for k in keys)
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)).all():
            assert "Passw0rd" not in repr(row)


# ---- 9. the user search escapes LIKE wildcards -----------------------------------------------------


def test_user_search_matches_wildcards_literally(app, portal):
    make_user(role="employee", username="emma", full_name="Emma Example")
    make_user(role="employee", username="rabatt_50", full_name="100% Rabatt")
    portal.login("admin")
    percent = portal.get("/users/?q=%25", htmx=True).get_data(as_text=True)
    assert "100% Rabatt" in percent and "emma" not in percent
    underscore = portal.get("/users/?q=_", htmx=True).get_data(as_text=True)
    assert "rabatt_50" in underscore and "emma" not in underscore


def test_the_security_option_password_is_under_the_reveal_lock(app, portal):
    from app.models import Chain

    portal.login("admin")
    for _ in range(5):
        portal.post(
            "/chain/security", {"admins_may_view_passwords": "y", "current_password": "wrong"}
        )
    resp = portal.post(
        "/chain/security",
        {"admins_may_view_passwords": "y", "current_password": "correct-horse-1"},
        htmx=True,
    )
    assert resp.status_code == 429 and "gesperrt bis" in resp.get_data(as_text=True)
    assert Chain.get_or_create().admins_may_view_passwords is False


def test_the_sms_counter_still_measures_long_texts(app, portal):
    portal.login("admin")
    resp = portal.get("/sms/length?text=" + "a" * 1600, htmx=True)
    assert resp.status_code == 200


# ---- 9. a refused CSRF check says why in the log -------------------------------------------------


def test_a_refused_csrf_check_logs_its_reason(app, portal, caplog):
    """Behind a proxy that drops the Referer every form says "expired"; the log must say why."""
    caplog.set_level(logging.INFO)
    portal.login("admin")
    resp = portal.post("/chain/", {"name": "x"}, csrf=False)
    assert resp.status_code == 400 and "abgelaufen" in resp.get_data(as_text=True)
    (line,) = [r.getMessage() for r in caplog.records if r.name == app.logger.name]
    assert "POST /chain/" in line and "CSRF token is missing" in line
    resp = portal.client.post(
        "/chain/",
        data={"name": "x", "csrf_token": portal.token()},
        base_url="https://localhost",
    )
    assert resp.status_code == 400
    assert "referrer header is missing" in caplog.records[-1].getMessage()
