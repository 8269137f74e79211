"""FastAPI dependencies: the node's services, the database unit of work, the calling
principal, and the aliases every router and page declares its parameters with.

The only module that reads ``request.app.state`` (the :class:`~pallmall.wiring.Node` the
app was built on); routers and pages depend on the functions and aliases here."""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import Depends, Query, Request

from pallmall.api.pool import WorkerPool
from pallmall.cases.service import CaseService
from pallmall.core.accounts import token_hash
from pallmall.core.auth import ANONYMOUS, Principal
from pallmall.core.clock import utcnow
from pallmall.core.errors import Unauthenticated
from pallmall.core.paging import MAX_LIMIT, MAX_OFFSET
from pallmall.core.settings import Settings
from pallmall.log import CosignatureStore, TransparencyLog, Witness
from pallmall.publisher import Publisher
from pallmall.screening import ScreeningDesk
from pallmall.storage.database import Database, Tx
from pallmall.wiring import Node

SESSION = "pallmall_session"
PRINCIPAL = "pallmall.principal"


def node(request: Request) -> Node:
    """The node the app was built on (:func:`pallmall.wiring.build_node`)."""
    found: Node = request.app.state.node
    return found


def database(request: Request) -> Database:
    """The app's database."""
    return node(request).db


def settings(request: Request) -> Settings:
    """The app's settings."""
    return node(request).settings


def transparency_log(request: Request) -> TransparencyLog:
    """The app's transparency log."""
    return node(request).tlog


def node_witness(request: Request) -> Witness:
    """The node's tlog-witness (cosigns its peers' checkpoints)."""
    return node(request).witness


def cosignatures(request: Request) -> CosignatureStore:
    """The cosignatures of this node's checkpoints collected from its peers' witnesses."""
    return node(request).cosigning.store


def screening_desk(request: Request) -> ScreeningDesk:
    """The app's screening desk."""
    return node(request).screening


def publisher(request: Request) -> Publisher:
    """The app's outbox publisher."""
    return node(request).publisher


def worker_pool(request: Request) -> WorkerPool:
    """The app's worker pool (CPU-bound work off the event loop)."""
    return node(request).workers


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


Caller = Annotated[Principal, Depends(principal)]
"""The calling principal (anonymous when no credentials were sent)."""
Reading = Annotated[Tx, Depends(read_tx, scope="function")]
"""A read-only unit of work for the request."""
# scope="function": commit before the response is sent, so a 2xx means committed (the
# default scope, "request", would commit after the client already has its answer)
Writing = Annotated[Tx, Depends(write_tx, scope="function")]
"""A unit of work that commits when the request succeeds."""
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Log = Annotated[TransparencyLog, Depends(transparency_log)]
Desk = Annotated[ScreeningDesk, Depends(screening_desk)]
NodeWitness = Annotated[Witness, Depends(node_witness)]
Cosignatures = Annotated[CosignatureStore, Depends(cosignatures)]
Workers = Annotated[WorkerPool, Depends(worker_pool)]


def cases_writing(request: Request, tx: Writing) -> CaseService:
    """The case service on the request's writing unit of work."""
    return node(request).cases(tx)


def cases_reading(request: Request, tx: Reading) -> CaseService:
    """The case service on the request's read-only unit of work."""
    return node(request).cases(tx)


Cases = Annotated[CaseService, Depends(cases_writing)]
ReadCases = Annotated[CaseService, Depends(cases_reading)]


def session_cookie(settings: Settings) -> str:
    """The web session cookie's name: ``__Host-`` prefixed when served over https (the
    browser then refuses it from any other origin, a sibling port or a subdomain)."""
    return "__Host-pallmall_session" if settings.public_url.startswith("https://") else SESSION


def resolve_principal(request: Request) -> Principal:
    """The caller: an API token (``Authorization: Bearer``/``Token``, or HTTP Basic with the
    user's e-mail and a token as password), else the web session cookie, else anonymous.
    Resolved once per request (kept in the ASGI scope).

    Raises:
        Unauthenticated: credentials were sent but are unknown, expired, revoked, of an
            inactive user, or in an unsupported scheme.
    """
    cached: Principal | None = request.scope.get(PRINCIPAL)
    if cached is None:
        cached = _resolve(request)
        request.scope[PRINCIPAL] = cached
    return cached


def _resolve(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    if header:
        return _token_principal(request, *credentials(header))
    session = request.cookies.get(session_cookie(settings(request)))
    if session:
        with database(request).read() as tx:
            user = tx.accounts.user_by_session(token_hash(session), utcnow())
        if user is not None and user.active:
            return user.principal()
    return ANONYMOUS


def credentials(header: str) -> tuple[str | None, str]:
    """``(e-mail or None, token)`` from an ``Authorization`` header.

    Raises:
        Unauthenticated: a scheme other than Bearer, Token or Basic, or a malformed value.
    """
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() in ("bearer", "token") and value:
        return None, value
    if scheme.lower() == "basic":
        try:
            email, sep, token = base64.b64decode(value, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthenticated("malformed HTTP Basic credentials") from None
        if sep and token:
            return email.strip().lower() or None, token
    raise Unauthenticated("send Authorization: Bearer <token> (or Token, or Basic e-mail:token)")


def _token_principal(request: Request, email: str | None, token: str) -> Principal:
    with database(request).read() as tx:
        user = tx.accounts.user_by_token_hash(token_hash(token), utcnow())
    if user is None or not user.active or (email is not None and email != user.email):
        raise Unauthenticated("unknown, expired or revoked API token")
    return user.principal()
