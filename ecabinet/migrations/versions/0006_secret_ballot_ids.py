"""secret ballots get random 64-bit ids, so their order says nothing of when anyone voted

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # SQLite's INTEGER PRIMARY KEY is already 64-bit (and must stay spelt INTEGER).
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("ballots", "id", type_=sa.BigInteger(), existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("ballots", "id", type_=sa.Integer(), existing_nullable=False)
