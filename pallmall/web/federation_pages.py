"""``/admin/federation``: the node's peers and their status, the evidence they left, the
sharing groups; "Sync now" and a peer's reset after a split view (node admins and regulators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from pallmall.api.deps import Caller, Reading, database, node
from pallmall.api.federation import require_operator
from pallmall.core.errors import NotFound
from pallmall.federation_node import federation_status, reset_peer
from pallmall.storage.database import Database
from pallmall.storage.federation import SqlFederationStore
from pallmall.storage.federation_sync import SqlSyncStore
from pallmall.web.pages import render

router = APIRouter(include_in_schema=False)
DB = Annotated[Database, Depends(database)]


@router.get("/admin/federation", response_class=HTMLResponse)
def federation_page(request: Request, caller: Caller, tx: Reading, db: DB) -> HTMLResponse:
    """Peers (status, lag, errors), the latest evidence, and the groups with their members."""
    require_operator(caller)
    store = SqlFederationStore(tx.conn)
    groups = [(g, store.members(g.name)) for g in store.groups()]
    return render(
        request,
        "admin/federation.html",
        caller=caller,
        peers=federation_status(db),
        evidence=SqlSyncStore(tx.conn).evidence(limit=50),
        groups=groups,
        schedule=node(request).settings.federation_sync_seconds,
        started=request.query_params.get("sync") == "started",
    )


@router.post("/admin/federation/sync")
def sync_now(request: Request, caller: Caller) -> RedirectResponse:
    """Start a sync with every peer in the background; the page shows the outcome."""
    require_operator(caller)
    node(request).federation_sync.trigger()
    return RedirectResponse("/admin/federation?sync=started", status_code=303)


@router.post("/admin/federation/peers/{name}/reset")
def reset(name: str, caller: Caller, db: DB) -> RedirectResponse:
    """Accept a peer again after a split view (its evidence stays)."""
    require_operator(caller)
    if not reset_peer(db, name):
        raise NotFound(f"nothing to reset for peer {name!r}")
    return RedirectResponse("/admin/federation", status_code=303)
