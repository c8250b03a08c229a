"""apology letters issued for late dossiers

Revision ID: 0005
Revises: 0004
The work list (kpi-definitions.md, "Early warning"): the product drafts the apology letter of a
late or overdue dossier and records that it was issued (``apology_letters``). No personal data
of the applicant is stored.

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: Union[str, Sequence[str], None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SEQUENCE = "apology_letters_id_seq"


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("apology_letters"):
        return
    op.execute(sa.schema.CreateSequence(sa.Sequence(SEQUENCE)))
    op.create_table(
        "apology_letters",
        sa.Column("id", sa.Integer(), server_default=sa.text(f"nextval('{SEQUENCE}')"),
                  nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("dossier_code", sa.Text(), nullable=False),
        sa.Column("letter_day", sa.Date(), nullable=False),
        sa.Column("due_day", sa.Date(), nullable=True),
        sa.Column("new_due_day", sa.Date(), nullable=False),
        sa.Column("issued_by", sa.Text(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_apology_letters_dossier", "apology_letters",
                    ["unit_id", "dossier_code"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_apology_letters_dossier", table_name="apology_letters")
    op.drop_table("apology_letters")
    op.execute(sa.schema.DropSequence(sa.Sequence(SEQUENCE)))
