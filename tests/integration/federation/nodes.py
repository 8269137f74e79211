"""Independent nodes for the federation journeys: each its own ``pallmall serve`` process on
loopback with its own data folder, database (SQLite, or PostgreSQL in its own schema), log
origin and keys, driven over HTTP and through the CLI as the states' operators would."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from pallmall.storage.base import make_engine
from tests.security.live import free_port

CLI = [sys.executable, "-m", "pallmall.cli"]
PASSWORD = "a long enough password"
POSTGRES = os.environ.get(
    "PALLMALL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@dataclass
class Node:
    """One state's node: its name (``a``), state (``GB``), data folder, port and database."""

    name: str
    state: str
    data: Path
    port: int
    database_url: str = ""
    tokens: dict[str, str] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def origin(self) -> str:
        """The node's log origin."""
        return f"{self.name}.pallmall.test/log"

    @property
    def url(self) -> str:
        """The node's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of this node's processes."""
        env = {
            **os.environ,
            "PALLMALL_DATA_DIR": str(self.data),
            "PALLMALL_DATABASE_URL": self.database_url,
            "PALLMALL_LOG_ORIGIN": self.origin,
            "PALLMALL_NODE_STATE": self.state,
            "PALLMALL_PUBLIC_URL": self.url,
            "PALLMALL_PASSWORD": PASSWORD,
        }
        return {**env, **extra}

    def cli(
        self, *args: str, code: int | None = 0, **extra: str
    ) -> subprocess.CompletedProcess[str]:
        """Run ``pallmall ARGS`` as this node's operator; assert the exit code unless None."""
        done = subprocess.run(
            [*CLI, *args], env=self.env(**extra), text=True, capture_output=True, timeout=300
        )
        if code is not None:
            assert done.returncode == code, f"{args}: {done.stdout}{done.stderr}"
        return done

    def call(
        self, method: str, path: str, user: str | None = "admin", **kwargs: Any
    ) -> httpx.Response:
        """An HTTP request to this node as ``user`` (None: anonymous)."""
        headers = dict(kwargs.pop("headers", {}))
        if user is not None:
            headers["Authorization"] = f"Bearer {self.tokens[user]}"
        return httpx.request(method, self.url + path, headers=headers, timeout=60, **kwargs)

    def ok(self, method: str, path: str, user: str | None = "admin", **kwargs: Any) -> Any:
        """``call``, asserting a 2xx answer; its JSON (None when empty)."""
        response = self.call(method, path, user, **kwargs)
        assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def add_user(self, who: str, role: str, account: str = "", kind: str = "") -> None:
        """A user ``who`` (with an API token) through the API, in ``account`` of ``kind``."""
        body: dict[str, Any] = {
            "email": f"{who}@{self.name}.example",
            "name": who,
            "role": role,
            "password": PASSWORD,
        }
        if account:
            body |= {"account_name": account, "account_kind": kind}
            if kind in ("export_authority", "state_agency", "oversight_body"):
                body["account_state"] = self.state
        made = self.ok("POST", "/api/v1/users", json=body)
        self.users[who] = made["id"]
        issued = self.ok(
            "POST", "/api/v1/tokens", None, json={"email": body["email"], "password": PASSWORD}
        )
        self.tokens[who] = issued["token"]

    def start(self) -> None:
        """Start ``pallmall serve``; returns at once (see :meth:`wait_ready`)."""
        with (self.data.parent / f"{self.name}-serve.log").open("wb") as log:
            self.process = subprocess.Popen(
                [*CLI, "serve", "--port", str(self.port)],
                env=self.env(),
                stdout=subprocess.DEVNULL,
                stderr=log,
            )

    def wait_ready(self, timeout: float = 600) -> None:
        """Wait until ``/api/v1/status`` says ready; raises with the log if the server died."""
        deadline = time.monotonic() + timeout
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.data.parent / f"{self.name}-serve.log").read_text()
                raise RuntimeError(f"node {self.name} exited {self.process.returncode}: {log}")
            try:
                if httpx.get(self.url + "/api/v1/status", timeout=2).json()["status"] == "ready":
                    return
            except (httpx.TransportError, ValueError, KeyError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"node {self.name} did not become ready")

    def stop(self) -> None:
        """Stop the server."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(30)
            self.process = None


def _init(node: Node) -> None:
    node.data.mkdir(mode=0o700)
    node.cli("init")
    done = node.cli("user", "add", f"admin@{node.name}.example", "--role", "admin", "--token")
    node.tokens["admin"] = done.stdout.rsplit("API token (shown once): ", 1)[1].split()[0]


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh PostgreSQL schema; yields the database URL that uses it."""
    schema = f"pm_fed_{uuid.uuid4().hex[:10]}"
    engine = make_engine(POSTGRES)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


@contextmanager
def running(root: Path, specs: Sequence[tuple[str, str, bool]]) -> Iterator[dict[str, Node]]:
    """Nodes named and stated by ``specs`` (name, state, on PostgreSQL), initialised and
    served in parallel; each with an admin whose token is ``tokens["admin"]``."""
    with ExitStack() as stack:
        nodes = {}
        for name, state, on_postgres in specs:
            url = stack.enter_context(postgres_schema()) if on_postgres else ""
            nodes[name] = Node(name, state, root / name, free_port(), url)
        with ThreadPoolExecutor(len(nodes)) as pool:
            list(pool.map(_init, nodes.values()))
        for node in nodes.values():
            node.start()
            stack.callback(node.stop)
        for node in nodes.values():
            node.wait_ready()
        yield nodes
