"""``/api/v1/federation``: each peer's status (node admins and regulators only: which peers
a node has is not for its peers nor the public), and what peers sent that was verified."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from pallmall.api import problems
from pallmall.api.deps import Caller, database
from pallmall.core.auth import Permission, Principal, Role
from pallmall.core.errors import Forbidden, Unauthenticated
from pallmall.federation.status import PeerView
from pallmall.federation_node import federation_status, received_objects
from pallmall.intel.tlp import Tlp, tlp_of_refs
from pallmall.storage.database import Database

router = APIRouter(prefix="/api/v1/federation", tags=["federation"], responses=problems.RESPONSES)
OPERATORS = frozenset({Role.ADMIN, Role.REGULATOR})
"""Roles that may see the node's peers and their status."""


class PeerOut(BaseModel):
    """One peer's status: ``lag_entries`` is how far our verified checkpoint is behind the
    size the peer announced, ``lag_seconds`` the age of the last successful sync; ``blocked``
    while a split view it showed waits for ``pallmall federation peer reset``."""

    name: str
    url: str
    origin: str
    state: str
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    verified_size: int | None
    peer_size: int | None
    lag_entries: int | None
    lag_seconds: float | None
    last_error: str
    error_count: int
    evidence_count: int
    blocked: bool


class PeersOut(BaseModel):
    """Every active peer's status, by name."""

    peers: list[PeerOut]


def require_operator(caller: Principal) -> None:
    """Raise unless ``caller`` is a node admin or a regulator."""
    if caller.role in OPERATORS:
        return
    if caller.is_anonymous:
        raise Unauthenticated("sign in to see the federation peers")
    raise Forbidden(f"role {caller.role.value!r} may not see the federation peers")


@router.get("/peers", response_model=PeersOut)
def peers(caller: Caller, db: Annotated[Database, Depends(database)]) -> PeersOut:
    """Each active peer: last attempt and success, verified size, the size it announced, lag
    (entries and seconds), last error and how much evidence it left. Never its token."""
    require_operator(caller)
    return PeersOut(peers=[_out(v) for v in federation_status(db)])


def _out(view: PeerView) -> PeerOut:
    return PeerOut(**view.__dict__)


class ReceivedOut(BaseModel):
    """An object version a peer sent, verified against its log: the peer, the STIX object
    (without ``x_pallmall_log``), the index of the peer's log entry committing it and the
    size of the peer's checkpoint it was proven in."""

    peer: str
    object_id: str
    object_type: str
    log_index: int | None
    verified_size: int | None
    received_at: datetime
    object: dict[str, Any]


@router.get("/received", response_model=list[ReceivedOut])
def received(
    caller: Caller,
    db: Annotated[Database, Depends(database)],
    peer: Annotated[str | None, Query(max_length=40)] = None,
    object_type: Annotated[str | None, Query(alias="type", max_length=100)] = None,
) -> list[ReceivedOut]:
    """What peers sent this node and it verified (denial notices, consultations, shared
    incidents), every version, oldest first per object. Operators read all; intel readers
    (``intel:read_restricted``) read what is marked TLP:AMBER+STRICT or below, never RED."""
    if caller.role not in OPERATORS:
        if caller.is_anonymous:
            raise Unauthenticated("sign in to see what peers sent")
        if not caller.can(Permission.INTEL_READ_RESTRICTED):
            raise Forbidden(f"role {caller.role.value!r} may not see what peers sent")
    out = []
    for row in received_objects(db, object_type, peer):
        body: dict[str, Any] = json.loads(row.body)
        red = tlp_of_refs(body.get("object_marking_refs", ()), Tlp.AMBER) is Tlp.RED
        if red and caller.role is not Role.ADMIN:
            continue
        out.append(
            ReceivedOut(
                peer=row.peer_name,
                object_id=row.object_id,
                object_type=row.object_type,
                log_index=row.log_index,
                verified_size=row.verified_size,
                received_at=row.received_at,
                object=body,
            )
        )
    return out
