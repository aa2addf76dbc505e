"""search can use the default sort index

Revision ID: 1eff696af358
Revises: 305bddf75eac
Create Date: 2026-11-22 03:25:44.031883

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1eff696af358'
down_revision = '305bddf75eac'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('interfaces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interfaces_group_name'))
        batch_op.create_index('ix_interfaces_group_name', ['group', 'name', 'search_text'], unique=False)



def downgrade():
    with op.batch_alter_table('interfaces', schema=None) as batch_op:
        batch_op.drop_index('ix_interfaces_group_name')
        batch_op.create_index(batch_op.f('ix_interfaces_group_name'), ['group', 'name'], unique=False)

