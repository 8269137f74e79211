"""transparency reports

Revision ID: 0004_reports
Revises: 0003_outbox_log
Create Date: 2026-11-28 19:30:49.627059
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import pallmall.storage.types

revision = "0004_reports"
down_revision = "0003_outbox_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transparency_report",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=100), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("log_size", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column(
            "published_at", pallmall.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transparency_report")),
    )
    with op.batch_alter_table("transparency_report", schema=None) as batch_op:
        batch_op.create_index("ix_transparency_report_published", ["published_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("transparency_report", schema=None) as batch_op:
        batch_op.drop_index("ix_transparency_report_published")
    op.drop_table("transparency_report")
