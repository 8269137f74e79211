"""``pallmall serve --workers N`` forks its workers from a supervisor that imported the app
once (issue 16): every worker answers on its own, a worker that dies is replaced, ``SIGHUP``
replaces them all, and ``SIGTERM`` stops the supervisor with its workers."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from tests.security.live import CLI, cli, free_port, node_env

T = TypeVar("T")


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found |= {int(c) for c in (task / "children").read_text().split()}
        except FileNotFoundError:  # the thread ended meanwhile
            continue
    return found


def _forked_workers(server: int) -> set[int]:
    """The children of ``server`` running its own command line: forks, not spawned
    interpreters (``multiprocessing.spawn`` children run ``spawn_main``)."""
    own = Path(f"/proc/{server}/cmdline").read_bytes()
    out = set()
    for child in _children(server):
        try:
            if Path(f"/proc/{child}/cmdline").read_bytes() == own:
                out.add(child)
        except FileNotFoundError:  # gone meanwhile
            continue
    return out


def _until(what: Callable[[], T | None], seconds: float = 120) -> T:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s")


def _status(base: str) -> str:
    # a new connection each time: the kernel hands it to a worker that is accepting
    with httpx.Client(timeout=20) as client:
        return str(client.get(base + "/api/v1/status").json()["status"])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    env = node_env(tmp_path / "data")
    cli(env, "init")  # no list loaded: a worker is ready once its app has started
    port = free_port()
    proc = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _until(lambda: len(_forked_workers(proc.pid)) == 2 and _answers(base))
        yield proc, base
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(60)


def _answers(base: str) -> bool:
    try:
        return _status(base) == "ready"
    except httpx.TransportError:
        return False


@pytest.mark.slow
def test_every_forked_worker_answers_on_its_own(
    server: tuple[subprocess.Popen[bytes], str],
) -> None:
    proc, base = server
    workers = _forked_workers(proc.pid)
    assert len(workers) == 2
    for stopped in workers:  # with one worker stopped, the other answers every request
        os.kill(stopped, signal.SIGSTOP)
        try:
            assert all(_status(base) == "ready" for _ in range(5))
        finally:
            os.kill(stopped, signal.SIGCONT)


@pytest.mark.slow
def test_forked_workers_are_replaced_and_restarted_cleanly(
    server: tuple[subprocess.Popen[bytes], str],
) -> None:
    proc, base = server
    first = _forked_workers(proc.pid)
    dead = min(first)
    os.kill(dead, signal.SIGKILL)  # the supervisor forks a replacement
    replaced = _until(lambda: (w := _forked_workers(proc.pid)) - first and len(w) == 2 and w)
    assert dead not in replaced and _status(base) == "ready"
    os.kill(proc.pid, signal.SIGHUP)  # restart every worker, one after the other
    renewed = _until(lambda: not (w := _forked_workers(proc.pid)) & replaced and len(w) == 2 and w)
    assert _status(base) == "ready"
    proc.terminate()
    assert proc.wait(60) == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in renewed)
