"""What uvicorn loads: the app factory (``uvicorn --factory pallmall.cli.asgi:app``) and the
HTTP protocol ``pallmall serve`` runs it with (named in :data:`pallmall.cli.serving.SERVE_OPTIONS`:
the CLI does not import the app, only each worker does)."""

from __future__ import annotations

import asyncio
import socket

from fastapi import FastAPI
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from pallmall.app import create_app
from pallmall.core.settings import load_settings


def app() -> FastAPI:
    """The app configured from the environment (``PALLMALL_*``)."""
    return create_app(load_settings())


class NoDelayHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with Nagle's algorithm off on every connection.

    asyncio turns it off only for sockets whose ``proto`` says TCP; with ``--workers`` the
    workers accept on a socket uvicorn made with ``proto`` 0, so each keep-alive response
    waited for the client's delayed ACK: 44 ms per request, 1,130 req/s at most.
    """

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # uvicorn types transport as BaseTransport; asyncio hands a Transport
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
