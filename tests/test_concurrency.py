"""Issue 13, finding 7: parallel guesses cannot get past the limits (threads against a real server).

PostgreSQL only: SQLite runs one writer at a time anyway, and production runs on PostgreSQL.
The accounts use the production password hash, so each check takes as long as it does there
(the window in which parallel requests could all pass an unlocked check).
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import sqlalchemy as sa
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from app.extensions import db
from app.models import AuditEntry, Chain, User
from app.models.user import Role
from tests.factories import make_interface

TOKEN_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken": "([^"]+)"')
PRODUCTION_HASH = "scrypt:32768:8:1"


@pytest.fixture
def server(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrency tests run on PostgreSQL")
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    thread.join(5)


def _user(username: str, role: str) -> User:
    user = User(
        username=username,
        role=role,
        password_hash=generate_password_hash("correct-horse-1", method=PRODUCTION_HASH),
    )
    db.session.add(user)
    db.session.commit()
    return user


def _token(session: requests.Session, url: str) -> str:
    match = TOKEN_RE.search(session.get(url, timeout=10).text)
    return match.group(1) or match.group(2)


def _in_parallel(n: int, call) -> list[int]:
    """Run `call` n times at once (all released together); the status codes."""
    barrier = threading.Barrier(n)

    def one(_):
        barrier.wait(10)
        return call().status_code

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def test_forty_parallel_wrong_log_ins_count_exactly_five(app, server):
    _user("anna", Role.ADMIN.value)
    browser = requests.Session()
    token = _token(browser, f"{server}/login")
    cookies = browser.cookies.get_dict()
    codes = _in_parallel(
        40,
        lambda: requests.post(
            f"{server}/login",
            data={"username": "anna", "password": "wrong", "csrf_token": token},
            cookies=cookies,
            allow_redirects=False,
            timeout=60,
        ),
    )
    assert sorted(set(codes)) == [422, 429]
    assert codes.count(422) == app.config["LOGIN_MAX_FAILURES"]  # checked 5 times, then blocked


def test_thirty_parallel_wrong_reveal_passwords_count_exactly_five(app, server):
    from app.services import reveal

    Chain.get_or_create().admins_may_view_passwords = True
    admin = _user("root", Role.ADMIN.value)
    interface = make_interface(
        secrets={"token": "s3cr3t-value"}, settings={"auth_mode": "token", "service": "smsapi_pl"}
    )
    db.session.commit()
    browser = requests.Session()
    token = _token(browser, f"{server}/login")
    assert (
        browser.post(
            f"{server}/login",
            data={"username": "root", "password": "correct-horse-1", "csrf_token": token},
            allow_redirects=False,
            timeout=30,
        ).status_code
        == 302
    )
    token = _token(browser, f"{server}/")
    cookies = browser.cookies.get_dict()
    url = f"{server}/interfaces/{interface.id}/secrets/token/reveal"
    codes = _in_parallel(
        30,
        lambda: requests.post(
            url,
            data={"password": "wrong", "csrf_token": token},
            cookies=cookies,
            headers={"HX-Request": "true"},
            timeout=60,
        ),
    )
    assert set(codes) <= {422, 429}
    failed = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.actor_id == admin.id, AuditEntry.action == "reveal_failed")
    )
    assert (
        failed == reveal.MAX_FAILURES
    )  # five passwords checked, every other attempt refused unchecked
