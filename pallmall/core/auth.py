"""Who is acting, and what their role lets them do.

Roles are coarse and persisted as ``StrEnum`` values; each capability checks a *permission*
(a verb on a capability), never a role name, so the table below is the one place to read who
may do what.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pallmall.core.errors import Forbidden, Unauthenticated


class AccountKind(StrEnum):
    """The kind of organisation a user account belongs to (DESIGN.md, who uses it)."""

    EXPORT_AUTHORITY = "export_authority"
    OVERSIGHT_BODY = "oversight_body"
    STATE_AGENCY = "state_agency"
    VENDOR = "vendor"
    INTEL_TEAM = "intel_team"
    PUBLIC = "public"
    OPERATOR = "operator"
    PEER_NODE = "peer_node"
    """Another state's node (federation): holds the one user a peer calls this node as."""


STATE_BODIES = frozenset(
    {AccountKind.EXPORT_AUTHORITY, AccountKind.STATE_AGENCY, AccountKind.OVERSIGHT_BODY}
)
"""Accounts that act for a state, and so carry its ISO 3166-1 alpha-2 code."""


class Role(StrEnum):
    """A user's role. ``anonymous`` is the caller with no credentials."""

    ADMIN = "admin"
    REGULATOR = "regulator"
    OVERSIGHT = "oversight"
    STATE_USER = "state_user"
    VENDOR = "vendor"
    ANALYST = "analyst"
    PUBLIC = "public"
    PEER = "peer"
    """Another state's node (federation): reads the sharing groups it is a member of and
    writes to this node's inbox; otherwise it reads only what the public reads."""
    ANONYMOUS = "anonymous"


class Permission(StrEnum):
    """A verb on a capability. Capabilities ask for these, never for roles."""

    REGISTRY_READ_PUBLIC = "registry:read_public"
    REGISTRY_READ_RESTRICTED = "registry:read_restricted"
    REGISTRY_WRITE = "registry:write"
    REGISTRY_IMPORT = "registry:import"
    AUDIT_READ = "audit:read"
    USERS_MANAGE = "users:manage"
    SCREENING_RUN = "screening:run"
    SCREENING_LOAD = "screening:load"
    LOG_APPEND = "log:append"
    CASES_FILE = "cases:file"
    CASES_DECIDE = "cases:decide"
    CASES_OVERSEE = "cases:oversee"
    INTEL_READ_RESTRICTED = "intel:read_restricted"
    INTEL_WRITE = "intel:write"
    INTEL_DECIDE = "intel:decide"
    INTEL_OVERSEE = "intel:oversee"  # reads every incident whole, whoever owns it
    REPORTS_PUBLISH = "reports:publish"
    EQUITIES_DECIDE = "equities:decide"
    WITNESS_EVIDENCE = "witness:evidence"  # the split views the node's witness refused
    FEDERATION_READ = "federation:read"  # a peer node reads its groups' collections
    FEDERATION_WRITE = "federation:write"  # a peer node pushes to this node's inbox


P = Permission
_PUBLIC = frozenset({P.REGISTRY_READ_PUBLIC})

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ANONYMOUS: _PUBLIC,
    Role.PUBLIC: _PUBLIC,
    Role.VENDOR: _PUBLIC | {P.CASES_FILE},
    # a peer node's account: its groups' collections and the inbox; and what anyone may read
    # (a signed-in caller never reads less than an anonymous one)
    Role.PEER: _PUBLIC | {P.FEDERATION_READ, P.FEDERATION_WRITE},
    Role.ANALYST: _PUBLIC | {P.INTEL_WRITE, P.INTEL_READ_RESTRICTED, P.SCREENING_RUN},
    Role.STATE_USER: _PUBLIC
    | {P.SCREENING_RUN, P.REGISTRY_READ_RESTRICTED, P.CASES_FILE, P.EQUITIES_DECIDE},
    Role.OVERSIGHT: _PUBLIC
    | {
        P.REGISTRY_READ_RESTRICTED,
        P.AUDIT_READ,
        P.CASES_OVERSEE,
        P.SCREENING_RUN,
        P.INTEL_READ_RESTRICTED,
        P.INTEL_DECIDE,
        P.INTEL_OVERSEE,
        P.EQUITIES_DECIDE,
    },
    Role.REGULATOR: _PUBLIC
    | {
        P.REGISTRY_READ_RESTRICTED,
        P.REGISTRY_WRITE,
        P.SCREENING_RUN,
        P.CASES_DECIDE,
        P.INTEL_READ_RESTRICTED,
        P.INTEL_DECIDE,
        P.REPORTS_PUBLISH,
        P.LOG_APPEND,
        P.EQUITIES_DECIDE,
        P.FEDERATION_READ,  # reads what the node shares with each group
    },
    Role.ADMIN: frozenset(Permission),
}


@dataclass(frozen=True)
class Principal:
    """The caller of one request or command."""

    user_id: str | None
    role: Role
    account_id: str | None = None
    account_kind: AccountKind | None = None
    display: str = "anonymous"
    state: str | None = None
    """The state (ISO 3166-1 alpha-2) the caller's account acts for: state bodies only."""

    @property
    def is_anonymous(self) -> bool:
        """True for a caller with no credentials."""
        return self.user_id is None

    def can(self, permission: Permission) -> bool:
        """Whether this principal's role grants ``permission``."""
        return permission in ROLE_PERMISSIONS[self.role]

    def require(self, permission: Permission) -> None:
        """Raise :class:`Unauthenticated` or :class:`Forbidden` unless ``can(permission)``."""
        if self.can(permission):
            return
        if self.is_anonymous:
            raise Unauthenticated(f"sign in to {permission.value}")
        raise Forbidden(f"role {self.role.value!r} may not {permission.value}")


ANONYMOUS = Principal(user_id=None, role=Role.ANONYMOUS)
SYSTEM = Principal(user_id="system", role=Role.ADMIN, display="system")
