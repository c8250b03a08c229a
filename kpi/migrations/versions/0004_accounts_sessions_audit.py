"""accounts, sessions, sign-in attempts and the audit log

Revision ID: 0004
Revises: 0007
The tables of access.md: accounts and their units, server-side sessions, sign-in attempts
(lock-out) and the append-only audit log.

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


SEQUENCES = ['accounts_id_seq', 'audit_log_id_seq', 'sign_in_attempts_id_seq']

# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _id(name: str) -> sa.Column:
    return sa.Column('id', sa.Integer(), server_default=sa.text(f"nextval('{name}_id_seq')"),
                     nullable=False)


TABLES = ['accounts', 'account_units', 'sessions', 'sign_in_attempts', 'audit_log']


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if all(inspector.has_table(t) for t in TABLES):
        return  # a database adopted at the baseline that was created with these tables
    for name in SEQUENCES:
        op.execute(sa.schema.CreateSequence(sa.Sequence(name)))
    op.create_table('accounts',
    _id('accounts'),
    sa.Column('username', sa.Text(), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('password_changed_at', sa.DateTime(), nullable=False),
    sa.Column('last_sign_in_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('account_units',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('account_id', 'unit_id')
    )
    op.create_table('sessions',
    sa.Column('token_hash', sa.Text(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('end_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('token_hash')
    )
    op.create_index('ix_sessions_account', 'sessions', ['account_id'], unique=False)
    op.create_table('sign_in_attempts',
    _id('sign_in_attempts'),
    sa.Column('username', sa.Text(), nullable=False),
    sa.Column('attempted_at', sa.DateTime(), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_sign_in_attempts_name', 'sign_in_attempts', ['username', 'attempted_at'], unique=False)
    op.create_table('audit_log',
    _id('audit_log'),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('details', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_audit_log_at', 'audit_log', ['occurred_at'], unique=False)
    op.create_index('ix_audit_log_unit', 'audit_log', ['unit_id', 'occurred_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_log_unit', table_name='audit_log')
    op.drop_index('ix_audit_log_at', table_name='audit_log')
    op.drop_table('audit_log')
    op.drop_index('ix_sign_in_attempts_name', table_name='sign_in_attempts')
    op.drop_table('sign_in_attempts')
    op.drop_index('ix_sessions_account', table_name='sessions')
    op.drop_table('sessions')
    op.drop_table('account_units')
    op.drop_table('accounts')
    for name in SEQUENCES:
        op.execute(sa.schema.DropSequence(sa.Sequence(name)))
