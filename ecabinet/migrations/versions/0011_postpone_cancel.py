"""postpone and cancel: a meeting keeps the reason and the start first announced

Revision ID: 0011
Revises: 0010

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("change_reason", sa.Text(), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("postponed_from", sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    op.execute("UPDATE meetings SET status = 'draft' WHERE status = 'cancelled'")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column("postponed_from")
        batch_op.drop_column("change_reason")
