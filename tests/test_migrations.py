"""The schema comes only from migrations, and the models agree with them."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db


def test_models_and_migrations_agree(app):
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, db.metadata)
    # alembic_version is the migration tool's own table.
    diff = [d for d in diff if not (d[0] == "remove_table" and d[1].name == "alembic_version")]
    assert diff == []


def test_schema_has_every_model_table(app):
    from sqlalchemy import inspect

    tables = set(inspect(db.engine).get_table_names())
    assert {t.name for t in db.metadata.sorted_tables} <= tables


def test_interface_ids_migration_keeps_every_row_and_what_refers_to_it(tmp_path):
    """SQLite: the interfaces table is copied into an AUTOINCREMENT one. Secrets (ON DELETE
    CASCADE) and outbox rows (SET NULL) that refer to interfaces must survive the copy, and the
    counter starts past every id the history has seen."""
    import os

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app
    from tests.conftest import make_config

    migrations = os.path.join(os.path.dirname(__file__), "..", "migrations")
    app = create_app(make_config(f"sqlite:///{tmp_path / 'old.db'}"))
    with app.app_context():
        upgrade(directory=migrations, revision="b1c2d3e4f5a6")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    'INSERT INTO interfaces (id, type_key, "group", name, server_side, client_side, '
                    "protected, settings, state, search_text, branch_label, workstation_label, created_at) "
                    "VALUES (5, 'smsapi', 'SMS', 'Alt', 1, 0, 0, '{}', '{}', 'alt', '', '', '2026-01-01')"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO interface_secrets (interface_id, field, value_encrypted, "
                    "updated_at) VALUES (5, 'token', 'gAAAA-cipher', '2026-01-01')"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO interface_events (interface_id, interface_name, at, "
                    "actor_name, action, ok, changes, message) VALUES "
                    "(9, 'Geloescht', '2026-01-02', '', 'deleted', 1, '[]', '')"
                )
            )
            outbox_columns = {c["name"] for c in sa.inspect(conn).get_columns("sms_messages")}
            assert "interface_id" in outbox_columns
        upgrade(directory=migrations)
        with db.engine.begin() as conn:
            ddl = conn.scalar(sa.text("SELECT sql FROM sqlite_master WHERE name = 'interfaces'"))
            assert "AUTOINCREMENT" in ddl
            assert (
                conn.scalar(sa.text("SELECT field FROM interface_secrets WHERE interface_id = 5"))
                == "token"
            )
            assert conn.scalar(sa.text("PRAGMA foreign_keys")) == 1
            assert conn.execute(sa.text("PRAGMA foreign_key_check")).fetchall() == []
            indexes = {row[1] for row in conn.execute(sa.text("PRAGMA index_list('interfaces')"))}
            assert "ix_interfaces_group_name_id" in indexes
            conn.execute(
                sa.text(
                    'INSERT INTO interfaces (type_key, "group", name, server_side, client_side, '
                    "protected, settings, state, search_text, branch_label, workstation_label, created_at) "
                    "VALUES ('smsapi', 'SMS', 'Neu', 1, 0, 0, '{}', '{}', 'neu', '', '', '2026-02-01')"
                )
            )
            assert conn.scalar(sa.text("SELECT id FROM interfaces WHERE name = 'Neu'")) == 10
        db.engine.dispose()


def test_incidents_migration_keeps_one_open_incident_per_interface_and_kind(tmp_path):
    """Duplicates opened before the unique index (two workers at once) are resolved, the oldest
    open one of each interface and kind stays open, and a second open one is refused after."""
    import os

    import pytest
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app
    from tests.conftest import make_config

    migrations = os.path.join(os.path.dirname(__file__), "..", "migrations")
    app = create_app(make_config(f"sqlite:///{tmp_path / 'old.db'}"))
    insert = sa.text(
        "INSERT INTO status_incidents (id, interface_id, interface_name, kind, message, "
        "opened_at, resolved_at) VALUES (:id, :interface, 'SMS', :kind, '', :opened, :resolved)"
    )
    rows = [
        (1, 7, "check", "2026-01-01 10:00:00", None),
        (2, 7, "check", "2026-01-01 10:00:01", None),  # the duplicate
        (3, 7, "balance", "2026-01-01 10:00:02", None),
        (4, 8, "check", "2026-01-01 09:00:00", "2026-01-01 09:30:00"),
        (5, 8, "check", "2026-01-01 11:00:00", None),
    ]
    with app.app_context():
        upgrade(directory=migrations, revision="7a3c9e1b5d20")
        with db.engine.begin() as conn:
            for id_, interface, kind, opened, resolved in rows:
                conn.execute(
                    insert,
                    dict(id=id_, interface=interface, kind=kind, opened=opened, resolved=resolved),
                )
        upgrade(directory=migrations)
        with db.engine.begin() as conn:
            still_open = conn.scalars(
                sa.text("SELECT id FROM status_incidents WHERE resolved_at IS NULL ORDER BY id")
            ).all()
            assert still_open == [1, 3, 5]
            assert conn.scalar(sa.text("SELECT resolved_at FROM status_incidents WHERE id = 2"))
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(
                insert, dict(id=6, interface=7, kind="check", opened="2026-01-02", resolved=None)
            )
        db.engine.dispose()
