"""appointments, types and statuses

Revision ID: 4b305de19647
Revises: 1eff696af358
Create Date: 2026-11-22 03:27:56.273320

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4b305de19647'
down_revision = '1eff696af358'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('appointment_statuses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_statuses')),
    sa.UniqueConstraint('name', name=op.f('uq_appointment_statuses_name'))
    )
    op.create_table('appointment_types',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('allows_auto_notification', sa.Boolean(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_types')),
    sa.UniqueConstraint('name', name=op.f('uq_appointment_types_name'))
    )
    op.create_table('appointments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('type_id', sa.Integer(), nullable=False),
    sa.Column('status_id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('is_group', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('reminder_message_id', sa.Integer(), nullable=True),
    sa.Column('reminder_skip_reason', sa.String(length=40), nullable=True),
    sa.Column('reminder_checked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_appointments_branch_id_branches')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_appointments_customer_id_customers')),
    sa.ForeignKeyConstraint(['reminder_message_id'], ['sms_messages.id'], name=op.f('fk_appointments_reminder_message_id_sms_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['status_id'], ['appointment_statuses.id'], name=op.f('fk_appointments_status_id_appointment_statuses')),
    sa.ForeignKeyConstraint(['type_id'], ['appointment_types.id'], name=op.f('fk_appointments_type_id_appointment_types')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments'))
    )
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.create_index('ix_appointments_customer_starts', ['customer_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_appointments_starts_at_branch', ['starts_at', 'branch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointments_status_id'), ['status_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointments_type_id'), ['type_id'], unique=False)

    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('appointment_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_sms_messages_appointment_id'), ['appointment_id'])



def downgrade():
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_sms_messages_appointment_id'), type_='unique')
        batch_op.drop_column('appointment_id')

    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointments_type_id'))
        batch_op.drop_index(batch_op.f('ix_appointments_status_id'))
        batch_op.drop_index('ix_appointments_starts_at_branch')
        batch_op.drop_index('ix_appointments_customer_starts')

    op.drop_table('appointments')
    op.drop_table('appointment_types')
    op.drop_table('appointment_statuses')
