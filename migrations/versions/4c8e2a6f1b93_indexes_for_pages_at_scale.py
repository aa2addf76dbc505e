"""indexes for pages at scale: waiting SMS per interface, the customer search, start page lists

Found by bench/pages_at_scale.py (50,000 interfaces and customers, 200,000 SMS):
- "where used" counted an interface's waiting SMS by scanning the whole outbox (one interface
  sends nearly every SMS, so the interface's index selected every row): (interface_id, status)
  takes the place of the index on interface_id alone;
- the customer search read the rows in name order until a page matched: the list's order in
  full plus the search text lets it filter on the index (it replaces (last_name, first_name));
- the start page's newest failures and lowest credits sorted the whole table: two small partial
  indexes;
- the notification centre (and the employee's start page) sorted all of a user's notifications
  (unread first, newest first) for each page: an index in that order.

Revision ID: 4c8e2a6f1b93
Revises: 8d2f6b4a1c37
Create Date: 2026-12-03 19:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4c8e2a6f1b93'
down_revision = '8d2f6b4a1c37'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_notifications_user_centre', 'notifications',
                    ['user_id', 'channel', sa.text('(read_at IS NOT NULL)'),
                     sa.text('updated_at DESC'), sa.text('id DESC')], unique=False)
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.create_index('ix_sms_messages_interface_status', ['interface_id', 'status'],
                              unique=False)
        batch_op.drop_index('ix_sms_messages_interface_id')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.create_index('ix_customers_list',
                              ['last_name', 'first_name', 'id', 'search_text'], unique=False)
        batch_op.drop_index('ix_customers_last_first')
    with op.batch_alter_table('interfaces', schema=None) as batch_op:
        batch_op.create_index('ix_interfaces_failing_recent', ['last_error_at'], unique=False,
                              sqlite_where=sa.text('last_error IS NOT NULL'),
                              postgresql_where=sa.text('last_error IS NOT NULL'))
        batch_op.create_index('ix_interfaces_balance', ['group', 'balance_points'], unique=False,
                              sqlite_where=sa.text('balance_points IS NOT NULL'),
                              postgresql_where=sa.text('balance_points IS NOT NULL'))


def downgrade():
    op.drop_index('ix_notifications_user_centre', table_name='notifications')
    with op.batch_alter_table('interfaces', schema=None) as batch_op:
        batch_op.drop_index('ix_interfaces_balance')
        batch_op.drop_index('ix_interfaces_failing_recent')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.create_index('ix_customers_last_first', ['last_name', 'first_name'],
                              unique=False)
        batch_op.drop_index('ix_customers_list')
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.create_index('ix_sms_messages_interface_id', ['interface_id'], unique=False)
        batch_op.drop_index('ix_sms_messages_interface_status')
