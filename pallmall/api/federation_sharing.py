"""``/api/v1/federation/groups/{group}/incidents/{id}``: share a confirmed incident with a
sharing group (``docs/federation.md`` §5.4), as ``pallmall federation share-incident`` does."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from pallmall.api import problems
from pallmall.api.deps import Caller, Writing
from pallmall.wiring import incident_sharing

router = APIRouter(prefix="/api/v1/federation", tags=["federation"], responses=problems.RESPONSES)


class SharedOut(BaseModel):
    """What sharing did: how many object versions were new to the group (0: shared before)."""

    group: str
    incident: str
    added: int


@router.post("/groups/{group}/incidents/{incident_id}")
def share_incident(group: str, incident_id: str, caller: Caller, tx: Writing) -> SharedOut:
    """Share a confirmed incident with ``group``: its STIX objects, redacted for the group
    and marked with its TLP, each committed in the log before members may read it. Needs
    ``intel:decide`` and the incident whole (a holder, the oversight body); 404 for a group
    or incident the caller may not know, 422 for an unconfirmed incident or one whose TLP
    is above the group's."""
    added = incident_sharing(tx).share(caller, incident_id, group)
    return SharedOut(group=group, incident=incident_id, added=added)
