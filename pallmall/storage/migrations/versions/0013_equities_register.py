"""equities: the vulnerability equities register (vulnerabilities, their history)
and vendor self-attestations

Revision ID: 0013_equities
Revises: 0006_security
Create Date: 2026-11-30 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pallmall.storage.migrations.triggers import install_append_only
from pallmall.storage.types import UTCDateTime

revision = "0013_equities"
down_revision = "0012_researchers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "equities_vulnerabilities",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("next_review", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("decisions", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equities_vulnerabilities")),
    )
    for column in ("state", "status", "next_review"):
        op.create_index(
            op.f(f"ix_equities_vulnerabilities_{column}"), "equities_vulnerabilities", [column]
        )
    op.create_table(
        "equities_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("vulnerability_id", sa.String(length=64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("verb", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=False),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["vulnerability_id"],
            ["equities_vulnerabilities.id"],
            name=op.f("fk_equities_events_vulnerability_id_equities_vulnerabilities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equities_events")),
    )
    op.create_index(
        op.f("ix_equities_events_vulnerability_id"), "equities_events", ["vulnerability_id"]
    )
    op.create_table(
        "attestations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("vendor_id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("submitted_by", sa.String(length=64), nullable=False),
        sa.Column("form", sa.String(length=120), nullable=False),
        sa.Column("attested_at", UTCDateTime(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attestations")),
    )
    op.create_index(op.f("ix_attestations_vendor_id"), "attestations", ["vendor_id"])
    op.create_index(op.f("ix_attestations_attested_at"), "attestations", ["attested_at"])
    install_append_only(["equities_events", "attestations"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in ("attestations", "equities_events"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}_append_only ON {name}")
    op.drop_table("attestations")
    op.drop_table("equities_events")
    op.drop_table("equities_vulnerabilities")
