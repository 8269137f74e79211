"""Alembic environment: runs on the connection that :func:`pallmall.storage.migration.upgrade`
hands over, so tests, the CLI and the server all migrate the same way."""

from __future__ import annotations

from alembic import context

import pallmall.storage.schema  # noqa: F401  (registers every capability's tables)
from pallmall.storage.base import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
