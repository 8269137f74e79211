"""diligence: account organisations linked to their registry organisation

Revision ID: 0009_diligence
Revises: 0008_reports
Create Date: 2026-11-30 09:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pallmall.storage.types import UTCDateTime

revision = "0009_diligence"
down_revision = "0008_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_registry_links",
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("registry_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("confirmed_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account_orgs.id"],
            name=op.f("fk_account_registry_links_account_id_account_orgs"),
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_registry_links")),
    )
    op.create_index(
        op.f("ix_account_registry_links_registry_id"),
        "account_registry_links",
        ["registry_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_account_registry_links_registry_id"), table_name="account_registry_links"
    )
    op.drop_table("account_registry_links")
