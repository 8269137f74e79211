"""What uvicorn loads: the app factory (``uvicorn --factory pallmall.cli.asgi:app``) and the
HTTP protocol ``pallmall serve`` runs it with."""

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


SERVE_OPTIONS: dict[str, str] = {
    # asyncio's own loop, not uvloop: at saturation uvloop keeps reading new requests ahead
    # of writing finished responses (MagicStack/uvloop#123), which put the registry read's
    # p99 at 300-600 ms against 40 ms here, for the same throughput.
    "loop": "asyncio",
    "http": "pallmall.cli.asgi:NoDelayHttpProtocol",
    "log_level": "warning",
}
"""How ``pallmall serve`` runs uvicorn (the benchmarks serve the same way). With
``--workers`` it also gives each worker 120 s to answer the supervisor's health check:
loading rigour's name tables (the screener's warm-up) holds the GIL for seconds, longer on
a loaded machine, and the default 5 s killed every worker before it was ready."""
