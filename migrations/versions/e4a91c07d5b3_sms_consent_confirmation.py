"""an SMS to a customer without consent keeps the sender's explicit confirmation

And an index for "the same SMS to the same number a few minutes ago?".

Revision ID: e4a91c07d5b3
Revises: e5a91c3d7b24
Create Date: 2026-12-02 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4a91c07d5b3'
down_revision = 'e5a91c3d7b24'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sms_messages') as batch_op:
        batch_op.add_column(sa.Column('consent_confirmed', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    op.create_index('ix_sms_messages_number_created', 'sms_messages', ['to_number', 'created_at'])


def downgrade():
    op.drop_index('ix_sms_messages_number_created', table_name='sms_messages')
    with op.batch_alter_table('sms_messages') as batch_op:
        batch_op.drop_column('consent_confirmed')
