"""An operator's bad day: a full disk, a read-only data folder, and a backup taken while the
node writes, restored elsewhere and verified (issue 13)."""

from __future__ import annotations

import os
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import pytest

from .live import add_user, cli, node_env, serving

pytestmark = [pytest.mark.slow]
REGULATOR = "officer@authority.example"


def _record(name: str) -> dict[str, object]:
    return {"type": "organisation", "name": name, "kinds": ["vendor"], "jurisdictions": ["GB"]}


@contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A small tmpfs at ``where`` (root only; the test skips elsewhere)."""
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(folder: Path) -> Path:
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for block in (1 << 20, 4096, 1):  # down to the last byte
            with suppress(OSError):
                while os.write(fd, b"\0" * block):
                    pass
    finally:
        os.close(fd)
    return filler


def test_a_write_to_a_full_disk_is_a_503_problem(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "disk", "48m") as disk:
        env = node_env(disk / "data")
        cli(env, "init")
        auth = {"Authorization": f"Bearer {add_user(env, REGULATOR, 'regulator')}"}
        with serving(env) as base, httpx.Client(base_url=base, headers=auth, timeout=60) as http:
            assert http.post("/api/v1/registry/records", json=_record("Before")).status_code == 201
            filler = _fill(disk)
            codes = []
            for i in range(60):
                reply = http.post("/api/v1/registry/records", json=_record(f"Full {i}"))
                codes.append(reply.status_code)
                assert reply.status_code in (201, 503), reply.text  # never a 500
                if reply.status_code == 503:
                    assert reply.headers["content-type"] == "application/problem+json"
                    assert "disk full or read-only" in reply.json()["detail"]
                    assert reply.json()["error_id"] and reply.headers["retry-after"]
                    break
            assert 503 in codes, codes
            filler.unlink()
            assert http.post("/api/v1/registry/records", json=_record("After")).status_code == 201


def test_the_log_says_not_ready_on_a_full_disk_and_recovers(tmp_path: Path) -> None:
    # the log's folder on a small disk, the database elsewhere: every write reaches the
    # database, and only the log cannot advance
    database = f"sqlite:///{tmp_path / 'pallmall.db'}"
    with tmpfs(tmp_path / "disk", "16m") as disk:
        env = node_env(disk / "data", PALLMALL_DATABASE_URL=database)
        vkey = cli(env, "init").stdout.rsplit("verifier key: ", 1)[1].split()[0]
        auth = {"Authorization": f"Bearer {add_user(env, REGULATOR, 'regulator')}"}
        with serving(env) as base, httpx.Client(base_url=base, headers=auth, timeout=60) as http:
            assert http.post("/api/v1/registry/records", json=_record("Before")).status_code == 201
            logged = _until(base, lambda s: s["log_size"] >= 1)["log_size"]
            filler = _fill(disk)
            for i in range(5):
                created = http.post("/api/v1/registry/records", json=_record(f"Full {i}"))
                assert created.status_code == 201, created.text
            status = _until(base, lambda s: s["status"] == "not_ready")
            assert not status["log_advancing"] and "No space left" in " ".join(status["problems"])
            assert httpx.get(f"{base}/api/v1/status").status_code == 503
            filler.unlink()
            _until(base, lambda s: s["status"] == "ready" and s["log_size"] >= logged + 5)
        assert not list((disk / "data" / "log").rglob(".*.tmp"))  # no temporary file left
        cli(env, "log", "verify", str(disk / "data" / "log" / "public"), "--vkey", vkey)


def test_a_read_only_data_folder_is_a_clear_refusal(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "disk", "48m") as disk:
        env = node_env(disk / "data")
        cli(env, "init")
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        for args in (["serve", "--port", "0"], ["user", "list"]):
            done = cli(env, *args, check=False)
            assert done.returncode == 2, done.stdout + done.stderr
            assert "read-only file system" in done.stderr
            assert "Traceback" not in done.stderr


def test_backup_while_writing_restores_elsewhere_and_verifies(tmp_path: Path) -> None:
    source = node_env(tmp_path / "data1")
    vkey = cli(source, "init").stdout.rsplit("verifier key: ", 1)[1].split()[0]
    auth = {"Authorization": f"Bearer {add_user(source, REGULATOR, 'regulator')}"}
    created: list[str] = []
    stop = threading.Event()
    with serving(source) as base:

        def write() -> None:
            with httpx.Client(base_url=base, headers=auth, timeout=60) as http:
                while not stop.is_set():
                    reply = http.post(
                        "/api/v1/registry/records", json=_record(f"Vendor {uuid.uuid4().hex[:8]}")
                    )
                    assert reply.status_code == 201, reply.text
                    created.append(reply.json()["id"])

        writer = threading.Thread(target=write)
        writer.start()
        while len(created) < 20:
            time.sleep(0.05)
        before = list(created)
        backup = cli(source, "backup", str(tmp_path / "backup"))
        during = len(created)
        time.sleep(0.5)
        stop.set()
        writer.join()
    assert during > len(before), "nothing was written while the backup ran"
    assert "log size" in backup.stdout
    target = node_env(tmp_path / "data2")
    restored = cli(target, "restore", str(tmp_path / "backup"))
    assert "verified" in restored.stdout and "agree" in restored.stdout
    witness_key = (tmp_path / "data1" / "witness.key").read_bytes()  # peers know its vkey
    assert (tmp_path / "data2" / "witness.key").read_bytes() == witness_key
    cli(target, "log", "verify", str(tmp_path / "data2" / "log" / "public"), "--vkey", vkey)
    assert cli(target, "restore", str(tmp_path / "backup"), check=False).returncode == 2
    with serving(target) as base:
        for record_id in before:
            assert httpx.get(f"{base}/api/v1/registry/records/{record_id}").status_code == 200
        # Read the size first: the publisher may log the new record before a later read.
        size = httpx.get(f"{base}/api/v1/status").json()["log_size"]
        after = httpx.post(
            f"{base}/api/v1/registry/records", json=_record("Restored Ltd"), headers=auth
        )
        assert after.status_code == 201  # tokens came back with the database
        _until(base, lambda s: s["log_size"] > size)  # the restored log carries on
    cli(target, "log", "verify", str(tmp_path / "data2" / "log" / "public"), "--vkey", vkey)


def _until(base: str, check, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status = httpx.get(f"{base}/api/v1/status", timeout=10).json()
        if check(status):
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.25)
