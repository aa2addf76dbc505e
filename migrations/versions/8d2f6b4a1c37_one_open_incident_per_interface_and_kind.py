"""status incidents: at most one open incident per interface and kind

Two workers sweeping at once (or a worker and "Verbindung prüfen") could both find no open
incident for a failing interface and both open one: two incidents on the board, two alerts to
every admin. A unique partial index makes the second opening a no-op. Duplicates already stored
are resolved first (the oldest open one of each interface and kind stays open).

Revision ID: 8d2f6b4a1c37
Revises: 7a3c9e1b5d20
Create Date: 2026-12-03 18:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8d2f6b4a1c37'
down_revision = '7a3c9e1b5d20'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "UPDATE status_incidents SET resolved_at = opened_at "
        "WHERE resolved_at IS NULL AND EXISTS ("
        "SELECT 1 FROM status_incidents AS older WHERE older.resolved_at IS NULL "
        "AND older.interface_id = status_incidents.interface_id "
        "AND older.kind = status_incidents.kind AND older.id < status_incidents.id)"
    )
    with op.batch_alter_table('status_incidents', schema=None) as batch_op:
        batch_op.create_index('uq_status_incidents_open', ['interface_id', 'kind'],
                              unique=True, sqlite_where=sa.text('resolved_at IS NULL'),
                              postgresql_where=sa.text('resolved_at IS NULL'))


def downgrade():
    with op.batch_alter_table('status_incidents', schema=None) as batch_op:
        batch_op.drop_index('uq_status_incidents_open')
