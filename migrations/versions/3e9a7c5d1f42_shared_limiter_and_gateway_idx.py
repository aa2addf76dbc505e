"""one sliding-window limiter for log-in and reveal; a random gateway idx per SMS

`limiter_hits` replaces `login_attempts` (the reveal lock counted audit entries before; the
audit log stays the record, the limiter counts). `sms_messages.idx` is the gateway's own
message id: random per message, so two installations (a staging copy, a restored backup)
sharing one SMSAPI account never collide; existing rows keep their id as before.

Revision ID: 3e9a7c5d1f42
Revises: c7d8e9f0a1b2
Create Date: 2026-12-02 15:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3e9a7c5d1f42'
down_revision = 'c7d8e9f0a1b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('limiter_hits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_limiter_hits'))
    )
    with op.batch_alter_table('limiter_hits', schema=None) as batch_op:
        batch_op.create_index('ix_limiter_hits_key_at', ['key', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_limiter_hits_at'), ['at'], unique=False)

    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempts_username'))
        batch_op.drop_index(batch_op.f('ix_login_attempts_remote_addr'))
        batch_op.drop_index(batch_op.f('ix_login_attempts_attempted_at'))
    op.drop_table('login_attempts')

    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idx', sa.String(length=64), nullable=True))
    # Rows from before keep the idx they were (or will be) sent with: their id.
    op.execute("UPDATE sms_messages SET idx = CAST(id AS VARCHAR(64))")
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.alter_column('idx', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_sms_messages_idx'), ['idx'])


def downgrade():
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_sms_messages_idx'), type_='unique')
        batch_op.drop_column('idx')

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

    with op.batch_alter_table('limiter_hits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_limiter_hits_at'))
        batch_op.drop_index('ix_limiter_hits_key_at')
    op.drop_table('limiter_hits')
