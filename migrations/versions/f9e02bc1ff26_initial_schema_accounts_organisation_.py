"""initial schema: accounts, organisation, interfaces

Revision ID: f9e02bc1ff26
Revises: 
Create Date: 2026-11-22 03:10:02.596769

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f9e02bc1ff26'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # Trigram index for the interface search (a trusted extension: no superuser needed).
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table('branches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=10), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('street', sa.String(length=120), nullable=False),
    sa.Column('postcode', sa.String(length=12), nullable=False),
    sa.Column('city', sa.String(length=80), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_branches')),
    sa.UniqueConstraint('code', name=op.f('uq_branches_code')),
    sa.UniqueConstraint('number', name=op.f('uq_branches_number'))
    )
    op.create_table('chain',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('admins_may_view_passwords', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chain'))
    )
    op.create_table('login_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=False),
    sa.Column('attempted_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts'))
    )
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_attempts_attempted_at'), ['attempted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempts_remote_addr'), ['remote_addr'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempts_username'), ['username'], unique=False)

    op.create_table('workstations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_workstations_branch_id_branches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workstations')),
    sa.UniqueConstraint('name', name=op.f('uq_workstations_name'))
    )
    with op.batch_alter_table('workstations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workstations_branch_id'), ['branch_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('full_name', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('is_active_account', sa.Boolean(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=True),
    sa.Column('workstation_id', sa.Integer(), nullable=True),
    sa.Column('locale', sa.String(length=5), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_users_branch_id_branches')),
    sa.ForeignKeyConstraint(['workstation_id'], ['workstations.id'], name=op.f('fk_users_workstation_id_workstations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_users_workstation_id'), ['workstation_id'], unique=False)

    op.create_table('interface_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interface_id', sa.Integer(), nullable=False),
    sa.Column('interface_name', sa.String(length=120), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=120), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_interface_events_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interface_events'))
    )
    with op.batch_alter_table('interface_events', schema=None) as batch_op:
        batch_op.create_index('ix_interface_events_interface_at', ['interface_id', 'at'], unique=False)

    op.create_table('interfaces',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('type_key', sa.String(length=40), nullable=False),
    sa.Column('group', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=True),
    sa.Column('workstation_id', sa.Integer(), nullable=True),
    sa.Column('server_side', sa.Boolean(), nullable=False),
    sa.Column('client_side', sa.Boolean(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('protected', sa.Boolean(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('state', sa.JSON(), nullable=False),
    sa.Column('search_text', sa.String(length=400), nullable=False),
    sa.Column('branch_label', sa.String(length=140), nullable=False),
    sa.Column('workstation_label', sa.String(length=64), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('last_error_at', sa.DateTime(), nullable=True),
    sa.Column('last_check_at', sa.DateTime(), nullable=True),
    sa.Column('balance_points', sa.Numeric(precision=14, scale=4), nullable=True),
    sa.Column('balance_checked_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_interfaces_branch_id_branches')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_interfaces_created_by_id_users')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_interfaces_updated_by_id_users')),
    sa.ForeignKeyConstraint(['workstation_id'], ['workstations.id'], name=op.f('fk_interfaces_workstation_id_workstations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interfaces'))
    )
    with op.batch_alter_table('interfaces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interfaces_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index('ix_interfaces_branch_label_name', ['branch_label', 'name'], unique=False)
        batch_op.create_index('ix_interfaces_client_side_name', ['client_side', 'name'], unique=False)
        batch_op.create_index(batch_op.f('ix_interfaces_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_interfaces_group_name', ['group', 'name'], unique=False)
        batch_op.create_index(batch_op.f('ix_interfaces_name'), ['name'], unique=False)
        batch_op.create_index('ix_interfaces_search_trgm', ['search_text'], unique=False, postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'})
        batch_op.create_index('ix_interfaces_server_side_name', ['server_side', 'name'], unique=False)
        batch_op.create_index('ix_interfaces_start_date_name', ['start_date', 'name'], unique=False)
        batch_op.create_index(batch_op.f('ix_interfaces_type_key'), ['type_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_interfaces_workstation_id'), ['workstation_id'], unique=False)
        batch_op.create_index('ix_interfaces_workstation_label_name', ['workstation_label', 'name'], unique=False)

    op.create_table('interface_secrets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interface_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('value_encrypted', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['interface_id'], ['interfaces.id'], name=op.f('fk_interface_secrets_interface_id_interfaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interface_secrets')),
    sa.UniqueConstraint('interface_id', 'field', name='uq_interface_secrets_field')
    )
    with op.batch_alter_table('interface_secrets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interface_secrets_interface_id'), ['interface_id'], unique=False)



def downgrade():
    with op.batch_alter_table('interface_secrets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interface_secrets_interface_id'))

    op.drop_table('interface_secrets')
    with op.batch_alter_table('interfaces', schema=None) as batch_op:
        batch_op.drop_index('ix_interfaces_workstation_label_name')
        batch_op.drop_index(batch_op.f('ix_interfaces_workstation_id'))
        batch_op.drop_index(batch_op.f('ix_interfaces_type_key'))
        batch_op.drop_index('ix_interfaces_start_date_name')
        batch_op.drop_index('ix_interfaces_server_side_name')
        batch_op.drop_index('ix_interfaces_search_trgm', postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'})
        batch_op.drop_index(batch_op.f('ix_interfaces_name'))
        batch_op.drop_index('ix_interfaces_group_name')
        batch_op.drop_index(batch_op.f('ix_interfaces_created_at'))
        batch_op.drop_index('ix_interfaces_client_side_name')
        batch_op.drop_index('ix_interfaces_branch_label_name')
        batch_op.drop_index(batch_op.f('ix_interfaces_branch_id'))

    op.drop_table('interfaces')
    with op.batch_alter_table('interface_events', schema=None) as batch_op:
        batch_op.drop_index('ix_interface_events_interface_at')

    op.drop_table('interface_events')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_workstation_id'))
        batch_op.drop_index(batch_op.f('ix_users_branch_id'))

    op.drop_table('users')
    with op.batch_alter_table('workstations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workstations_branch_id'))

    op.drop_table('workstations')
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempts_username'))
        batch_op.drop_index(batch_op.f('ix_login_attempts_remote_addr'))
        batch_op.drop_index(batch_op.f('ix_login_attempts_attempted_at'))

    op.drop_table('login_attempts')
    op.drop_table('chain')
    op.drop_table('branches')
