"""consultation tasks: a task comes from a conclusion notice or a consultation's report

Revision ID: 0010
Revises: 0009

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.alter_column("meeting_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("conclusion_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("item_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("consultation_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_tasks_consultation_id"),
                              ["consultation_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_tasks_consultation_id_consultations"), "consultations",
            ["consultation_id"], ["id"], ondelete="CASCADE")


def downgrade() -> None:
    op.execute("DELETE FROM tasks WHERE consultation_id IS NOT NULL")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_tasks_consultation_id_consultations"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_tasks_consultation_id"))
        batch_op.drop_column("consultation_id")
        batch_op.alter_column("item_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("conclusion_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("meeting_id", existing_type=sa.Integer(), nullable=False)
