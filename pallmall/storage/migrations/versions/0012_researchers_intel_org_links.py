"""intel: STIX threat actors, intrusion sets and identities linked to registry organisations

Revision ID: 0012_researchers
Revises: 0009_diligence
Create Date: 2026-11-30 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_researchers"
down_revision = "0011_portal"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intel_org_link",
        sa.Column("stix_id", sa.String(length=128), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("stix_id", "org_id", name=op.f("pk_intel_org_link")),
    )
    with op.batch_alter_table("intel_org_link", schema=None) as batch_op:
        batch_op.create_index("ix_intel_org_link_org_id", ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("intel_org_link", schema=None) as batch_op:
        batch_op.drop_index("ix_intel_org_link_org_id")
    op.drop_table("intel_org_link")
