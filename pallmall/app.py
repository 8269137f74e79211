"""The ASGI app: ``create_app(settings)`` puts the routers, the guard and the problem
handlers on a :class:`~pallmall.wiring.Node` (everything is constructed in
:mod:`pallmall.wiring`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from pallmall.api import (
    accounts,
    attestation,
    cases,
    equities,
    guard,
    intel,
    links,
    log,
    problems,
    registry,
    screening,
    witness,
)
from pallmall.api import federation as federation_api
from pallmall.api import reports as reports_api
from pallmall.api.deps import principal, session_cookie
from pallmall.api.taxii import TaxiiConfig, taxii_router
from pallmall.core.settings import Settings
from pallmall.storage.database import Database
from pallmall.web import (
    admin_pages,
    api_docs,
    attestation_pages,
    cases_pages,
    equities_pages,
    federation_pages,
    incident_pages,
    links_pages,
    pages,
    portal_pages,
    screening_pages,
)
from pallmall.wiring import (
    ExchangeFor,
    Witnessing,
    build_node,
    federation_collections,
    intel_reading,
    intel_writing,
    organisations_by_name,
    products_by_name,
    session_secret,
)

STATIC = Path(__file__).resolve().parent / "web" / "static"


def create_app(
    settings: Settings,
    db: Database | None = None,
    witnessing: Witnessing | None = None,
    exchange: ExchangeFor | None = None,
) -> FastAPI:
    """Build the ASGI app: API under ``/api/v1``, the web portal under ``/``, the node's
    witness under ``/witness``, assets under ``/static``; ``exchange`` carries denial notices
    to and from other states' nodes. The database must already be migrated (``pallmall
    init`` does it)."""
    node = build_node(settings, db, witnessing, exchange)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        node.start()
        yield
        node.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="pallmall",
        version="0.1.0",
        description="Oversight and transparency for the commercial cyber intrusion market.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # /api/v1/docs is rendered on the server (web/api_docs.py): no CDN
        redoc_url=None,
    )
    app.state.node = node  # read only through pallmall.api.deps
    guard.install(
        app,
        guard.GuardConfig(
            secret=session_secret(settings).encode(),
            public_url=settings.public_url,
            session_cookie=session_cookie(settings),
            body_limit=settings.max_body_bytes,
        ),
    )
    problems.install(app, html=pages.page_error)
    app.include_router(registry.router)
    app.include_router(accounts.router)
    app.include_router(links.router)
    app.include_router(screening.router)
    app.include_router(log.router)
    app.include_router(witness.router)
    app.include_router(cases.router)
    app.include_router(intel.router)
    app.include_router(
        taxii_router(
            lambda: intel_reading(node.db),
            principal,
            TaxiiConfig(public_url=settings.public_url),
            products=products_by_name(node.db),
            organisations=organisations_by_name(node.db),
            workers=node.workers,
            writing=lambda: intel_writing(node.db),
            served=federation_collections(settings, node.db),
        ),
        include_in_schema=False,  # TAXII 2.1 is its own contract, checked with taxii2-client
    )
    app.include_router(reports_api.router)
    app.include_router(equities.router)
    app.include_router(attestation.router)
    app.include_router(federation_api.router)
    app.include_router(api_docs.router)
    app.include_router(incident_pages.router)  # before the portal: /incidents/new is no id
    app.include_router(portal_pages.router)
    app.include_router(pages.router)
    app.include_router(cases_pages.router)
    app.include_router(links_pages.router)
    app.include_router(admin_pages.router)
    app.include_router(screening_pages.router)
    app.include_router(equities_pages.router)
    app.include_router(attestation_pages.router)
    app.include_router(federation_pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
