"""interface ids are never reused (SQLite)

The history of a deleted interface is kept under its id. SQLite hands the highest rowid out
again after a delete unless the table is AUTOINCREMENT, so the table is copied into one that is,
and its counter starts past every id the history has seen. PostgreSQL's sequence never reuses.

Revision ID: c7d8e9f0a1b2
Revises: b1c2d3e4f5a6
Create Date: 2026-12-02 05:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c7d8e9f0a1b2'
down_revision = 'b1c2d3e4f5a6'
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        return
    with op.batch_alter_table('interfaces', recreate='always',
                              table_kwargs={'sqlite_autoincrement': True}):
        pass
    seen = bind.exec_driver_sql(
        "SELECT max(coalesce((SELECT max(id) FROM interfaces), 0), "
        "coalesce((SELECT max(interface_id) FROM interface_events), 0))").scalar()
    op.execute("DELETE FROM sqlite_sequence WHERE name = 'interfaces'")
    op.execute(f"INSERT INTO sqlite_sequence (name, seq) VALUES ('interfaces', {int(seen)})")


def downgrade():
    if op.get_bind().dialect.name != 'sqlite':
        return
    with op.batch_alter_table('interfaces', recreate='always',
                              table_kwargs={'sqlite_autoincrement': False}):
        pass
