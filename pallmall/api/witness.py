"""The C2SP tlog-witness HTTP API: ``POST /add-checkpoint``."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from pallmall.core.errors import PallmallError
from pallmall.log import Witness, WitnessConflict


def witness_app(witness: Witness) -> FastAPI:
    """An app exposing ``witness`` at ``/add-checkpoint``; errors as the spec's status codes."""
    app = FastAPI(title="pallmall witness", openapi_url=None, docs_url=None)

    @app.post("/add-checkpoint")
    async def add_checkpoint(request: Request) -> Response:
        body = await request.body()
        try:
            return Response(witness.add_checkpoint(body), media_type="text/plain; charset=utf-8")
        except WitnessConflict as exc:
            # exactly this type (c2sp.org/tlog-witness), without the charset Starlette adds
            return Response(
                f"{exc.size}\n".encode(),
                status_code=409,
                headers={"Content-Type": "text/x.tlog.size"},
            )
        except PallmallError as exc:
            return Response(f"{exc}\n", status_code=exc.status, media_type="text/plain")

    return app
