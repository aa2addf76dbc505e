"""Bad input over the URL map: never a 500, and refused input saves nothing.

For every route, every query parameter the pages use and every field of every form found on
them: NUL bytes, invalid UTF-8, huge and negative integers, 100 kB strings, wrong content types.
Then Hypothesis fills the forms' fields with arbitrary text (a few examples per form, so the
family stays well under two minutes).
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from tests.conftest import Portal
from tests.urlmap import Form, crashed, forms_in, routes, seed_small_demo, urls_for

QUERY_NAME = re.compile(r"[?&;]([a-z_]+)=")
# Values a careless user or an attacker sends; each is refused (400/422) or harmless.
NASTY = {
    "nul": "a\x00b",
    "huge": "9" * 30,
    "negative": "-99999999999",
    "long": "x" * 100_000,
}
REFUSED = ("nul", "long")  # refused at the door: they must save nothing
# Counted, not compared: every request may log security events or throttle.
UNCHECKED_TABLES = {"limiter_hits", "audit_entries"}
SKIP_ACTIONS = ("/logout", "/language")


def _fingerprint() -> dict:
    """What the database holds: row counts, and the rows themselves of the smaller tables."""
    out = {}
    for table in db.metadata.sorted_tables:
        if table.name in UNCHECKED_TABLES:
            continue
        count = db.session.scalar(sa.select(sa.func.count()).select_from(table))
        digest = None
        if count < 1000:
            rows = db.session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
            digest = hashlib.sha256(repr(rows).encode()).hexdigest()
        out[table.name] = (count, digest)
    db.session.rollback()
    return out


@pytest.fixture
def demo(app, monkeypatch):
    seed_small_demo(app, monkeypatch)


LINK = re.compile(r'(?:href|hx-get|action)="([^"?#]*)\?([^"#]*)"')


def _crawl(app, portal: Portal) -> tuple[dict[str, set[str]], list[Form]]:
    """The GET URLs with the query parameter names the pages use for them, and the pages' forms."""
    urls = {url: {"page", "q"} for rule in routes(app, "GET") for url in urls_for(rule)}
    by_path: dict[str, set[str]] = {}
    forms: list[Form] = []
    seen = set()
    for url in list(urls):
        resp = portal.get(url)
        if resp.status_code != 200 or "text/html" not in resp.content_type:
            continue
        html = resp.get_data(as_text=True).replace("&amp;", "&")
        for path, query in LINK.findall(html):
            by_path.setdefault(path or url, set()).update(QUERY_NAME.findall("?" + query))
        for form in forms_in(html, url):
            key = (form.action, form.method)
            if form.action.split("?")[0].endswith(SKIP_ACTIONS) or key in seen:
                continue
            seen.add(key)
            if form.method == "get":
                by_path.setdefault(form.action.split("?")[0], set()).update(
                    n for n, _k, _v in form.fields
                )
            forms.append(form)
    for url, names in urls.items():
        names |= by_path.get(url, set())
    return urls, forms


def _post(portal: Portal, token: str, form: Form, data: dict, htmx: bool = False):
    return portal.post(form.action, dict(data, csrf_token=token), htmx=htmx, csrf=False)


def test_nasty_values_in_every_query_parameter(app, demo):
    portal = Portal(app.test_client())
    portal.login("admin")
    urls, _forms = _crawl(app, portal)
    assert sum(len(n) for n in urls.values()) > 2 * len(urls)

    before = _fingerprint()
    for url, names in urls.items():
        # Refused at the door whatever the parameter: all of them at once.
        for value in (NASTY["nul"], NASTY["long"], b"\xff\xc0\xaf".decode("latin-1")):
            query = "&".join(f"{name}={quote(value, encoding='latin-1')}" for name in sorted(names))
            resp = portal.get(f"{url}?{query}")
            assert not crashed(url, resp.status_code), (url, value[:10], resp.status_code)
        # Numbers are read per parameter: one at a time.
        for name in sorted(names):
            for kind in ("huge", "negative"):
                resp = portal.get(f"{url}?{name}={NASTY[kind]}")
                assert not crashed(url, resp.status_code), (url, name, kind, resp.status_code)
    assert _fingerprint() == before, "a GET changed the database"


def test_nasty_values_in_every_form_field(app, demo):
    portal = Portal(app.test_client())
    portal.login("admin")
    _urls, forms = _crawl(app, portal)
    token = portal.token()
    before = _fingerprint()
    posts = [f for f in forms if f.method == "post"]
    assert len(posts) > 20
    for form in posts:
        fields = sorted({name for name, _kind, _v in form.fields if name != "csrf_token"})
        for kind in REFUSED:
            # An extra field too: a form without fields (a delete button) must not act either.
            nasty = dict.fromkeys([*fields, "extra"], NASTY[kind])
            resp = _post(portal, token, form, dict(form.values(), **nasty))
            assert resp.status_code in (400, 413), (form.action, kind, resp.status_code)
        for mimetype, body in (
            ("application/json", b'{"name": "x"}'),
            ("text/plain", b"\xff\xfe\x00"),
            ("multipart/form-data; boundary=zz", b"--zz\r\nbroken"),
        ):
            resp = portal.client.post(form.action, data=body, content_type=mimetype)
            assert resp.status_code in (400, 403, 404, 405, 413, 415, 422), (
                form.action,
                mimetype,
                resp.status_code,
            )
    assert _fingerprint() == before, "refused input changed the database"

    # Huge and negative numbers, field by field, where a number or a choice is expected (in a text
    # field they are text, which Hypothesis covers below).
    for form in posts:
        for field in sorted(
            {
                name
                for name, kind, _v in form.fields
                if name != "csrf_token" and name not in form.text_fields()
            }
        ):
            for kind in ("huge", "negative"):
                resp = _post(
                    portal, token, form, dict(form.values(), **{field: NASTY[kind]}), htmx=True
                )
                assert resp.status_code < 500, (form.action, field, kind, resp.status_code)


def _fuzz(portal: Portal, token: str, form: Form):
    """A Hypothesis test of one form: arbitrary text (NUL and all) in any of its text fields."""
    text = st.text(st.characters(codec="utf-8"), max_size=300)

    @settings(
        max_examples=4,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.fixed_dictionaries({}, optional=dict.fromkeys(form.text_fields(), text)))
    def check(values):
        resp = _post(portal, token, form, dict(form.values(), **values), htmx=True)
        assert resp.status_code < 500, (form.action, values, resp.status_code)

    return check


def test_arbitrary_text_in_form_fields_never_fails(app, demo):
    portal = Portal(app.test_client())
    portal.login("admin")
    _urls, forms = _crawl(app, portal)
    token = portal.token()
    posts = [f for f in forms if f.method == "post" and f.text_fields()]
    assert len(posts) > 10
    for form in posts:
        _fuzz(portal, token, form)()
