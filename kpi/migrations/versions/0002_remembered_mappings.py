"""remembered mappings; secondary fact indexes on PostgreSQL only

Revision ID: 0002
Revises: 0001
- column_mappings: a column staff mapped by hand on the upload page, remembered for files of
  the same header row of that unit; value_mappings: a status or channel word mapped by hand,
  remembered for that unit (exports.md).
- DuckDB never uses the fact tables' secondary indexes (it prunes with zone maps) but
  maintains them on every insert and writes them at every checkpoint (bench/RESULTS.md): they
  now exist on PostgreSQL only, so they are dropped from DuckDB files made before.

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SEQUENCES = ['column_mappings_id_seq', 'value_mappings_id_seq']
# index -> (table, columns): created by 0001 on both engines, PostgreSQL-only from here on.
POSTGRES_ONLY_INDEXES = {
    'ix_dossiers_batch': ('dossiers', ['batch_id']),
    'ix_dossiers_received': ('dossiers', ['unit_id', 'received_at']),
    'ix_ratings_batch': ('ratings', ['batch_id']),
    'ix_procedures_batch': ('procedures', ['batch_id']),
    'ix_feedback_batch': ('feedback', ['batch_id']),
    'ix_summaries_batch': ('summaries', ['batch_id']),
}


def _is_duckdb() -> bool:
    return op.get_bind().dialect.name == 'duckdb'


def upgrade() -> None:
    # A database adopted without a version table (kpi.db.init_db stamps it at 0001) may have
    # been created with these tables already.
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name in SEQUENCES:
        op.execute(sa.schema.CreateSequence(sa.Sequence(name), if_not_exists=True))
    if 'column_mappings' not in existing:
        _create_column_mappings()
    if 'value_mappings' not in existing:
        _create_value_mappings()
    if _is_duckdb():
        for name in POSTGRES_ONLY_INDEXES:
            op.execute(f'DROP INDEX IF EXISTS {name}')


def _create_column_mappings() -> None:
    op.create_table('column_mappings',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('column_mappings_id_seq')"), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('header_signature', sa.Text(), nullable=False),
    sa.Column('header', sa.Text(), nullable=False),
    sa.Column('canonical', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('unit_id', 'kind', 'header_signature', 'header', name='uq_column_mappings')
    )


def _create_value_mappings() -> None:
    op.create_table('value_mappings',
    sa.Column('id', sa.Integer(), server_default=sa.text("nextval('value_mappings_id_seq')"), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('column_name', sa.Text(), nullable=False),
    sa.Column('word', sa.Text(), nullable=False),
    sa.Column('word_key', sa.Text(), nullable=False),
    sa.Column('code', sa.SmallInteger(), nullable=False),
    sa.Column('created_by', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('unit_id', 'column_name', 'word_key', name='uq_value_mappings')
    )


def downgrade() -> None:
    if _is_duckdb():
        for name, (table, columns) in POSTGRES_ONLY_INDEXES.items():
            op.create_index(name, table, columns, unique=False)
    op.drop_table('value_mappings')
    op.drop_table('column_mappings')
    for name in SEQUENCES:
        op.execute(sa.schema.DropSequence(sa.Sequence(name)))
