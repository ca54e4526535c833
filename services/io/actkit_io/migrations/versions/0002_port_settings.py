"""port settings: supervised and debounce; what a port can do comes from the board profile

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ports") as batch_op:
        batch_op.add_column(
            sa.Column("is_supervised", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("debounce_ms", sa.Integer(), nullable=False, server_default="50")
        )
        batch_op.drop_column("is_configurable")


def downgrade() -> None:
    with op.batch_alter_table("ports") as batch_op:
        batch_op.add_column(
            sa.Column("is_configurable", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.drop_column("debounce_ms")
        batch_op.drop_column("is_supervised")
