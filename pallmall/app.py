"""The composition root: ``create_app(settings)`` is the one place that wires pallmall together."""

from __future__ import annotations

import secrets
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
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
    log,
    problems,
    registry,
    screening,
)
from pallmall.api import reports as reports_api
from pallmall.api.deps import principal, session_cookie
from pallmall.api.pool import WorkerPool
from pallmall.api.taxii import TaxiiConfig, taxii_router
from pallmall.core.errors import Conflict
from pallmall.core.settings import Settings
from pallmall.datadir import secure_data_dir
from pallmall.log import TransparencyLog, ensure_signing_key, load_signing_key
from pallmall.log.tiles import FsTileStore
from pallmall.publisher import Publisher
from pallmall.rechecker import Rechecker
from pallmall.registry.lookup import ProductsByName
from pallmall.screening import ScreeningDesk
from pallmall.storage.base import is_sqlite
from pallmall.storage.database import Database
from pallmall.storage.intel import SqlIntelStore
from pallmall.storage.log import SqlSequencer
from pallmall.storage.screening import SqlListStore, current_snapshots
from pallmall.web import (
    api_docs,
    attestation_pages,
    cases_pages,
    equities_pages,
    pages,
    portal_pages,
    screening_pages,
)

STATIC = Path(__file__).resolve().parent / "web" / "static"


def create_app(settings: Settings, db: Database | None = None) -> FastAPI:
    """Build the ASGI app: API under ``/api/v1``, the web portal under ``/``, assets under
    ``/static``. The database must already be migrated (``pallmall init`` does it)."""
    secure_data_dir(settings)
    db = db or Database(settings.effective_database_url)
    tlog = open_log(settings, db)
    publisher = Publisher(db, tlog)
    desk = screening_desk(db)
    rechecker = Rechecker(db, lambda tx: cases.build_service(db, tx, desk))
    workers = WorkerPool(settings.worker_threads)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        tlog.ensure_checkpoint()
        tlog.start()
        publisher.start()
        warm_up(desk)
        if settings.recheck_seconds:
            rechecker.start(settings.recheck_seconds)
        yield
        rechecker.stop()
        publisher.stop()
        tlog.stop()
        workers.shutdown()

    app = FastAPI(
        lifespan=lifespan,
        title="pallmall",
        version="0.1.0",
        description="Oversight and transparency for the commercial cyber intrusion market.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # /api/v1/docs is rendered on the server (web/api_docs.py): no CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.tlog = tlog
    app.state.publisher = publisher
    app.state.screening = desk
    app.state.workers = workers
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
    app.include_router(screening.router)
    app.include_router(log.router)
    app.include_router(cases.router)
    app.include_router(intel.router)
    intel_store = SqlIntelStore(app.state.db.engine)
    app.include_router(
        taxii_router(
            lambda: intel_store,
            principal,
            TaxiiConfig(public_url=settings.public_url),
            products=ProductsByName(app.state.db.registry),
            workers=workers,
        ),
        include_in_schema=False,  # TAXII 2.1 is its own contract, checked with taxii2-client
    )
    app.include_router(reports_api.router)
    app.include_router(equities.router)
    app.include_router(attestation.router)
    app.include_router(api_docs.router)
    app.include_router(portal_pages.router)
    app.include_router(pages.router)
    app.include_router(cases_pages.router)
    app.include_router(screening_pages.router)
    app.include_router(equities_pages.router)
    app.include_router(attestation_pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def session_secret(settings: Settings) -> str:
    """The cookie-signing secret: from settings, else kept in ``data_dir/session.key`` (0600)."""
    if settings.session_secret:
        return settings.session_secret
    path = settings.data_dir / "session.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


def screening_desk(db: Database) -> ScreeningDesk:
    """The screening desk over the lists stored in ``db``."""
    store = SqlListStore(db.engine)
    return ScreeningDesk(current=lambda: current_snapshots(store), load=store.latest)


def open_log(settings: Settings, db: Database) -> TransparencyLog:
    """The transparency log in ``data_dir/log``, signed with the key ``pallmall init`` made
    (created here if missing, owner-only).

    On SQLite the log sequences in a journal beside its tiles (one machine, ``flock``); on
    PostgreSQL one sequencer holds a database lock, so several API workers append without
    gap or duplicate.
    """
    ensure_signing_key(settings.data_dir, settings.log_origin)
    signer = load_signing_key(settings.data_dir / "log-signing.key")
    folder = settings.data_dir / "log"
    if is_sqlite(db.engine):
        return TransparencyLog.open(folder, signer)
    tlog = TransparencyLog(FsTileStore(folder / "public"), SqlSequencer(db.engine), signer)
    tlog.ensure_checkpoint()
    return tlog


def warm_up(desk: ScreeningDesk) -> None:
    """Build the screener in the background, so the first screen does not wait for it."""

    def build() -> None:
        with suppress(Conflict):  # no list loaded yet: the first screen will say so
            desk.screener()

    threading.Thread(target=build, name="screener-warm-up", daemon=True).start()
