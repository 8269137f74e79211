"""The C2SP tlog-witness over HTTP: ``POST /add-checkpoint``, standalone or in the node.

In the node (``router``): ``GET /witness/vkey`` (the node's cosigning key),
``POST /witness/add-checkpoint`` for the logs of its peers, and ``GET /witness/evidence``
(the split views it refused; ``witness:evidence``, node admins). ``witness_app`` serves a
:class:`~pallmall.log.Witness` alone at ``/add-checkpoint`` (``pallmall witness serve``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from pallmall.api import problems
from pallmall.api.deps import Caller, NodeWitness
from pallmall.core.auth import Permission
from pallmall.core.errors import PallmallError
from pallmall.log import Witness, WitnessConflict, list_evidence
from pallmall.log.witness import CONTENT_TYPE_SIZE

router = APIRouter(prefix="/witness", tags=["witness"], responses=problems.RESPONSES)


async def add_checkpoint_response(witness: Witness, request: Request) -> Response:
    """Answer an add-checkpoint request as c2sp.org/tlog-witness says: 200 with the
    cosignature line; 409 with the latest size (``text/x.tlog.size``, exactly); other
    refusals as plain text with their status (400, 403, 404, 422)."""
    body = await request.body()
    try:
        # file lock and fsync: off the event loop
        lines = await run_in_threadpool(witness.add_checkpoint, body)
    except WitnessConflict as exc:
        # exactly this type (c2sp.org/tlog-witness), without the charset Starlette adds
        return Response(
            f"{exc.size}\n".encode(), status_code=409, headers={"Content-Type": CONTENT_TYPE_SIZE}
        )
    except PallmallError as exc:
        return Response(f"{exc}\n", status_code=exc.status, media_type="text/plain")
    return Response(lines, media_type="text/plain; charset=utf-8")


# C2SP tlog-witness is its own contract (text bodies, its own statuses), like TAXII's
@router.post("/add-checkpoint", include_in_schema=False)
async def add_checkpoint(request: Request, witness: NodeWitness) -> Response:
    """Cosign a peer's checkpoint after checking its signature and its consistency with the
    last one cosigned (C2SP tlog-witness §add-checkpoint; body ``old N``, proof lines, a blank
    line, the signed checkpoint). A split view is refused (409 or 422) and kept as evidence."""
    return await add_checkpoint_response(witness, request)


@router.get("/vkey", response_class=PlainTextResponse)
def vkey(witness: NodeWitness) -> PlainTextResponse:
    """The node's witness verifier key (C2SP signed-note vkey, cosignature type 0x04)."""
    return PlainTextResponse(witness.vkey + "\n", headers={"Cache-Control": "public, max-age=3600"})


@router.get("/evidence")
def evidence(caller: Caller, witness: NodeWitness) -> dict[str, Any]:
    """Every split view the witness refused, newest first: both checkpoint notes, when, the
    proof sent (``witness:evidence``: node admins)."""
    caller.require(Permission.WITNESS_EVIDENCE)
    folder = witness.evidence_dir
    items = [] if folder is None else [e.to_json() for e in list_evidence(folder)]
    return {"items": items, "total": len(items)}


def witness_app(witness: Witness) -> FastAPI:
    """An app exposing ``witness`` at ``/add-checkpoint``; errors as the spec's status codes."""
    app = FastAPI(title="pallmall witness", openapi_url=None, docs_url=None)

    @app.post("/add-checkpoint")
    async def add(request: Request) -> Response:
        return await add_checkpoint_response(witness, request)

    return app
