"""Escaping over the URL map: markup with htmx attributes in every text field never comes back raw.

Every form found on the pages of the URL map (as admin and as employee, with the demo chain's
data) is sent once per text field with markup in that field and valid values elsewhere, and
once with markup everywhere. Every answer (pages, fragments, 422 forms with their translated
messages) and then every page and fragment of the URL map, for every role, must show the markup
only escaped: an injected `hx-*` attribute would act even under the CSP.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import Portal, csrf_token_from
from tests.urlmap import crashed, forms_in, routes, seed_small_demo, urls_for

PAYLOAD = "<b hx-get=/x>M</b>"
RAW = re.compile(r"<b hx-get", re.IGNORECASE)
SKIP_ACTIONS = ("/logout", "/language")  # would end the session or only switch the language


def _assert_escaped(resp, where: str) -> None:
    if resp.mimetype != "text/html":  # a JSON download (diagnostics) is data, not markup
        return
    body = resp.get_data(as_text=True)
    match = RAW.search(body)
    assert match is None, (
        f"{where}: raw markup at {body[max(0, match.start() - 200) : match.end() + 80]!r}"
    )
    for name, value in resp.headers.items():
        assert not RAW.search(value), f"{where}: raw markup in header {name}"


def _get_urls(app) -> list[str]:
    return [url for rule in routes(app, "GET") for url in urls_for(rule)]


def _submit_every_form(app, portal: Portal, seen: set) -> int:
    sent = 0
    for url in _get_urls(app):
        resp = portal.get(url)
        if resp.status_code != 200 or "text/html" not in resp.content_type:
            continue
        for form in forms_in(resp.get_data(as_text=True), url):
            if form.action.split("?")[0].endswith(SKIP_ACTIONS):
                continue
            texts = form.text_fields()
            if not texts:
                continue
            variants = [{name: PAYLOAD} for name in texts] + [dict.fromkeys(texts, PAYLOAD)]
            for change in variants:
                key = (form.action, form.method, tuple(sorted(change)))
                if key in seen:
                    continue
                seen.add(key)
                data = dict(form.values(), **change)
                for htmx in (False, True):
                    if form.method == "post":
                        data["csrf_token"] = portal.token()
                        answer = portal.post(form.action, data, htmx=htmx, csrf=False)
                    else:
                        answer = portal.get(form.action, htmx=htmx, query_string=data)
                    assert answer.status_code < 500, (form.action, change, answer.status_code)
                    _assert_escaped(answer, f"{form.method} {form.action} {sorted(change)}")
                    sent += 1
                    # The page after a save carries the flash message ("… %(name)s wurde angelegt").
                    target = answer.headers.get("Location") or answer.headers.get("HX-Redirect")
                    if target:
                        _assert_escaped(portal.get(target), f"after {form.action} -> {target}")
    return sent


@pytest.fixture
def demo(app, monkeypatch):
    seed_small_demo(app, monkeypatch)


def test_markup_in_every_text_field_is_escaped_everywhere(app, demo, client):
    seen: set = set()
    sent = 0
    for role in ("admin", "employee"):
        portal = Portal(app.test_client())
        portal.login(role)
        sent += _submit_every_form(app, portal, seen)
    assert sent > 100  # the walk found the forms (interfaces, branches, customers, users ...)

    # Log-in form (anonymous): the typed name comes back in the 422 page.
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    _assert_escaped(
        client.post(
            "/login",
            data={"username": PAYLOAD, "password": "x", "csrf_token": token, "next": PAYLOAD},
        ),
        "login",
    )

    for role in ("admin", "helpdesk", "employee"):
        portal = Portal(app.test_client())
        portal.login(role)
        for url in _get_urls(app):
            for htmx in (False, True):
                resp = portal.get(url, htmx=htmx)
                assert not crashed(url, resp.status_code), (role, url, resp.status_code)
                _assert_escaped(resp, f"{role} GET {url} htmx={htmx}")
