"""list columns in the default order's index (PostgreSQL)

On PostgreSQL the default order's index carries the list's other columns (INCLUDE), so the first
page and a search read their rows from the index alone instead of one heap page per row
(first page 0.27 -> 0.06 ms). SQLite has no INCLUDE: there the index stays as it was.

Revision ID: b1c2d3e4f5a6
Revises: 9a8b7c6d5e4f
Create Date: 2026-12-02 04:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b1c2d3e4f5a6'
down_revision = '9a8b7c6d5e4f'
branch_labels = None
depends_on = None

INCLUDE = ['type_key', 'branch_label', 'workstation_label', 'server_side', 'client_side',
           'start_date', 'protected', 'last_error']


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index('ix_interfaces_group_name_id', table_name='interfaces')
    op.create_index('ix_interfaces_group_name_id', 'interfaces', ['group', 'name', 'id', 'search_text'],
                    unique=False, postgresql_include=INCLUDE)


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index('ix_interfaces_group_name_id', table_name='interfaces')
    op.create_index('ix_interfaces_group_name_id', 'interfaces', ['group', 'name', 'id', 'search_text'],
                    unique=False)
