"""intel: incident tags (category, victim category, linked registry ids) for filtered lists

Revision ID: 0004_intel
Revises: 0003_outbox_log
Create Date: 2026-11-29 10:00:00.000000
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0004_intel"
down_revision = "0003_outbox_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    tags = op.create_table(
        "intel_incident_tag",
        sa.Column("incident_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["intel_incident.id"],
            name=op.f("fk_intel_incident_tag_incident_id_intel_incident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incident_id", "kind", "value", name=op.f("pk_intel_incident_tag")),
    )
    with op.batch_alter_table("intel_incident_tag", schema=None) as batch_op:
        batch_op.create_index("ix_intel_incident_tag_kind_value", ["kind", "value"], unique=False)
    _backfill(tags)


def _backfill(tags: sa.Table) -> None:
    # Incidents stored before this revision get their tags from their JSON body (the same
    # rule as pallmall.intel.incident.incident_tags, restated: migrations do not import code
    # that may change after them).
    incidents = sa.table("intel_incident", sa.column("id", sa.String), sa.column("body", sa.Text))
    bind = op.get_bind()
    rows = []
    for incident_id, body in bind.execute(sa.select(incidents.c.id, incidents.c.body)):
        data = json.loads(body)
        found = {("category", c) for c in data["categories"]}
        found |= {("victim", v["category"]) for v in data["victims"]}
        found |= {(a["role"], a["target_id"]) for a in data["attributions"]}
        rows += [{"incident_id": incident_id, "kind": k, "value": v} for k, v in sorted(found)]
    if rows:
        op.bulk_insert(tags, rows)


def downgrade() -> None:
    with op.batch_alter_table("intel_incident_tag", schema=None) as batch_op:
        batch_op.drop_index("ix_intel_incident_tag_kind_value")
    op.drop_table("intel_incident_tag")
