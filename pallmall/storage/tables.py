"""Tables of the platform and the registry (SQLAlchemy Core). Capabilities add their own modules.

Audit records and record versions are append-only: ``storage.migrations`` installs triggers
that refuse UPDATE and DELETE on them.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
)

from pallmall.storage.base import metadata
from pallmall.storage.types import UTCDateTime

# BigInteger ids autoincrement on PostgreSQL; SQLite needs INTEGER for its rowid alias.
AutoId = BigInteger().with_variant(Integer(), "sqlite")

account_orgs = Table(
    "account_orgs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(300), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # ISO 3166-1 alpha-2 of a state body (export authority, state agency, oversight body)
    Column("state", String(2), nullable=True),
)

users = Table(
    "users",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(300), nullable=False),
    Column("role", String(32), nullable=False),
    Column("account_id", String(64), ForeignKey("account_orgs.id"), nullable=True),
    Column("password_hash", String(300), nullable=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", String(64), ForeignKey("users.id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("label", String(200), nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Column("expires_at", UTCDateTime, nullable=True),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", String(64), primary_key=True),  # SHA-256 of the cookie's session id
    Column("user_id", String(64), ForeignKey("users.id"), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

login_throttle = Table(
    "login_throttle",
    metadata,
    Column("key", String(430), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_start", UTCDateTime, nullable=False),
    Column("blocked_until", UTCDateTime, nullable=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False, index=True),
    Column("actor", String(64), nullable=False, index=True),
    Column("verb", String(100), nullable=False),
    Column("target", String(200), nullable=False, index=True),
    Column("payload", JSON, nullable=False),
)

public_changes = Table(
    "public_changes",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("kind", String(100), nullable=False),
    Column("subject", String(200), nullable=False, index=True),
    Column("public", JSON, nullable=False),
    Column("confidential", JSON, nullable=False),
    Column("log_index", BigInteger, nullable=True, index=True),
    Column("leaf_hash", String(64), nullable=True, index=True),
    Column("disclosure", JSON, nullable=True),
    # the change's own id, carried by its log entry (None only for rows older than 0008)
    Column("change_id", String(64), nullable=True, unique=True),
)

registry_records = Table(
    "registry_records",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("type", String(20), nullable=False, index=True),
    Column("name", String(300), nullable=False),
    Column("sort_key", String(300), nullable=False, index=True),
    Column("visibility", String(20), nullable=False),
    Column("designated", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("data", JSON, nullable=False),
)

registry_record_versions = Table(
    "registry_record_versions",
    metadata,
    Column("id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("data", JSON, nullable=False),
    PrimaryKeyConstraint("id", "version"),
)

registry_names = Table(
    "registry_names",
    metadata,
    Column("record_id", String(64), ForeignKey("registry_records.id", ondelete="CASCADE")),
    Column("key", String(300), nullable=False),
    PrimaryKeyConstraint("record_id", "key"),
    Index("ix_registry_names_key", "key"),
)

registry_facets = Table(
    "registry_facets",
    metadata,
    Column("record_id", String(64), ForeignKey("registry_records.id", ondelete="CASCADE")),
    Column("facet", String(20), nullable=False),
    Column("value", String(100), nullable=False),
    PrimaryKeyConstraint("record_id", "facet", "value"),
    Index("ix_registry_facets_facet_value", "facet", "value"),
)

# One row: a token that changes with every change of a registry record, so that each server
# process knows when the search index it holds is stale (one primary-key read per search).
registry_search_state = Table(
    "registry_search_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("generation", String(32), nullable=False),
)

registry_relationships = Table(
    "registry_relationships",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("type", String(32), nullable=False),
    Column("source_id", String(64), nullable=False, index=True),
    Column("target_id", String(64), nullable=False, index=True),
    Column("start", Date, nullable=True),
    Column("end", Date, nullable=True),
    Column("version", Integer, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("data", JSON, nullable=False),
)

registry_relationship_versions = Table(
    "registry_relationship_versions",
    metadata,
    Column("id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("source_id", String(64), nullable=False, index=True),
    Column("target_id", String(64), nullable=False, index=True),
    Column("data", JSON, nullable=False),
    PrimaryKeyConstraint("id", "version"),
)

APPEND_ONLY = ("audit_log", "registry_record_versions", "registry_relationship_versions")
