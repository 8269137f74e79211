"""Registry benchmark: import time of the shipped data, and the read API under 50 clients.

Run: ``make bench-registry`` (or ``.venv/bin/python bench/registry_bench.py [--quick]``).

Prints one table. The anchor, measured in the same run on the same server, is ``GET
/api/v1/me`` (routing, auth and JSON but no database): the ceiling of the stack itself, so
the registry read's figure reads as a ratio of it. Load comes from ``wrk`` (Debian package)
on loopback, 50 connections, 2 threads; p50/p99 from wrk's latency distribution. The
machine is noisy: each figure is the median of ``--runs`` runs.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from pallmall.core.auth import SYSTEM
from pallmall.registry.demo import shipped_batches
from pallmall.registry.importing import apply_batch
from pallmall.registry.service import RegistryService
from pallmall.storage.database import Database

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args()
    duration = "3s" if args.quick else "10s"
    runs = 1 if args.quick else args.runs
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    data = Path(tempfile.mkdtemp(prefix="pallmall-bench-"))
    import_seconds = [time_import(data / f"import{i}.db") for i in range(runs)]
    rows = [
        (
            "import of the shipped registry (fresh SQLite)",
            f"{statistics.median(import_seconds):.2f} s",
            "",
            "",
            "",
        )
    ]
    env = {**os.environ, "PALLMALL_DATA_DIR": str(data), "PALLMALL_DATABASE_URL": ""}
    subprocess.run(
        [sys.executable, "-m", "pallmall.cli", "init", "--demo"],
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pallmall.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait(base)
        org = httpx.get(base + "/api/v1/registry/records", params={"q": "Intellexa S.A."}).json()
        org_id = org["items"][0]["id"]
        targets = [
            ("anchor: GET /api/v1/me (no database)", "/api/v1/me"),
            ("GET one organisation", f"/api/v1/registry/records/{org_id}"),
            ("GET search ?q=intellexa", "/api/v1/registry/records?q=intellexa"),
        ]
        anchor_rps = None
        for label, path in targets:
            results = [wrk(base + path, duration) for _ in range(runs)]
            rps = statistics.median(r[0] for r in results)
            p50 = statistics.median(r[1] for r in results)
            p99 = statistics.median(r[2] for r in results)
            anchor_rps = anchor_rps or rps
            rows.append(
                (
                    label,
                    f"{rps:,.0f} req/s",
                    f"{p50:.1f} ms",
                    f"{p99:.1f} ms",
                    f"{rps / anchor_rps:.2f}",
                )
            )
    finally:
        server.kill()
        server.wait(10)
    print(
        f"\nregistry benchmark: 50 connections, wrk -t2 -d{duration}, {args.workers} worker(s), "
        f"median of {runs}; {os.cpu_count()} cores"
    )
    print(f"{'what':48} {'throughput':>14} {'p50':>9} {'p99':>9} {'/anchor':>8}")
    for row in rows:
        print(f"{row[0]:48} {row[1]:>14} {row[2]:>9} {row[3]:>9} {row[4]:>8}")
    print("targets: single organisation read >= 1,000 req/s with p99 < 50 ms")


def time_import(path: Path) -> float:
    db = Database(f"sqlite:///{path}")
    db.migrate()
    start = time.perf_counter()
    with db.write() as tx:
        service = RegistryService(tx.registry, tx.audit, tx.outbox)
        for batch in shipped_batches():
            apply_batch(service, SYSTEM, batch)
    elapsed = time.perf_counter() - start
    db.dispose()
    return elapsed


def wrk(url: str, duration: str) -> tuple[float, float, float]:
    out = subprocess.run(
        ["wrk", "-t2", "-c50", f"-d{duration}", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} error responses")
    return rps, latency(out, "50%"), latency(out, "99%")


def latency(out: str, pct: str) -> float:
    value, unit = re.search(rf"{pct}\s+([\d.]+)(us|ms|s)", out).groups()
    return float(value) * UNITS[unit]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait(base: str) -> None:
    """Until the server answers and has finished its start-up work (the screener build holds
    a core for seconds; measuring during it measures the build)."""
    for _ in range(600):
        try:
            if httpx.get(base + "/api/v1/status", timeout=1).json()["status"] == "ready":
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not become ready")


if __name__ == "__main__":
    main()
