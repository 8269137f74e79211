"""``/api/v1/federation``: each peer's status (node admins and regulators only: which peers
a node has is not for its peers nor the public)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from pallmall.api import problems
from pallmall.api.deps import Caller, database
from pallmall.core.auth import Principal, Role
from pallmall.core.errors import Forbidden, Unauthenticated
from pallmall.federation.status import PeerView
from pallmall.federation_node import federation_status
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
