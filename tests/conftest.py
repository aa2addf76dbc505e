"""Fixtures in flaskr's shape: app, client, runner, auth; a migrated database per test session."""

from __future__ import annotations

import contextvars
import os
import re

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade

from app import create_app
from app.config import TestConfig, _database_url
from app.extensions import db
from tests import factories

pytest_plugins = ["tests.sim_fixtures"]

CSRF_RE = re.compile(r'"X-CSRFToken": "([^"]+)"|name="csrf_token"[^>]*value="([^"]+)"')


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "ping_after_idle(seconds): DATABASE_PING_AFTER_IDLE for the test's app"
    )
    # A thread that dies in a test (a worker, a sync, a check run) fails the test: otherwise
    # the test may pass on what the other threads did.
    config.addinivalue_line("filterwarnings", "error::pytest.PytestUnhandledThreadExceptionWarning")


def _database_url_for_worker(tmp_path_factory, worker_id: str) -> str:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal-test.db'}"
    url = sa.engine.make_url(_database_url(base))
    if worker_id in ("master", ""):
        return url.render_as_string(hide_password=False)
    # Parallel workers get a database each, created next to the one named.
    name = f"{url.database}_{worker_id}"
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing():
    """Still scrypt, with a smaller work factor: tests log in hundreds of times."""
    from app.models import user

    production = user.PASSWORD_METHOD
    user.PASSWORD_METHOD = "scrypt:1024:8:1"
    yield
    user.PASSWORD_METHOD = production


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, request) -> str:
    worker_id = getattr(request.config, "workerinput", {}).get("workerid", "master")
    return _database_url_for_worker(tmp_path_factory, worker_id)


def make_config(database_url: str, **overrides) -> TestConfig:
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = database_url
    for key, value in overrides.items():
        setattr(config, key, value)
    return config


@pytest.fixture(scope="session")
def migrated(database_url):
    """The schema, built only by the migrations."""
    app = create_app(make_config(database_url))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        upgrade(directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
        db.engine.dispose()
    return database_url


def _clear(database_url: str) -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
                )
            )
    else:
        with db.engine.begin() as conn:
            for table in tables:
                conn.execute(sa.text(f'DELETE FROM "{table}"'))
            conn.execute(sa.text("DELETE FROM sqlite_sequence"))  # ids restart, as on PostgreSQL


@pytest.fixture
def app_config(migrated):
    """Settings for this test's app; tests may change them before `app` is built."""
    return make_config(migrated)


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production, not in the test's one.

    The test's pending changes are committed first (the request must see them) and its
    objects are expired afterwards (so the test reads what the request wrote).
    """

    def open(self, *args, **kwargs):
        db.session.commit()
        try:
            return contextvars.Context().run(super().open, *args, **kwargs)
        finally:
            db.session.expire_all()


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        _clear(app_config.SQLALCHEMY_DATABASE_URI)
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in page"
    return match.group(1) or match.group(2)


class Portal:
    """A logged-in (or anonymous) browser stand-in that sends CSRF tokens like the pages do."""

    def __init__(self, client):
        self.client = client
        self.user = None

    def token(self) -> str:
        resp = self.client.get("/login" if self.user is None else "/")
        return csrf_token_from(resp.get_data(as_text=True))

    def login(
        self, role: str = "admin", username: str | None = None, password: str = "correct-horse-1"
    ):
        username = username or f"{role}-user"
        user = db.session.scalar(
            sa.select(factories.User).where(factories.User.username == username)
        )
        if user is None:
            user = factories.make_user(role=role, username=username, password=password)
            db.session.commit()
        token = csrf_token_from(self.client.get("/login").get_data(as_text=True))
        resp = self.client.post(
            "/login", data={"username": username, "password": password, "csrf_token": token}
        )
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        self.user = user
        return user

    def logout(self):
        self.client.post("/logout", data={"csrf_token": self.token()})
        self.user = None

    def get(self, url: str, htmx: bool = False, **kw):
        headers = kw.pop("headers", {})
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.get(url, headers=headers, **kw)

    def post(self, url: str, data: dict | None = None, htmx: bool = False, csrf: bool = True, **kw):
        data = dict(data or {})
        headers = kw.pop("headers", {})
        if csrf:
            data.setdefault("csrf_token", self.token())
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.post(url, data=data, headers=headers, **kw)


@pytest.fixture
def portal(client):
    return Portal(client)


@pytest.fixture
def auth(portal):
    """flaskr's AuthActions: auth.login(role="admin")."""
    return portal
