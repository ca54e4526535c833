"""reflexes: the rules ble carries out itself, as the events service set them

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-08 01:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reflexes",
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("input_port_id", sa.Integer(), nullable=False),
        sa.Column("is_inverted", sa.Boolean(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("message_type", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("rule_id", name=op.f("pk_reflexes")),
    )


def downgrade() -> None:
    op.drop_table("reflexes")
