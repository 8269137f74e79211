"""Benchmark: node B syncs 10,000 objects node A shares, beside a plain TAXII page-through.

In one run:

1. node A (its own data folder, SQLite database and log) denies 10,000 licences through
   the denial exchange (``notify_denial``, as a case decision does): each notice is a STIX
   object in the group ``wa`` whose only member is B, committed in A's log by the outbox
   publisher; A is served as ``pallmall serve`` serves it (``create_app``, uvicorn with
   ``pallmall.cli.serving.SERVE_OPTIONS``) on 127.0.0.1;
2. **sync**: node B (its own database) runs ``pallmall.federation_node.sync_peers`` — what
   ``pallmall federation sync`` and the server's schedule run — against A over HTTP: A's
   checkpoint, the collection's pages (1,000 objects each), every object verified against
   A's log (entry, hash, inclusion proof from A's tiles) and stored;
3. **page-through**: the same collection paged over the same HTTP with B's token, the same
   page size and versions, without verification or storage (the anchor);
4. a second sync with nothing new (what the schedule costs when idle).

It prints both times, objects per second and the ratio. A benchmark, not a test: it never
fails on timing.

    .venv/bin/python bench/federation_bench.py [--objects N]
"""

from __future__ import annotations

import argparse
import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path

import httpx
import uvicorn

from pallmall.app import create_app
from pallmall.cases.exchange import DenialNotice, NoticeParty
from pallmall.cli.serving import SERVE_OPTIONS
from pallmall.core.auth import SYSTEM
from pallmall.core.settings import Settings
from pallmall.disclosure.marking import Tlp
from pallmall.federation.client import MEDIA_TAXII, PAGE_SIZE
from pallmall.federation.collections import group_collection_id
from pallmall.federation.directory import PeerIn
from pallmall.federation.stix import DENIAL_TYPE
from pallmall.federation_node import sync_peers
from pallmall.log.keys import ensure_signing_key
from pallmall.storage.database import Database
from pallmall.storage.federation import SqlFederationStore
from pallmall.wiring import denial_exchange, peer_directory

A, B = "gb.bench.pallmall.example/log", "fr.bench.pallmall.example/log"
NOTICE = DenialNotice(
    reference="",
    notifying_node=A,
    notifying_state="GB",
    notified_on=date(2026, 11, 30),
    item_description="Zero-click exploit chain for mobile handsets",
    control_entry=("4.D.4", "4.E.1.c"),
    product_category="device_intrusion",
    destination="XX",
    end_use="interception of communications",
    end_user=NoticeParty("Ministry of Interior", "XX", "1 Main Street"),
    consignees=(NoticeParty("Reseller Ltd", "YY", "2 Side Street"),),
    reason="policy.eo14093.risk; no-undercut",
    regime_reference="Wassenaar Arrangement",
)


def node(folder: Path, origin: str, state: str) -> tuple[Settings, Database]:
    folder.mkdir(mode=0o700)
    settings = Settings(
        data_dir=folder, log_origin=origin, node_state=state, session_secret="bench"
    )
    db = Database(settings.effective_database_url)
    db.migrate()
    return settings, db


def introduce(db: Database, name: str, url: str, origin: str, vkey: str, token: str = "") -> str:
    """Add a peer; return the token it calls this node with."""
    with db.write() as tx:
        new = PeerIn(name, url, origin, vkey, "FR" if name == "fr" else "GB", "", token)
        return peer_directory(tx).add_peer(SYSTEM, new).token


def deny(settings: Settings, db: Database, count: int) -> None:
    """``count`` denial notices shared with the group ``wa``, 1,000 per unit of work."""
    for start in range(0, count, 1000):
        with db.write() as tx:
            exchange = denial_exchange(tx, settings)
            for n in range(start, min(count, start + 1000)):
                exchange.notify_denial(replace(NOTICE, reference=f"gb-case-{n:06d}"))


@contextmanager
def serve(settings: Settings, db: Database) -> Iterator[str]:
    """The node as ``pallmall serve`` runs it; yields its base URL."""
    config = uvicorn.Config(
        create_app(settings, db),
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
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def wait_logged(db: Database, url: str, count: int) -> float:
    """Wait until ``count`` versions are logged and in A's published checkpoint."""
    start = time.perf_counter()
    while True:
        with db.read() as tx:
            rows = SqlFederationStore(tx.conn).shared(DENIAL_TYPE, "")
        indexes = [r.log_index for r in rows]
        size = int(httpx.get(f"{url}/log/checkpoint").text.split("\n")[1])
        if len(rows) >= count and all(i is not None and i < size for i in indexes):
            return time.perf_counter() - start
        time.sleep(0.2)


def page_through(url: str, token: str) -> tuple[float, int]:
    """A plain TAXII page-through of the group's collection: no verification, no storage."""
    path = f"{url}/taxii2/intel/collections/{group_collection_id(A, 'wa')}/objects/"
    headers = {"Authorization": f"Bearer {token}", "Accept": MEDIA_TAXII}
    params: dict[str, str | int] = {"limit": PAGE_SIZE, "match[version]": "all"}
    seen = 0
    start = time.perf_counter()
    with httpx.Client(timeout=60) as client:
        while True:
            body = client.get(path, params=params, headers=headers).json()
            seen += len(body.get("objects", []))
            if not body.get("more"):
                break
            params["next"] = body["next"]
    return time.perf_counter() - start, seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=10_000)
    args = parser.parse_args()
    logging.getLogger("pallmall").setLevel(logging.WARNING)
    folder = Path(tempfile.mkdtemp(prefix="federation-bench-"))
    try:
        run(folder, args.objects)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(folder: Path, count: int) -> None:
    a_settings, a_db = node(folder / "a", A, "GB")
    b_settings, b_db = node(folder / "b", B, "FR")
    b_token = introduce(a_db, "fr", "http://unused", B, ensure_signing_key(folder / "b", B))
    with a_db.write() as tx:
        peer_directory(tx).add_group(SYSTEM, "wa", Tlp.AMBER, "bench")
        peer_directory(tx).join(SYSTEM, "wa", "fr")
    start = time.perf_counter()
    deny(a_settings, a_db, count)
    shared = time.perf_counter() - start
    with serve(a_settings, a_db) as url:
        logged = wait_logged(a_db, url, count)
        a_vkey = httpx.get(f"{url}/log/vkey").text.strip()
        introduce(b_db, "gb", url, A, a_vkey, b_token)
        plain, seen = page_through(url, b_token)
        start = time.perf_counter()
        [outcome] = sync_peers(b_settings, b_db)
        synced = time.perf_counter() - start
        start = time.perf_counter()
        [idle] = sync_peers(b_settings, b_db)
        again = time.perf_counter() - start
    if not outcome.ok or outcome.received != count or seen != count:
        raise SystemExit(f"sync {outcome} / page-through {seen}: expected {count} objects")
    print(f"node A: {count} denial notices shared in {shared:.1f} s, logged in {logged:.1f} s")
    print(f"{'what':<44}{'seconds':>9}{'objects/s':>11}")
    print(f"{'plain TAXII page-through (no verification)':<44}{plain:>9.2f}{seen / plain:>11.0f}")
    print(f"{'federation sync (verified and stored)':<44}{synced:>9.2f}{count / synced:>11.0f}")
    print(f"{'second sync, nothing new':<44}{again:>9.2f}{'':>11}")
    print(f"ratio sync / page-through: {synced / plain:.1f}x  (idle sync: {idle.received} new)")
    a_db.dispose()
    b_db.dispose()


if __name__ == "__main__":
    main()
