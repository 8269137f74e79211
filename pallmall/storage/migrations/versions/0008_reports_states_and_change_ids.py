"""reports: the state of state-body accounts, and the id of each public change

Revision ID: 0008_reports
Revises: 0006_security
Create Date: 2026-11-30 09:00:00

``account_orgs.state`` holds the ISO 3166-1 alpha-2 code of an export authority, state
agency or oversight body (accounts made before this revision have none until an admin sets
it). ``public_changes.change_id`` is the id a change's log entry carries; changes already
in the outbox get ``outbox-<row id>``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_reports"
down_revision = "0006_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("account_orgs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("state", sa.String(length=2), nullable=True))
    with op.batch_alter_table("public_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("change_id", sa.String(length=64), nullable=True))
    changes = sa.table("public_changes", sa.column("id", sa.Integer()), sa.column("change_id"))
    op.execute(
        changes.update().values(
            change_id=sa.literal("outbox-") + sa.cast(changes.c.id, sa.String(length=20))
        )
    )
    with op.batch_alter_table("public_changes", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_public_changes_change_id"), ["change_id"])


def downgrade() -> None:
    with op.batch_alter_table("public_changes", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_public_changes_change_id"), type_="unique")
        batch_op.drop_column("change_id")
    with op.batch_alter_table("account_orgs", schema=None) as batch_op:
        batch_op.drop_column("state")
