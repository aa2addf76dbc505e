"""security audit log

Revision ID: 566e2528b8ac
Revises: f9e02bc1ff26
Create Date: 2026-11-22 03:13:28.412745

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '566e2528b8ac'
down_revision = 'f9e02bc1ff26'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=120), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('interface_id', sa.Integer(), nullable=True),
    sa.Column('interface_name', sa.String(length=120), nullable=True),
    sa.Column('field', sa.String(length=40), nullable=True),
    sa.Column('remote_addr', sa.String(length=64), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_entries_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entries_actor_action_at', ['actor_id', 'action', 'at'], unique=False)
        batch_op.create_index('ix_audit_entries_addr_at', ['remote_addr', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_at'), ['at'], unique=False)



def downgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entries_at'))
        batch_op.drop_index('ix_audit_entries_addr_at')
        batch_op.drop_index('ix_audit_entries_actor_action_at')

    op.drop_table('audit_entries')
