"""status board: last success, failing-first index, heartbeats, incidents, check runs

Revision ID: 5e1a7c3b9d24
Revises: e4a91c07d5b3
Create Date: 2026-12-02 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1a7c3b9d24'
down_revision = 'e4a91c07d5b3'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no table copy): on SQLite a copy would drop AUTOINCREMENT.
    op.add_column('interfaces', sa.Column('last_success_at', sa.DateTime(), nullable=True))
    op.create_index('ix_interfaces_failing_first', 'interfaces',
                    [sa.text('(last_error IS NULL)'), 'group', 'name', 'id'], unique=False)
    op.create_index('ix_interfaces_group_failing_first', 'interfaces',
                    ['group', sa.text('(last_error IS NULL)'), 'name', 'id'], unique=False)
    op.create_index('ix_sms_messages_interface_created', 'sms_messages',
                    ['interface_id', 'created_at'], unique=False)
    op.create_table(
        'worker_heartbeats',
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('beat_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_worker_heartbeats')),
    )
    op.create_index(op.f('ix_worker_heartbeats_beat_at'), 'worker_heartbeats', ['beat_at'], unique=False)
    op.create_table(
        'status_incidents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('interface_id', sa.Integer(), nullable=False),
        sa.Column('interface_name', sa.String(length=120), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('message', sa.String(length=500), nullable=False),
        sa.Column('opened_at', sa.DateTime(), nullable=False),
        sa.Column('resolved_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_status_incidents')),
    )
    op.create_index(op.f('ix_status_incidents_interface_id'), 'status_incidents', ['interface_id'],
                    unique=False)
    op.create_index('ix_status_incidents_open', 'status_incidents',
                    ['resolved_at', 'interface_id', 'kind'], unique=False)
    op.create_table(
        'status_check_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('started_by_id', sa.Integer(), nullable=True),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('failed', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['started_by_id'], ['users.id'],
                                name=op.f('fk_status_check_runs_started_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_status_check_runs')),
    )


def downgrade():
    op.drop_table('status_check_runs')
    op.drop_index('ix_status_incidents_open', table_name='status_incidents')
    op.drop_index(op.f('ix_status_incidents_interface_id'), table_name='status_incidents')
    op.drop_table('status_incidents')
    op.drop_index(op.f('ix_worker_heartbeats_beat_at'), table_name='worker_heartbeats')
    op.drop_table('worker_heartbeats')
    op.drop_index('ix_sms_messages_interface_created', table_name='sms_messages')
    op.drop_index('ix_interfaces_group_failing_first', table_name='interfaces')
    op.drop_index('ix_interfaces_failing_first', table_name='interfaces')
    with op.batch_alter_table('interfaces', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('last_success_at')
