"""default list order fully indexed

The default order is (group, name, id): with id in the index neither SQLite (temporary B-tree)
nor PostgreSQL (incremental sort) sorts anything, and a search in that order filters on the
index alone (PostgreSQL: index-only scan) before it reads the 50 rows it shows.

Revision ID: 7c1d2e3f4a5b
Revises: 4b305de19647
Create Date: 2026-12-02 02:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '7c1d2e3f4a5b'
down_revision = '4b305de19647'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('interfaces', schema=None) as batch_op:
        batch_op.drop_index('ix_interfaces_group_name')
        batch_op.create_index('ix_interfaces_group_name_id', ['group', 'name', 'id', 'search_text'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('interfaces', schema=None) as batch_op:
        batch_op.drop_index('ix_interfaces_group_name_id')
        batch_op.create_index('ix_interfaces_group_name', ['group', 'name', 'search_text'], unique=False)
