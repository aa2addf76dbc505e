"""SiNNO-App customer activation: registration state, idempotency key, consent note

Revision ID: e5a91c3d7b24
Revises: c7d8e9f0a1b2
Create Date: 2026-12-02 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5a91c3d7b24'
down_revision = 'c7d8e9f0a1b2'
branch_labels = None
depends_on = None

def columns():
    return (
        sa.Column('sinno_interface_id', sa.Integer(), nullable=True),
        sa.Column('sinno_activation_key', sa.String(length=36), nullable=True),
        sa.Column('sinno_attempts', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('sinno_next_attempt_at', sa.DateTime(), nullable=True),
        sa.Column('sinno_error', sa.String(length=500), nullable=True),
        sa.Column('sinno_requested_at', sa.DateTime(), nullable=True),
        sa.Column('sinno_checked_at', sa.DateTime(), nullable=True),
        sa.Column('sinno_active_at', sa.DateTime(), nullable=True),
        sa.Column('sinno_consent_at', sa.DateTime(), nullable=True),
    )


def upgrade():
    for column in columns():
        op.add_column('customers', column)
    op.create_index('ix_customers_sinno_status', 'customers', ['sinno_status'], unique=False)
    op.create_index('ix_customers_sinno_customer_id', 'customers', ['sinno_customer_id'],
                    unique=False)


def downgrade():
    op.drop_index('ix_customers_sinno_customer_id', table_name='customers')
    op.drop_index('ix_customers_sinno_status', table_name='customers')
    with op.batch_alter_table('customers') as batch:
        for column in reversed(columns()):
            batch.drop_column(column.name)
