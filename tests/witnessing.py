"""Loopback servers for the witnessing tests: a real app on a free port, a witness that
hangs until released, and a port nobody listens on."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI

from pallmall.api.witness import witness_app
from pallmall.log import CosignatureSigner, TransparencyLog, Witness, generate_signer


class LiveServer:
    """A uvicorn server for ``app`` on 127.0.0.1 and a free port, in a thread (with the
    app's lifespan when ``lifespan`` is "on": a whole node starts its threads)."""

    def __init__(self, app: FastAPI, lifespan: str = "off") -> None:
        config = uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="warning", lifespan=lifespan
        )
        self.sock = config.bind_socket()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]})

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        assert self.server.started, "the loopback server did not start"
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)
        self.sock.close()


class HangingWitness:
    """A witness that accepts the connection and answers nothing until :meth:`release`
    (then a 503): a slow peer, without timing in the test."""

    def __init__(self) -> None:
        self.released = threading.Event()
        self.requests = threading.Semaphore(0)
        released, requests = self.released, self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                requests.release()
                released.wait(30)
                self.send_response(503)
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/add-checkpoint"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> HangingWitness:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()

    def release(self) -> None:
        """Let every request in flight (and later ones) end."""
        self.released.set()


def refused_url() -> str:
    """An add-checkpoint URL on a loopback port nobody listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/add-checkpoint"


def new_witness(folder: Path, name: str, logs: dict[str, list[str]]) -> Witness:
    """A witness named ``name`` with a fresh key, state and evidence in ``folder``."""
    signer = CosignatureSigner(name, Ed25519PrivateKey.generate())
    return Witness(signer, logs, folder / "state.json", folder / "evidence")


def grown(tlog: TransparencyLog, count: int, tag: bytes = b"e") -> int:
    """Append ``count`` entries, integrate, return the new size."""
    size = tlog.checkpoint().checkpoint.size
    tlog.append([tag + b"%d" % (size + i) for i in range(count)])
    return tlog.integrate().checkpoint.size


def new_log(folder: Path, origin: str) -> TransparencyLog:
    """A log in ``folder`` with a fresh key named ``origin``."""
    return TransparencyLog.open(folder, generate_signer(origin))


def serve_witness(witness: Witness) -> LiveServer:
    """``witness`` alone (``pallmall witness serve``'s app) on a loopback port; its
    add-checkpoint URL is ``url + "/add-checkpoint"``."""
    return LiveServer(witness_app(witness))
