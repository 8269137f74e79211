"""``/log``: the transparency log over HTTP, read-only and cacheable.

``/log/checkpoint`` and ``/log/tile/...`` are laid out exactly as C2SP tlog-tiles says, so a
copy of the folder served by any web server is the same log. JSON proofs are always for the
tree size asked for (RFC 9162 §2.1.3, §2.1.4), never a moving head.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from pallmall.api import problems
from pallmall.api.deps import Cosignatures, Log, Reading
from pallmall.core.errors import InvalidInput, NotFound
from pallmall.core.paging import MAX_LIMIT, MAX_OFFSET, PageRequest
from pallmall.log import TransparencyLog, parse_tile_path
from pallmall.storage.audit import LoggedChange

router = APIRouter(prefix="/log", tags=["log"], responses=problems.RESPONSES)
Size = Annotated[int, Query(ge=0, le=2**62)]
IMMUTABLE = "public, max-age=31536000, immutable"


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


@router.get("/checkpoint", response_class=PlainTextResponse)
def checkpoint(tlog: Log, cosignatures: Cosignatures) -> Response:
    """The latest signed checkpoint (C2SP tlog-checkpoint in a signed note), with the
    cosignature lines collected from the peers' witnesses for exactly this checkpoint
    (C2SP tlog-cosignature; none yet while the witnesses have not answered)."""
    note = cosignatures.cosigned(tlog.checkpoint().note)
    return Response(
        note, media_type="text/plain; charset=utf-8", headers={"Cache-Control": "no-cache"}
    )


@router.get("/vkey", response_class=PlainTextResponse)
def vkey(tlog: Log) -> PlainTextResponse:
    """The verifier key (C2SP signed-note vkey) that checks every checkpoint."""
    return PlainTextResponse(tlog.vkey + "\n", headers={"Cache-Control": "public, max-age=3600"})


@router.get(
    "/tile/{path:path}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def tile(path: str, tlog: Log) -> Response:
    """A hash tile or entry bundle (C2SP tlog-tiles); full tiles are immutable."""
    full_path = f"tile/{path}"
    parse_tile_path(full_path)  # refuses non-canonical paths, so each tile has one URL
    file = tlog.store.root / full_path
    if not file.is_file():
        raise NotFound(f"no tile {full_path}")
    partial = ".p/" in full_path
    cache = "public, max-age=60" if partial else IMMUTABLE
    return Response(
        file.read_bytes(), media_type="application/octet-stream", headers={"Cache-Control": cache}
    )


@router.get("/proof/inclusion")
def inclusion(index: Size, tree_size: Size, tlog: Log) -> JSONResponse:
    """Inclusion proof of entry ``index`` in the tree of exactly ``tree_size`` entries."""
    if index >= tree_size:
        raise InvalidInput("index", "must be less than tree_size")
    proof = tlog.inclusion_proof(index, tree_size)
    return JSONResponse(
        {
            "index": proof.index,
            "tree_size": proof.tree_size,
            "leaf_hash": _b64(proof.leaf_hash),
            "root": _b64(proof.root),
            "proof": [_b64(h) for h in proof.proof],
        },
        headers={"Cache-Control": IMMUTABLE},
    )


@router.get("/proof/consistency")
def consistency(old_size: Size, tree_size: Size, tlog: Log) -> JSONResponse:
    """Consistency proof between the trees of ``old_size`` and ``tree_size`` entries."""
    if old_size > tree_size:
        raise InvalidInput("old_size", "must not exceed tree_size")
    proof = tlog.consistency_proof(old_size, tree_size)
    return JSONResponse(
        {
            "old_size": proof.old_size,
            "tree_size": proof.tree_size,
            "old_root": _b64(proof.old_root),
            "root": _b64(proof.root),
            "proof": [_b64(h) for h in proof.proof],
        },
        headers={"Cache-Control": IMMUTABLE},
    )


@router.get("/entries")
def entries(
    tx: Reading,
    tlog: Log,
    subject: Annotated[str | None, Query(max_length=200)] = None,
    leaf_hash: Annotated[
        str | None, Query(pattern=r"^[0-9a-fA-F]{64}$", description="hex SHA-256(0x00 ‖ entry)")
    ] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> dict[str, Any]:
    """Logged public changes, newest first, by subject (a record id) or leaf hash."""
    page = tx.outbox.logged(PageRequest(offset, limit), subject, leaf_hash)
    items = [entry_item(i, tlog) for i in page.items]
    return {
        "items": items,
        "total": page.total,
        "offset": page.offset,
        "limit": page.limit,
        "has_more": page.has_more,
    }


def entry_item(logged: LoggedChange, tlog: TransparencyLog) -> dict[str, Any]:
    """A logged change as ``/log/entries`` lists it; a withheld entry shows only why."""
    withheld = tlog.store.withheld.get(logged.log_index)
    item: dict[str, Any] = {
        "index": logged.log_index,
        "leaf_hash": logged.leaf_hash,
        "kind": logged.change.kind,
        "subject": logged.change.subject,
        "public": dict(logged.change.public),
    }
    if withheld is not None:
        item |= {"subject": "", "public": {}, "withheld": withheld.reason}
    return item


@router.get("/receipt/{index}")
def receipt(index: int, tlog: Log) -> JSONResponse:
    """A receipt: the entry, its index, a signed checkpoint and the inclusion proof, verifiable
    offline with the vkey (``pallmall.log.verify_receipt``)."""
    size = tlog.checkpoint().checkpoint.size
    if not 0 <= index < size:
        raise NotFound(f"entry {index} is not in the published log of size {size}")
    return JSONResponse(tlog.receipt(index, timeout=0).to_json())
