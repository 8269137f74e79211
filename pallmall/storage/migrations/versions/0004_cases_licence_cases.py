"""cases: licence, restriction, procurement and use-authorisation cases; append-only history

Revision ID: 0004_cases
Revises: 0003_outbox_log
Create Date: 2026-11-28 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pallmall.storage.migrations.triggers import install_append_only
from pallmall.storage.types import UTCDateTime

revision = "0004_cases"
down_revision = "0003_outbox_log"
branch_labels = None
depends_on = None

APPEND_ONLY = ("case_events", "case_diligence", "case_messages", "case_notifications")
AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("authority_id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("filed_by", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=400), nullable=False),
        sa.Column("destination", sa.String(length=2), nullable=False),
        sa.Column("product_category", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("top_severity", sa.String(length=16), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    for column in ("kind", "status", "authority_id", "account_id", "subject_id", "created_at"):
        op.create_index(op.f(f"ix_cases_{column}"), "cases", [column], unique=False)
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
    _history(
        "case_events",
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("verb", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=False),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
    )
    _history(
        "case_diligence",
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("stamp", sa.String(length=200), nullable=False),
        sa.Column("rules_version", sa.String(length=100), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
    )
    _history(
        "case_messages",
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.String(length=5000), nullable=False),
    )
    op.create_table(
        "case_notifications",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("from_authority", sa.String(length=64), nullable=False),
        sa.Column("to_authority", sa.String(length=64), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_notifications_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_notifications")),
    )
    op.create_index(
        op.f("ix_case_notifications_to_authority"),
        "case_notifications",
        ["to_authority"],
        unique=False,
    )
    install_append_only(APPEND_ONLY)


def _history(name: str, *columns: sa.Column) -> None:  # type: ignore[type-arg]  # sa.Column's type parameter is not needed for a DDL helper
    op.create_table(
        name,
        sa.Column("id", AutoId, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f(f"fk_{name}_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    op.create_index(op.f(f"ix_{name}_case_id"), name, ["case_id"], unique=False)


def downgrade() -> None:
    for name in ("case_notifications", *APPEND_ONLY[:3], "case_parties", "cases"):
        if op.get_bind().dialect.name == "postgresql" and name in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {name}_append_only ON {name}")
        op.drop_table(name)
