"""signed replies and the synthesis report: consultations may ask for signed ballot papers,
and official PDFs belong to a meeting or to a consultation

Revision ID: 0008
Revises: 0007

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signed_replies", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("report_number", sa.String(length=50), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("report_text", sa.Text(), nullable=False,
                                      server_default=""))

    with op.batch_alter_table("official_pdfs", schema=None) as batch_op:
        batch_op.alter_column("meeting_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("consultation_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_official_pdfs_consultation_id"),
                              ["consultation_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_official_pdfs_consultation_id_consultations"), "consultations",
            ["consultation_id"], ["id"], ondelete="CASCADE")

    with op.batch_alter_table("consultation_members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paper_pdf_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_consultation_members_paper_pdf_id_official_pdfs"), "official_pdfs",
            ["paper_pdf_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("consultation_members", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_consultation_members_paper_pdf_id_official_pdfs"), type_="foreignkey")
        batch_op.drop_column("paper_pdf_id")

    op.execute("DELETE FROM official_pdfs WHERE meeting_id IS NULL")
    with op.batch_alter_table("official_pdfs", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_official_pdfs_consultation_id_consultations"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_official_pdfs_consultation_id"))
        batch_op.drop_column("consultation_id")
        batch_op.alter_column("meeting_id", existing_type=sa.Integer(), nullable=False)

    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.drop_column("report_text")
        batch_op.drop_column("report_number")
        batch_op.drop_column("signed_replies")
