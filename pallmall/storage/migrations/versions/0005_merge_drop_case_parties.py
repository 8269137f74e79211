"""one head again (cases, intel, reports); drop case_parties, which nothing reads since the
no-undercut check compares the parties' names in each case's details

Revision ID: 0005_merge
Revises: 0004_cases, 0004_intel, 0004_reports
Create Date: 2026-11-28 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_merge"
down_revision = ("0004_cases", "0004_intel", "0004_reports")
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_case_parties_key", table_name="case_parties")
    op.drop_table("case_parties")


def downgrade() -> None:
    # The keys are derived data: they come back empty, and filing no longer writes them.
    op.create_table(
        "case_parties",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_parties_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("case_id", "role", "key", name=op.f("pk_case_parties")),
    )
    op.create_index("ix_case_parties_key", "case_parties", ["key"], unique=False)
