"""FastAPI dependencies: the database unit of work and the calling principal."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from fastapi import Request

from pallmall.core.accounts import token_hash
from pallmall.core.auth import ANONYMOUS, Principal
from pallmall.core.errors import Unauthenticated
from pallmall.core.settings import Settings
from pallmall.storage.database import Database, Tx

SESSION_USER = "user_id"


def database(request: Request) -> Database:
    """The app's database."""
    db: Database = request.app.state.db
    return db


def settings(request: Request) -> Settings:
    """The app's settings."""
    s: Settings = request.app.state.settings
    return s


async def read_tx(request: Request) -> AsyncIterator[Tx]:
    """A read-only unit of work for one request.

    Async on purpose: reads are short indexed queries, and running them on the event loop
    saves two thread-pool hops per request (measured in bench/registry_bench.py).
    """
    with database(request).read() as tx:
        yield tx


def write_tx(request: Request) -> Iterator[Tx]:
    """A unit of work that commits when the request succeeds and rolls back otherwise.

    Depend on it with ``Depends(write_tx, scope="function")``: the commit then happens
    before the response is sent, so a 2xx means the write is durable and readable.
    """
    with database(request).write() as tx:
        yield tx


async def principal(request: Request) -> Principal:
    """The caller (see :func:`resolve_principal`)."""
    return resolve_principal(request)


def resolve_principal(request: Request) -> Principal:
    """The caller: a bearer token, else the web session, else anonymous.

    Raises:
        Unauthenticated: a bearer token was sent but is unknown, revoked or its user inactive.
    """
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return _token_principal(request, header[7:].strip())
    user_id = request.session.get(SESSION_USER) if "session" in request.scope else None
    if user_id:
        with database(request).read() as tx:
            user = tx.accounts.user_by_id(user_id)
        if user is not None and user.active:
            return user.principal()
    return ANONYMOUS


def _token_principal(request: Request, token: str) -> Principal:
    with database(request).read() as tx:
        user = tx.accounts.user_by_token_hash(token_hash(token))
    if user is None or not user.active:
        raise Unauthenticated("unknown or revoked API token")
    return user.principal()
