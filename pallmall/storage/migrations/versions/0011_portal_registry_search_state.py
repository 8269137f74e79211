"""portal: the registry search's generation token

Revision ID: 0011_portal
Revises: 0006_security
Create Date: 2026-11-30 09:00:00

Each change of a registry record writes a new random token here; a server process rebuilds
its in-memory search index when the token differs from the one its index was built at.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_portal"
down_revision = "0009_diligence"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registry_search_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("generation", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_search_state")),
    )


def downgrade() -> None:
    op.drop_table("registry_search_state")
