"""Who may use which route: every route of the URL map against a role table written from the SPEC.

The table below is the specification (SPEC §1 and the issues), not a copy of the routes' own
`@role_required`: a route whose declaration differs from it fails here, and so does a route
nobody put in the table. New routes are added to EXPECTED with the reason from the SPEC.
"""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule
from werkzeug.routing.converters import NumberConverter

from app.blueprints.auth.decorators import ACCESS_ATTR

ROLES = ("admin", "employee", "helpdesk")
A, E, H = "admin", "employee", "helpdesk"
ANYONE = "anyone"  # anonymous visitors too
EVERY_ROLE = (A, E, H)

_CRUD = ("index", "new", "create", "edit", "update", "confirm_delete", "delete")

EXPECTED: dict[str, tuple[str, ...] | str] = {
    # Logging in and choosing the language come before knowing who someone is.
    "auth.login": ANYONE,
    "auth.language": ANYONE,
    "auth.logout": EVERY_ROLE,
    "main.index": EVERY_ROLE,
    # SPEC §1 admin: "configure interfaces, branches, workstations, users and the chain's security options".
    **{f"branches.{verb}": (A,) for verb in _CRUD},
    **{f"workstations.{verb}": (A,) for verb in _CRUD},
    "workstations.settings": (A,),
    **{f"users.{verb}": (A,) for verb in _CRUD[:5]},
    "users.toggle_active": (A,),
    "users.confirm_deactivate": (A,),
    "users.password": (A,),
    "chain.edit": (A,),
    "chain.update": (A,),
    "chain.security": (A,),
    "interfaces.choose_type": (A,),
    "interfaces.create": (A,),
    "interfaces.edit": (A,),
    "interfaces.confirm_delete": (A,),
    "interfaces.delete": (A,),
    "interfaces.protect": (A,),
    "interfaces.unprotect": (A,),
    "interfaces.reminder_preview": (A,),
    "interfaces.reminder_run": (A,),
    # SPEC §1 admin: "send test SMS"; "reveal a stored password after re-entering their own password".
    "interfaces.test_sms": (A,),
    "interfaces.test_sms_number": (A,),
    "interfaces.test_sms_text": (A,),
    "interfaces.test_sms_send": (A,),
    "interfaces.reveal_dialog": (A,),
    "interfaces.reveal": (A,),
    # Appointment types and statuses are chain configuration (issue: admins maintain them).
    **{
        f"appointments.{prefix}{verb}": (A,)
        for prefix in ("type_", "status_")
        for verb in _CRUD[1:]
    },
    "appointments.types": (A,),
    "appointments.statuses": (A,),
    # The security audit log reviews admins' reveals: admins only (SPEC §5).
    "audit.index": (A,),
    # SPEC §1 helpdesk: "review the status and history of every interface", "run the non-destructive
    # checks (balance lookup ...)"; never a change, never a secret.
    "interfaces.index": (A, H),
    "interfaces.show": (A, H),
    "interfaces.history": (A, H),
    "interfaces.deleted": (A, H),
    "interfaces.balance": (A, H),
    # The SMS outbox: helpdesk watches failures (SPEC §4.6), only admins resend or cancel.
    "outbox.index": (A, H),
    "outbox.resend": (A,),
    "outbox.cancel": (A,),
    # SPEC §1 employee: "send an SMS to a customer"; customers and appointments are their daily work
    # (admins too); helpdesk never sees customer data.
    **{f"customers.{verb}": (A, E) for verb in _CRUD},
    "customers.show": (A, E),
    **{f"appointments.{verb}": (A, E) for verb in _CRUD[:5]},
    "appointments.show": (A, E),
    "appointments.customer_lookup": (A, E),
    "sms.new": (A, E),
    # SPEC §1 admin: "log the SiNNO service in and out" (issue 14).
    "interfaces.sinno_session": (A,),
    "interfaces.sinno_login": (A,),
    "interfaces.sinno_logout_confirm": (A,),
    "interfaces.sinno_logout": (A,),
    # SPEC §4.3 customer activation is done from the customer record (employees and admins, issue 14).
    **{
        f"sinno.{verb}": (A, E)
        for verb in (
            "state",
            "confirm_activate",
            "activate",
            "confirm_deactivate",
            "deactivate",
            "sheet",
        )
    },
    # Issue 16: a load balancer or systemd/Kubernetes probe asks without logging in; no internals shown.
    "health.healthz": ANYONE,
    "health.readyz": ANYONE,
    # SPEC §1 helpdesk: "review the status ... of every interface", "run the non-destructive checks";
    # SPEC §4.6: "helpdesk and admins can check on demand"; diagnostics are redacted (issue 16).
    **{
        f"status.{verb}": (A, H)
        for verb in ("index", "show", "check", "check_all", "run", "download_diagnostics")
    },
    # SPEC §4.5 "Test-E-Mail senden", like the test SMS: admins (issue 15).
    "interfaces.test_email": (A,),
    "interfaces.test_email_send": (A,),
    # SPEC §1 employee: "read and answer SiNNO chat messages" (admins too; helpdesk never sees
    # customer data).
    **{
        f"chat.{verb}": (A, E)
        for verb in (
            "index",
            "sync_info",
            "badge",
            "thread",
            "messages",
            "mark_read",
            "mark_unread",
            "reply",
            "resend",
        )
    },
    # SPEC §1 employee: "manage their own notification preferences, see their notifications";
    # issue 15: "Mein Bereich" for every logged-in user, only ever their own.
    **{
        f"account.{verb}": EVERY_ROLE
        for verb in (
            "profile",
            "update_profile",
            "change_password",
            "preferences",
            "update_preferences",
        )
    },
    **{
        f"notifications.{verb}": EVERY_ROLE
        for verb in ("index", "badge", "mark_read", "mark_all_read")
    },
    # The SMS length counter counts typed text; it shows nothing stored (used by the Test-SMS dialog
    # and the customer SMS form).
    "sms.length": EVERY_ROLE,
}


