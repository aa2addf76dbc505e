"""chat messages: the reply-status and idempotency-key indexes leave synced messages out

A synced customer message has neither a status nor an idempotency key, yet each one added an
entry to both indexes (the idempotency key's as a unique constraint): two of the four index
writes per message the sync paid. Both become partial indexes (WHERE ... IS NOT NULL); the
worker's `status = ...` implies that, so its due-replies query still uses the index, and the
key stays unique.

Revision ID: 7a3c9e1b5d20
Revises: 3e1f5a9c7b24
Create Date: 2026-12-03 13:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a3c9e1b5d20'
down_revision = '3e1f5a9c7b24'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('chat_messages', schema=None) as batch_op:
        batch_op.drop_constraint('uq_chat_messages_idempotency_key', type_='unique')
        batch_op.drop_index('ix_chat_messages_reply_status')
        batch_op.create_index('ix_chat_messages_reply_status', ['status', 'next_attempt_at'],
                              unique=False, sqlite_where=sa.text('status IS NOT NULL'),
                              postgresql_where=sa.text('status IS NOT NULL'))
        batch_op.create_index('ix_chat_messages_idempotency_key', ['idempotency_key'],
                              unique=True, sqlite_where=sa.text('idempotency_key IS NOT NULL'),
                              postgresql_where=sa.text('idempotency_key IS NOT NULL'))


def downgrade():
    with op.batch_alter_table('chat_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_chat_messages_idempotency_key')
        batch_op.drop_index('ix_chat_messages_reply_status')
        batch_op.create_index('ix_chat_messages_reply_status', ['status', 'next_attempt_at'],
                              unique=False)
        batch_op.create_unique_constraint('uq_chat_messages_idempotency_key', ['idempotency_key'])
