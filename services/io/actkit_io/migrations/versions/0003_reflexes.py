"""reflexes: the rules io carries out itself, as the events service set them

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reflexes",
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("input_port_id", sa.Integer(), nullable=False),
        sa.Column("is_inverted", sa.Boolean(), nullable=False),
        sa.Column("output_port_id", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("rule_id", name=op.f("pk_reflexes")),
    )


def downgrade() -> None:
    op.drop_table("reflexes")