def _url_for_rule(rule: Rule) -> str:
    """Fill every URL variable with a value its converter accepts."""
    values = {}
    for arg in rule.arguments:
        values[arg] = 1 if isinstance(rule._converters[arg], NumberConverter) else "x"
    return rule.build(values, append_unknown=False)[1]


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _allowed(endpoint: str, role: str | None) -> bool:
    expected = EXPECTED[endpoint]
    return expected == ANYONE or (role is not None and role in expected)


def _wrong_answers(app, client, role: str) -> list[tuple]:
    """(endpoint, method, status) for every route that answers this role against the table."""
    wrong = []
    # CSRF is checked after access, so a POST without token tells allowed (400) from forbidden (403).
    for rule, method in _routes(app):
        resp = client.open(_url_for_rule(rule), method=method)
        if _allowed(rule.endpoint, role):
            if resp.status_code in (401, 403):
                wrong.append((rule.endpoint, method, resp.status_code))
        elif resp.status_code != 403:
            wrong.append((rule.endpoint, method, resp.status_code))
    return wrong


def test_every_route_is_in_the_table_and_the_table_has_no_stale_entries(app):
    endpoints = {rule.endpoint for rule, _ in _routes(app)}
    assert sorted(endpoints - set(EXPECTED)) == [], "add these routes to EXPECTED (from the SPEC)"
    assert sorted(set(EXPECTED) - endpoints) == []


def test_every_route_declares_access(app):
    missing = [
        r.endpoint
        for r, _ in _routes(app)
        if getattr(app.view_functions[r.endpoint], ACCESS_ATTR, None) is None
    ]
    assert missing == []


def test_route_without_rule_is_refused(app, portal):
    # A view someone forgot to annotate is refused, not silently open.
    app.add_url_rule("/forgotten", "forgotten", lambda: "secret data")
    portal.login("admin")
    resp = portal.get("/forgotten")
    assert resp.status_code == 403
    assert "secret data" not in resp.get_data(as_text=True)


def test_anonymous_is_sent_to_login_everywhere_else(app, client):
    for rule, method in _routes(app):
        url = _url_for_rule(rule)
        resp = client.open(url, method=method)
        if _allowed(rule.endpoint, None):
            assert resp.status_code not in (401, 403) and "/login?" not in resp.headers.get(
                "Location", ""
            ), rule.rule
            continue
        assert resp.status_code == 302, (rule.rule, method, resp.status_code)
        assert "/login" in resp.headers["Location"], rule.rule
        hx = client.open(url, method=method, headers={"HX-Request": "true"})
        assert hx.status_code == 401, (rule.rule, method)
        assert hx.headers["HX-Redirect"].startswith("/login"), rule.rule


def _open_every_chain_feature():
    from app.extensions import db
    from app.models import Chain

    # Features behind a chain option answer 403 while it is off; switch it on to see the role rules.
    Chain.get_or_create().admins_may_view_passwords = True
    db.session.commit()


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_what_the_spec_gives_it(app, portal, role):
    _open_every_chain_feature()
    portal.login(role)
    assert _wrong_answers(app, portal.client, role) == []
    # htmx asking for what a role may not use gets 403 and a toast (not a login page swapped in)
    for rule, method in _routes(app):
        if not _allowed(rule.endpoint, role):
            hx = portal.client.open(
                _url_for_rule(rule), method=method, headers={"HX-Request": "true"}
            )
            assert hx.status_code == 403 and "toast" in hx.headers.get("HX-Trigger", ""), rule.rule


def test_a_wrong_role_declaration_fails_the_check(app, portal):
    # The check compares with the table, not with the route's own declaration: widen one route's
    # roles (the mistake a copied @role_required makes) and it is reported.
    _open_every_chain_feature()
    view = app.view_functions["users.index"]
    declared = getattr(view, ACCESS_ATTR)
    setattr(view, ACCESS_ATTR, declared | {"helpdesk"})
    try:
        portal.login("helpdesk")
        assert ("users.index", "GET", 200) in _wrong_answers(app, portal.client, "helpdesk")
    finally:
        setattr(view, ACCESS_ATTR, declared)
