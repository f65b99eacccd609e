"""document sources: the Word/Excel/OpenDocument file a version's PDF was converted from

Revision ID: 0017
Revises: 0016

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing versions were uploaded as PDF: no source, the empty string.
    with op.batch_alter_table("document_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_sha256", sa.String(length=64), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("source_name", sa.String(length=255), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("source_type", sa.String(length=100), nullable=False,
                                      server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("document_versions", schema=None) as batch_op:
        batch_op.drop_column("source_type")
        batch_op.drop_column("source_name")
        batch_op.drop_column("source_sha256")
