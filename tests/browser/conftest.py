"""A real server on loopback with the demo data, and Debian's chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from pallmall.log import ensure_signing_key

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
REGULATOR = "officer@authority.example"
PASSWORD = "a long enough password"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``pallmall init --demo`` then ``pallmall serve`` in a subprocess; yields the base URL."""
    data = tmp_path_factory.mktemp("portal")
    env = {**os.environ, "PALLMALL_DATA_DIR": str(data), "PALLMALL_DATABASE_URL": ""}
    cli = [sys.executable, "-m", "pallmall.cli"]
    pin_key_with_plus(data, tmp_path_factory.mktemp("keys"))
    subprocess.run([*cli, "init", "--demo"], env=env, check=True, capture_output=True)
    subprocess.run(
        [
            *cli,
            "user",
            "add",
            REGULATOR,
            "--role",
            "regulator",
            "--account",
            "Export Authority",
            "--kind",
            "export_authority",
            "--state",
            "GB",
        ],
        env={**env, "PALLMALL_PASSWORD": PASSWORD},
        check=True,
        capture_output=True,
    )
    with serving(env) as base:
        yield base


def pin_key_with_plus(data: Path, scratch: Path) -> None:
    """Give the log a signing key whose vkey has "+" inside its base64 part.

    Regression: the in-browser signature check split the vkey on every "+", so about half
    of all random keys failed to verify; pinning such a key makes the test deterministic.
    """
    for attempt in range(1000):
        folder = scratch / str(attempt)
        vkey = ensure_signing_key(folder, "pallmall.example/log")
        if "+" in vkey.split("+", 2)[2]:
            data.mkdir(parents=True, exist_ok=True)
            shutil.copy(folder / "log-signing.key", data / "log-signing.key")
            (data / "log-signing.key").chmod(0o600)
            return
    raise AssertionError("no key with '+' in 1000 tries")


@contextmanager
def serving(env: dict[str, str]) -> Iterator[str]:
    """``pallmall serve`` on a free loopback port with ``env``; yields the base URL."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "pallmall.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base)
        yield base
    finally:
        server.terminate()
        server.wait(10)


def _wait(base: str) -> None:
    deadline = time.monotonic() + 180  # a loaded CI machine may take long to warm up
    while time.monotonic() < deadline:
        try:
            httpx.get(base + "/api/v1/me", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {base} did not start")


@pytest.fixture(scope="session")
def browser():
    """Headless Debian chromium (installed by `make browser`); skips when absent."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (run `make browser`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    """A fresh page; screenshots go to test-artifacts/screenshots/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context()
    yield context.new_page()
    context.close()
