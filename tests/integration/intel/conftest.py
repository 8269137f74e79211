"""Fixtures for the intel integration tests: databases, test principals, a live TAXII server."""

from __future__ import annotations

import base64
import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI, HTTPException, Request
from sqlalchemy import text
from sqlalchemy.engine import Engine

from pallmall.api.taxii import taxii_router
from pallmall.core.auth import ANONYMOUS, Principal, Role
from pallmall.storage.base import make_engine, metadata
from pallmall.storage.intel import INTEL_TABLES, SqlIntelStore


def create_intel_tables(engine: Engine) -> None:
    """Create the intel tables if missing (an engine without the migrations)."""
    metadata.create_all(engine, tables=list(INTEL_TABLES))


SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "ti-data"
PG_URL = os.environ.get("PALLMALL_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

TOKENS = {
    "analyst-token": Principal(user_id="u-analyst", role=Role.ANALYST, display="analyst"),
    "regulator-token": Principal(user_id="u-regulator", role=Role.REGULATOR, display="regulator"),
    "public-token": Principal(user_id="u-public", role=Role.PUBLIC, display="public"),
}


def test_principal(request: Request) -> Principal:
    """Maps ``Bearer <token>`` or HTTP Basic ``<user>:<token>`` to a test principal."""
    header = request.headers.get("authorization")
    if not header:
        return ANONYMOUS
    scheme, _, credential = header.partition(" ")
    token = credential
    if scheme.lower() == "basic":
        token = base64.b64decode(credential).decode().partition(":")[2]
    if token not in TOKENS:
        raise HTTPException(401, "bad credentials", headers={"WWW-Authenticate": "Basic"})
    return TOKENS[token]


test_principal.__test__ = False


@pytest.fixture
def shared_data() -> Path:
    """The ti-data folder of the steering repo, or a skip when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"shared test data absent: {SHARED.resolve()}")
    return SHARED.resolve()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'intel.db'}")
    create_intel_tables(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    """A PostgreSQL engine on a schema of its own, dropped afterwards."""
    schema = f"intel_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL unreachable at {PG_URL}: {type(exc).__name__}")
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    create_intel_tables(engine)
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Engine:
    """The same tests on SQLite and on PostgreSQL."""
    name = "sqlite_engine" if request.param == "sqlite" else "pg_engine"
    return request.getfixturevalue(name)


class LiveServer:
    """A uvicorn server on 127.0.0.1 and a free port, in a thread."""

    def __init__(self, app: FastAPI) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        self.sock = config.bind_socket()  # a bare socket.bind() socket costs ~40 ms a request
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]})

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


def taxii_app(store: SqlIntelStore) -> FastAPI:
    """A bare app holding only the TAXII router, authenticated by :func:`test_principal`."""
    app = FastAPI()
    app.include_router(taxii_router(lambda: nullcontext(store), test_principal))
    return app
