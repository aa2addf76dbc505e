"""How requests use the database: safe requests read without a transaction and never write;
a pooled connection lost while idle is replaced before a request uses it."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from app.blueprints.auth.decorators import public
from app.db import WriteInSafeRequest
from app.extensions import csrf, db
from app.models import Branch

APPLICATION_NAME = "portal-ping-test"


def _is_postgresql(url: str) -> bool:
    return url.startswith("postgresql")


@pytest.fixture
def app_config(app_config, request):
    if _is_postgresql(app_config.SQLALCHEMY_DATABASE_URI):
        app_config.SQLALCHEMY_ENGINE_OPTIONS = {
            "connect_args": {"application_name": APPLICATION_NAME}
        }
    marker = request.node.get_closest_marker("ping_after_idle")
    if marker:
        app_config.DATABASE_PING_AFTER_IDLE = marker.args[0]
    return app_config


def _add_route(app, rule: str, view, methods=("GET", "POST")) -> None:
    """A test-only view open to anyone, without CSRF (it is not what these tests are about)."""
    app.add_url_rule(
        rule, endpoint=rule, view_func=csrf.exempt(public(view)), methods=list(methods)
    )


def test_a_safe_request_that_tries_to_write_fails_and_saves_nothing(app, client):
    def add_branch():
        db.session.add(
            Branch(
                number="77",
                code="F77",
                name="Neu",
                street="Weg 1",
                postcode="70173",
                city="Stuttgart",
                country="DE",
            )
        )
        db.session.commit()
        return "saved"

    def update_branches():
        db.session.execute(sa.update(Branch).values(name="Geändert"))
        db.session.commit()
        return "saved"

    _add_route(app, "/_test/add", add_branch)
    _add_route(app, "/_test/update", update_branches)

    with pytest.raises(WriteInSafeRequest, match="GET /_test/add must not change data"):
        client.get("/_test/add")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Branch)) == 0

    assert client.post("/_test/add").get_data(as_text=True) == "saved"
    assert db.session.scalar(sa.select(Branch.name)) == "Neu"

    with pytest.raises(WriteInSafeRequest, match="GET /_test/update"):
        client.get("/_test/update")
    assert db.session.scalar(sa.select(Branch.name)) == "Neu"
    client.post("/_test/update")
    assert db.session.scalar(sa.select(Branch.name)) == "Geändert"


def test_an_unsafe_request_is_one_transaction(app, client):
    """A POST that fails half-way leaves nothing behind."""

    def add_then_fail():
        db.session.add(
            Branch(
                number="78",
                code="F78",
                name="Halb",
                street="Weg 1",
                postcode="70173",
                city="Stuttgart",
                country="DE",
            )
        )
        db.session.flush()
        raise RuntimeError("fails after the first write")

    _add_route(app, "/_test/half", add_then_fail)
    with pytest.raises(RuntimeError):
        client.post("/_test/half")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Branch)) == 0


def test_safe_requests_read_without_a_transaction_and_others_in_one(app, client, database_url):
    if not _is_postgresql(database_url):
        pytest.skip("SQLite's driver opens no transaction for reads in any case")

    def same_transaction():
        # Within one transaction the second statement's transaction started earlier than it;
        # outside one, every statement is its own transaction.
        db.session.execute(sa.text("SELECT 1"))
        time.sleep(0.01)
        return str(
            db.session.scalar(sa.text("SELECT transaction_timestamp() < statement_timestamp()"))
        )

    _add_route(app, "/_test/tx", same_transaction)
    assert client.get("/_test/tx").get_data(as_text=True) == "False"
    assert client.post("/_test/tx").get_data(as_text=True) == "True"


def test_postgresql_plans_each_statement_for_its_values(app, client, database_url):
    """A list search's best plan depends on its terms; a generic plan, which psycopg's
    server-side prepared statements get after five runs, would always take the trigram index."""
    if not _is_postgresql(database_url):
        pytest.skip("SQLite plans every statement anew")
    _add_route(app, "/_test/plan", lambda: db.session.scalar(sa.text("SHOW plan_cache_mode")))
    for _ in range(
        3
    ):  # the setting survives the pool's rollback on return, in both kinds of request
        assert client.get("/_test/plan").get_data(as_text=True) == "force_custom_plan"
        assert client.post("/_test/plan").get_data(as_text=True) == "force_custom_plan"


def _terminate_portal_connections(database_url: str) -> int:
    engine = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        killed = conn.scalar(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = :name"
            ),
            {"name": APPLICATION_NAME},
        )
    engine.dispose()
    return killed


def _lose_the_pooled_connection(portal, database_url: str) -> None:
    """Serve a page (its connection goes back to the pool), then kill that connection."""
    if not _is_postgresql(database_url):
        pytest.skip("an embedded SQLite file has no connection to lose")
    portal.login("admin")
    assert portal.get("/interfaces/").status_code == 200
    assert _terminate_portal_connections(database_url) >= 1


@pytest.mark.ping_after_idle(0)
def test_a_connection_lost_while_idle_is_replaced_before_a_request_uses_it(portal, database_url):
    _lose_the_pooled_connection(portal, database_url)
    assert portal.get("/interfaces/").status_code == 200


@pytest.mark.ping_after_idle(3600)
def test_without_the_idle_check_a_lost_connection_fails_the_request(portal, database_url):
    """The counter-proof: what the idle check above prevents."""
    _lose_the_pooled_connection(portal, database_url)
    with pytest.raises(sa.exc.OperationalError):
        portal.get("/interfaces/")


def test_production_keeps_statement_parameters_out_of_errors_and_logs(tmp_path):
    """A failed INSERT would put phone numbers, SMS texts or identification codes in the log."""
    from cryptography.fernet import Fernet

    from app import create_app
    from app.config import Config

    class Production(Config):
        SECRET_KEY = "x" * 64
        FERNET_KEYS = [Fernet.generate_key().decode()]
        DATABASE_URL = SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path}/portal.db"
        TESTING = True  # leaves the shared "app" logger alone (pytest's caplog needs it)

    production = create_app(Production)
    with production.app_context():
        with pytest.raises(sa.exc.OperationalError) as failed:
            db.session.execute(
                sa.text("INSERT INTO missing_table (code) VALUES (:code)"), {"code": "K-4711-1234"}
            )
        db.session.rollback()
    assert "missing_table" in str(failed.value) and "K-4711-1234" not in str(failed.value)
