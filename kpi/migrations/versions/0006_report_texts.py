"""the narrative parts of the periodic report, per unit, period and part

Revision ID: 0006
Revises: 0005
Reports.md: the drafted parts of the periodic CCHC report (assessment, causes, solutions,
proposals, a "nguyên nhân – giải pháp" note per missed target) as staff edited them, per unit,
period and part; the signer, title and "Nơi nhận" per unit under the period code "".

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: Union[str, Sequence[str], None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("report_texts"):
        return  # a database adopted at the baseline that was created with this table
    op.create_table(
        "report_texts",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("period_code", sa.Text(), nullable=False),
        sa.Column("part", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("unit_id", "period_code", "part"),
    )


def downgrade() -> None:
    op.drop_table("report_texts")
