"""federation: peers, sharing groups, objects shared and received, peers' sync state and
evidence of misbehaviour (issue 17)

Revision ID: 0014_federation
Revises: 0013_equities
Create Date: 2026-11-30 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pallmall.storage.migrations.triggers import install_append_only
from pallmall.storage.types import UTCDateTime

revision = "0014_federation"
down_revision = "0013_equities"
branch_labels = None
depends_on = None

_AUTO_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "federation_peers",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("log_origin", sa.String(length=300), nullable=False),
        sa.Column("log_vkey", sa.String(length=500), nullable=False),
        sa.Column("witness_vkey", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_federation_peers")),
        sa.UniqueConstraint("log_origin", name=op.f("uq_federation_peers_log_origin")),
    )
    op.create_index(op.f("ix_federation_peers_account_id"), "federation_peers", ["account_id"])
    op.create_table(
        "federation_groups",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("tlp", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_federation_groups")),
    )
    op.create_table(
        "federation_group_members",
        sa.Column("group_name", sa.String(length=40), nullable=False),
        sa.Column("peer_name", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_name"],
            ["federation_groups.name"],
            name=op.f("fk_federation_group_members_group_name_federation_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["peer_name"],
            ["federation_peers.name"],
            name=op.f("fk_federation_group_members_peer_name_federation_peers"),
        ),
        sa.PrimaryKeyConstraint(
            "group_name", "peer_name", name=op.f("pk_federation_group_members")
        ),
    )
    op.create_index(
        op.f("ix_federation_group_members_peer_name"), "federation_group_members", ["peer_name"]
    )
    op.create_table(
        "federation_objects",
        sa.Column("seq", _AUTO_ID, nullable=False),
        sa.Column("group_name", sa.String(length=60), nullable=False),
        sa.Column("object_id", sa.String(length=200), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("object_type", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("object_sha256", sa.String(length=64), nullable=False),
        sa.Column("change_id", sa.String(length=64), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=True),
        sa.Column("date_added_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_federation_objects")),
        sa.UniqueConstraint(
            "group_name", "object_id", "version", name="uq_federation_objects_group_object_version"
        ),
    )
    op.create_index(
        "ix_federation_objects_group_added", "federation_objects", ["group_name", "date_added_us"]
    )
    op.create_index(op.f("ix_federation_objects_change_id"), "federation_objects", ["change_id"])
    op.create_table(
        "federation_received",
        sa.Column("peer_name", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.String(length=200), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("object_type", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=True),
        sa.Column("verified_size", sa.BigInteger(), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint(
            "peer_name", "object_id", "version", name=op.f("pk_federation_received")
        ),
    )
    op.create_index(
        op.f("ix_federation_received_object_type"), "federation_received", ["object_type"]
    )
    op.create_table(
        "federation_peer_state",
        sa.Column("peer_name", sa.String(length=40), nullable=False),
        sa.Column("last_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("last_success_at", UTCDateTime(), nullable=True),
        sa.Column("verified_size", sa.BigInteger(), nullable=True),
        sa.Column("verified_root", sa.String(length=64), nullable=True),
        sa.Column("verified_note", sa.Text(), nullable=True),
        sa.Column("cursors", sa.JSON(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("peer_size", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("peer_name", name=op.f("pk_federation_peer_state")),
    )
    op.create_table(
        "federation_evidence",
        sa.Column("id", _AUTO_ID, nullable=False),
        sa.Column("peer_name", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_evidence")),
    )
    op.create_index(op.f("ix_federation_evidence_peer_name"), "federation_evidence", ["peer_name"])
    # evidence of a peer's misbehaviour is never edited nor deleted (an operator's reset
    # clears the peer's error, not the evidence)
    install_append_only(["federation_evidence"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS federation_evidence_append_only ON federation_evidence")
    for name in (
        "federation_evidence",
        "federation_peer_state",
        "federation_received",
        "federation_objects",
        "federation_group_members",
        "federation_groups",
        "federation_peers",
    ):
        op.drop_table(name)
