"""``pallmall serve`` turns Nagle's algorithm off on every connection, also on the socket
uvicorn hands its ``--workers`` (made with ``proto`` 0, which asyncio leaves alone)."""

from __future__ import annotations

import asyncio
import socket
from concurrent.futures import ThreadPoolExecutor

import pytest
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from pallmall.cli.asgi import NoDelayHttpProtocol


async def _nodelay_of_accepted(protocol: type[HttpToolsProtocol]) -> int:
    async def app(scope: object, receive: object, send: object) -> None:
        raise AssertionError("no request is sent")

    config = uvicorn.Config(app, http=protocol)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # as uvicorn's bind_socket
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    class Probe(protocol):
        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            sock = transport.get_extra_info("socket")
            accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Probe(config, ServerState(), {}), sock=listener)
    _, writer = await asyncio.open_connection(*listener.getsockname())
    try:
        return await asyncio.wait_for(accepted, 10)
    finally:
        writer.close()
        server.close()


@pytest.mark.parametrize(
    ("protocol", "nodelay"), [(HttpToolsProtocol, False), (NoDelayHttpProtocol, True)]
)
def test_nodelay_on_a_worker_socket(protocol: type[HttpToolsProtocol], nodelay: bool) -> None:
    # A thread of its own: an earlier test in this worker (Playwright's sync API) may have
    # left an event loop running in the main thread, where asyncio.run refuses to start.
    with ThreadPoolExecutor(1) as pool:
        found = pool.submit(lambda: asyncio.run(_nodelay_of_accepted(protocol))).result(30)
    assert bool(found) is nodelay
