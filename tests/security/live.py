"""A real node for the security suite: ``pallmall init`` and ``pallmall serve`` in
subprocesses on a free loopback port, driven over HTTP as an attacker or operator would."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

CLI = [sys.executable, "-m", "pallmall.cli"]
PASSWORD = "a long enough password"


def node_env(data: Path, **extra: str) -> dict[str, str]:
    """The environment of a node whose data folder is ``data`` (SQLite)."""
    env = {**os.environ, "PALLMALL_DATA_DIR": str(data), "PALLMALL_DATABASE_URL": ""}
    env.pop("PALLMALL_PUBLIC_URL", None)
    return {**env, **extra}


def cli(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``pallmall ARGS``; with ``check``, fail with its output unless it exits 0."""
    done = subprocess.run([*CLI, *args], env=env, text=True, capture_output=True, timeout=300)
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def add_user(env: dict[str, str], who: str, role: str) -> str:
    """Add a user with an API token; return the token."""
    done = cli(
        {**env, "PALLMALL_PASSWORD": PASSWORD},
        "user",
        "add",
        who,
        "--role",
        role,
        "--account",
        "Authority",
        "--kind",
        "export_authority",
        "--state",
        "GB",
        "--token",
    )
    return done.stdout.rsplit("API token (shown once): ", 1)[1].split()[0]


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(env: dict[str, str], ready: bool = True) -> Iterator[str]:
    """``pallmall serve`` on a free port; yields the base URL once it answers (and, with
    ``ready``, once ``/api/v1/status`` says ready)."""
    port = free_port()
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port)],
        env={**env, "PALLMALL_PUBLIC_URL": f"http://127.0.0.1:{port}"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base, server, ready)
        yield base
    finally:
        server.terminate()
        server.wait(30)
        if server.stderr is not None:
            server.stderr.close()


def _wait(base: str, server: subprocess.Popen[bytes], ready: bool) -> None:
    # building the screener from the shipped lists takes minutes on a loaded 2-core machine
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if server.poll() is not None:
            err = server.stderr.read().decode() if server.stderr else ""
            raise RuntimeError(f"pallmall serve exited {server.returncode}: {err}")
        try:
            status = httpx.get(base + "/api/v1/status", timeout=2).json()
            if not ready or status["status"] == "ready":
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server at {base} did not become ready")
