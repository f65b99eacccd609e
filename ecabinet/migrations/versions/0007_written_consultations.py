"""written consultations: matters put to the members in writing, their questions, who is
asked, and their answers

Revision ID: 0007
Revises: 0006

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table("consultations",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("unit_id", sa.Integer(), nullable=False),
    sa.Column("chair_id", sa.Integer(), nullable=False),
    sa.Column("created_by_id", sa.Integer(), nullable=False),
    sa.Column("title", sa.String(length=300), nullable=False),
    sa.Column("matter", sa.Text(), nullable=False),
    sa.Column("status", sa.Enum("draft", "submitted", "sent", "closed", name="consultationstatus", native_enum=False, length=20), nullable=False),
    sa.Column("rule", sa.Enum("half", "two_thirds", name="consultationrule", native_enum=False, length=20), nullable=False),
    sa.Column("working_days", sa.Integer(), nullable=False),
    sa.Column("changeable", sa.Boolean(), nullable=False),
    sa.Column("open_replies", sa.Boolean(), nullable=False),
    sa.Column("close_when_all", sa.Boolean(), nullable=False),
    sa.Column("return_comment", sa.Text(), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("result", sa.JSON(), nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["chair_id"], ["users.id"], name=op.f("fk_consultations_chair_id_users")),
    sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_consultations_created_by_id_users")),
    sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_consultations_unit_id_units")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_consultations"))
    )
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consultations_deadline"), ["deadline"], unique=False)
        batch_op.create_index(batch_op.f("ix_consultations_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_consultations_unit_id"), ["unit_id"], unique=False)

    op.create_table("consultation_members",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("consultation_id", sa.Integer(), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("client_reply_id", sa.String(length=64), nullable=False),
    sa.Column("changes", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["consultation_id"], ["consultations.id"], name=op.f("fk_consultation_members_consultation_id_consultations"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_consultation_members_user_id_users")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_members")),
    sa.UniqueConstraint("consultation_id", "user_id", name=op.f("uq_consultation_members_consultation_id_user_id"))
    )
    with op.batch_alter_table("consultation_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consultation_members_consultation_id"), ["consultation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_consultation_members_user_id"), ["user_id"], unique=False)

    op.create_table("consultation_questions",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("consultation_id", sa.Integer(), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("text", sa.String(length=1000), nullable=False),
    sa.Column("options", sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(["consultation_id"], ["consultations.id"], name=op.f("fk_consultation_questions_consultation_id_consultations"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_questions"))
    )
    with op.batch_alter_table("consultation_questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consultation_questions_consultation_id"), ["consultation_id"], unique=False)

    op.create_table("consultation_answers",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("consultation_id", sa.Integer(), nullable=False),
    sa.Column("question_id", sa.Integer(), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("choice", sa.Integer(), nullable=False),
    sa.Column("opinion", sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(["consultation_id"], ["consultations.id"], name=op.f("fk_consultation_answers_consultation_id_consultations"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["question_id"], ["consultation_questions.id"], name=op.f("fk_consultation_answers_question_id_consultation_questions"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_consultation_answers_user_id_users")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_answers")),
    sa.UniqueConstraint("question_id", "user_id", name=op.f("uq_consultation_answers_question_id_user_id"))
    )
    with op.batch_alter_table("consultation_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consultation_answers_consultation_id"), ["consultation_id"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("consultation_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_answers_consultation_id"))

    op.drop_table("consultation_answers")
    with op.batch_alter_table("consultation_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_questions_consultation_id"))

    op.drop_table("consultation_questions")
    with op.batch_alter_table("consultation_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_members_user_id"))
        batch_op.drop_index(batch_op.f("ix_consultation_members_consultation_id"))

    op.drop_table("consultation_members")
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultations_unit_id"))
        batch_op.drop_index(batch_op.f("ix_consultations_status"))
        batch_op.drop_index(batch_op.f("ix_consultations_deadline"))

    op.drop_table("consultations")
