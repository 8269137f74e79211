"""Benchmark: STIX import of every real bundle, and a TAXII 2.1 page-through beside medallion.

In one run it times (median of ``--runs``):

1. import of the 23 real STIX bundles of ``../shared/ti-data`` (14,825 objects) into a
   fresh SQLite database (target < 5 s);
2. a full taxii2-client page-through of a collection holding the 3,099-object Pegasus
   bundle, against pallmall and against the OASIS reference server medallion (memory
   backend) holding the same bundle, same page size, both on 127.0.0.1 with HTTP Basic auth
   (target: pallmall >= 50x faster).

Server paths measured. pallmall: the whole app as ``pallmall serve`` runs it
(``create_app`` on a migrated SQLite node, uvicorn with ``pallmall.cli.asgi.SERVE_OPTIONS``:
the asyncio loop and ``NoDelayHttpProtocol``, Nagle off), through the guard and a real API
token checked per request (Basic with e-mail and token, as taxii2-client sends it).
medallion: its Flask app on werkzeug's threaded server, as its own ``medallion`` command
serves it.

A benchmark, not a test: it prints figures and never fails on timing.

    .venv/bin/python bench/intel_bench.py [--quick] [--runs N] [--page-size N]
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from taxii2client.v21 import Collection, as_pages

from pallmall.app import create_app
from pallmall.cli.asgi import SERVE_OPTIONS
from pallmall.core.accounts import AccountService
from pallmall.core.auth import SYSTEM, AccountKind, Role
from pallmall.core.settings import Settings
from pallmall.intel.importer import Importer
from pallmall.intel.taxii import DEFAULT_COLLECTIONS
from pallmall.storage.database import Database
from pallmall.storage.intel import SqlIntelStore

ROOT = Path(__file__).resolve().parents[1]
SHARED = (ROOT / ".." / "shared" / "ti-data").resolve()
PEGASUS = SHARED / "amnesty-investigations" / "2021-07-18_nso" / "pegasus.stix2"
PUBLIC = DEFAULT_COLLECTIONS[0]
USER, PASSWORD = "bench", "bench-secret"  # medallion's user
EMAIL = "bench@example.org"  # pallmall's: HTTP Basic with e-mail and API token


def bundles() -> list[Path]:
    found = [p for p in SHARED.rglob("*") if p.suffix in (".stix2", ".stix")]
    return sorted(found, key=lambda p: ("prev" in p.name, str(p)))


def fresh_store(folder: Path, name: str) -> SqlIntelStore:
    db = Database(f"sqlite:///{folder / name}")
    db.migrate()
    return SqlIntelStore(db.engine)


def time_import(folder: Path, run: int) -> tuple[float, int]:
    store = fresh_store(folder, f"import-{run}.db")
    importer = Importer(store)
    start = time.perf_counter()
    received = sum(importer.import_file(path, PUBLIC).received for path in bundles())
    return time.perf_counter() - start, received


@contextmanager
def pallmall_server(folder: Path) -> Iterator[tuple[str, str, str]]:
    """The node as ``pallmall serve`` runs it; yields the collection URL, e-mail and token."""
    data = folder / "node"
    settings = Settings(data_dir=data, session_secret="bench")
    db = Database(f"sqlite:///{data / 'pallmall.db'}")
    data.mkdir(mode=0o700)
    db.migrate()
    with db.write() as tx:
        Importer(SqlIntelStore(tx.conn)).import_file(PEGASUS, PUBLIC)
        people = AccountService(tx.accounts, tx.audit)
        lab = people.ensure_org(SYSTEM, "Bench Lab", AccountKind.INTEL_TEAM)
        user = people.create_user(SYSTEM, EMAIL, "bench", Role.ANALYST, lab)
        token = people.issue_token(SYSTEM, user)
    app = create_app(settings, db)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        loop=SERVE_OPTIONS["loop"],
        http=SERVE_OPTIONS["http"],
        log_level=SERVE_OPTIONS["log_level"],
    )
    sock = config.bind_socket()
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        port = sock.getsockname()[1]
        yield f"http://127.0.0.1:{port}/taxii2/intel/collections/{PUBLIC.id}/", EMAIL, token
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
        db.dispose()


def medallion_data(page_size: int) -> dict[str, Any]:
    bundle = json.loads(PEGASUS.read_text())
    added = "2024-01-26T21:30:00.000000Z"
    manifest = [
        {
            "id": o["id"],
            "date_added": added,
            "version": o["modified"],
            "media_type": "application/stix+json;version=2.1",
        }
        for o in bundle["objects"]
    ]
    collection = {
        "id": PUBLIC.id,
        "title": "pegasus",
        "can_read": True,
        "can_write": False,
        "media_types": ["application/stix+json;version=2.1"],
        "objects": bundle["objects"],
        "manifest": manifest,
    }
    root = {
        "information": {
            "title": "bench",
            "versions": ["application/taxii+json;version=2.1"],
            "max_content_length": 10485760,
        },
        "status": [],
        "collections": [collection],
    }
    discovery = {"title": "medallion", "default": "/bench/", "api_roots": ["/bench/"]}
    return {"/discovery": discovery, "bench": root}


@contextmanager
def medallion_server(folder: Path, page_size: int) -> Iterator[str]:
    from medallion import application_instance, register_blueprints, set_config
    from werkzeug.serving import make_server

    data_file = folder / "medallion.json"
    data_file.write_text(json.dumps(medallion_data(page_size)))
    backend = {
        "module_class": "MemoryBackend",
        "module": "medallion.backends.memory_backend",
        "filename": str(data_file),
    }
    config = {"backend": backend, "users": {USER: PASSWORD}, "taxii": {"max_page_size": page_size}}
    for key in ("users", "taxii", "backend"):
        set_config(application_instance, key, config)
    if "objects" not in application_instance.blueprints:
        register_blueprints(application_instance)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, application_instance, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/bench/collections/{PUBLIC.id}/"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def page_through(
    url: str, page_size: int, user: str = USER, password: str = PASSWORD
) -> tuple[float, int]:
    collection = Collection(url, user=user, password=password)
    start = time.perf_counter()
    ids = [
        o["id"]
        for page in as_pages(collection.get_objects, per_request=page_size)
        for o in page.get("objects", [])
    ]
    elapsed = time.perf_counter() - start
    if len(set(ids)) != 3099:
        raise SystemExit(f"page-through of {url} returned {len(set(ids))} objects, expected 3099")
    return elapsed, len(ids)


def median_of(runs: int, fn: Callable[[int], tuple[float, int]]) -> tuple[float, list[float], int]:
    results = [fn(run) for run in range(runs)]
    times = [t for t, _ in results]
    return statistics.median(times), times, results[-1][1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="one run of each, medallion included")
    parser.add_argument(
        "--runs", type=int, default=3, help="runs per measurement (median); default 3"
    )
    parser.add_argument(
        "--page-size", type=int, default=100, help="objects per TAXII page; default 100"
    )
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    if not PEGASUS.is_file():
        raise SystemExit(f"shared test data absent: {SHARED}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        imp, imp_all, received = median_of(runs, lambda r: time_import(folder, r))
        with pallmall_server(folder) as (url, email, token):
            ours, ours_all, count = median_of(
                runs, lambda _r: page_through(url, args.page_size, email, token)
            )
        with medallion_server(folder, args.page_size) as url:
            theirs, theirs_all, _ = median_of(runs, lambda _r: page_through(url, args.page_size))
    report(
        runs,
        args.page_size,
        (imp, imp_all, received),
        (ours, ours_all, count),
        (theirs, theirs_all),
    )


def report(
    runs: int,
    page: int,
    imp: tuple[float, list[float], int],
    ours: tuple[float, list[float], int],
    theirs: tuple[float, list[float]],
) -> None:
    def fmt(values: list[float]) -> str:
        return ", ".join(f"{v:.3f}" for v in values)

    print(f"\nintel benchmark (median of {runs} run(s); page size {page}; 127.0.0.1)\n")
    print(
        f"STIX import, 23 real bundles, {imp[2]:,} objects: {imp[0]:.2f} s"
        f"  (runs: {fmt(imp[1])})  target < 5 s"
    )
    print(
        f"\n{'TAXII page-through (Pegasus, ' + str(ours[2]) + ' objects)':<48}{'seconds':>10}  runs"
    )
    print(f"{'  pallmall serve (whole app, SQLite, keyset)':<48}{ours[0]:>10.3f}  {fmt(ours[1])}")
    print(f"{'  medallion 3.0.0 (memory, werkzeug)':<48}{theirs[0]:>10.3f}  {fmt(theirs[1])}")
    print(f"{'  ratio medallion / pallmall':<48}{theirs[0] / ours[0]:>9.1f}x  target >= 50x\n")


if __name__ == "__main__":
    main()
