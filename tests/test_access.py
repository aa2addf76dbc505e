"""Every route declares who may use it; walk the whole URL map for every role."""
from __future__ import annotations

import pytest
from werkzeug.routing import Rule
from werkzeug.routing.converters import NumberConverter

from app.blueprints.auth.decorators import ACCESS_ATTR, PUBLIC

ROLES = ("admin", "employee", "helpdesk")


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


def test_every_route_declares_access(app):
    missing = [r.endpoint for r, _ in _routes(app)
               if getattr(app.view_functions[r.endpoint], ACCESS_ATTR, None) is None]
    assert missing == []


def test_route_without_rule_is_refused(app, portal):
    # A view someone forgot to annotate is refused, not silently open.
    app.add_url_rule("/forgotten", "forgotten", lambda: "secret data")
    portal.login("admin")
    resp = portal.get("/forgotten")
    assert resp.status_code == 403
    assert "secret data" not in resp.get_data(as_text=True)


def test_anonymous_is_sent_to_login_everywhere(app, client):
    for rule, method in _routes(app):
        access = getattr(app.view_functions[rule.endpoint], ACCESS_ATTR)
        if access is PUBLIC:
            continue
        url = _url_for_rule(rule)
        resp = client.open(url, method=method)
        assert resp.status_code == 302, (rule.rule, method, resp.status_code)
        assert "/login" in resp.headers["Location"], rule.rule
        hx = client.open(url, method=method, headers={"HX-Request": "true"})
        assert hx.status_code == 401, (rule.rule, method)
        assert hx.headers["HX-Redirect"].startswith("/login"), rule.rule


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_403_exactly_where_not_allowed(app, portal, role):
    from app.extensions import db
    from app.models import Chain

    # Features behind a chain option answer 403 while it is off; switch it on to see the role rules.
    Chain.get_or_create().admins_may_view_passwords = True
    db.session.commit()
    portal.login(role)
    # CSRF is checked after access, so a POST without token tells allowed (400) from forbidden (403).
    for rule, method in _routes(app):
        access = getattr(app.view_functions[rule.endpoint], ACCESS_ATTR)
        url = _url_for_rule(rule)
        resp = portal.client.open(url, method=method)
        if access is PUBLIC or role in access:
            assert resp.status_code != 403, (role, rule.rule, method)
            assert resp.status_code != 401, (role, rule.rule, method)
        else:
            assert resp.status_code == 403, (role, rule.rule, method, resp.status_code)
            hx = portal.client.open(url, method=method, headers={"HX-Request": "true"})
            assert hx.status_code == 403
            assert "toast" in hx.headers.get("HX-Trigger", ""), rule.rule
