"""history keeps the interface's type

A history entry names the interface's type, so a deleted interface's history still shows its
fields by their labels; an index by action and time lists the deleted interfaces.

Revision ID: 9a8b7c6d5e4f
Revises: 7c1d2e3f4a5b
Create Date: 2026-12-02 04:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '9a8b7c6d5e4f'
down_revision = '7c1d2e3f4a5b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('interface_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('type_key', sa.String(length=40), nullable=True))
        batch_op.create_index('ix_interface_events_action_at', ['action', 'at'], unique=False)
    # Entries of interfaces that still exist learn their type; deleted ones stay unknown (on
    # SQLite a deleted interface's id may have gone to a newer one: only entries from its
    # creation on are its own).
    op.execute("UPDATE interface_events SET type_key = (SELECT interfaces.type_key FROM interfaces "
               "WHERE interfaces.id = interface_events.interface_id "
               "AND interfaces.created_at <= interface_events.at)")


def downgrade():
    with op.batch_alter_table('interface_events', schema=None) as batch_op:
        batch_op.drop_index('ix_interface_events_action_at')
        batch_op.drop_column('type_key')
