"""A peer node in-process for sync tests: a real transparency log served over an httpx
MockTransport (``/log/...`` and TAXII group collections), which can also be down, slow,
send garbage or show a forked checkpoint."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from pallmall.federation.client import PeerClient
from pallmall.federation.sync import SyncPeer
from pallmall.intel.record import format_us, stix_timestamp_us
from pallmall.log.checkpoint import Checkpoint, sign_checkpoint
from tests.federation_logs import SendingLog

API = "/taxii2/intel/"
BASE_US = 1_780_000_000_000_000


class FakePeer:
    """A peer named ``name`` whose log lives in ``folder``; objects shared per collection."""

    def __init__(self, name: str, folder: Path, page_size: int = 3) -> None:
        self.name = name
        self.sender = SendingLog(folder / name, origin=f"{name}.pallmall.example/log")
        self.page_size = page_size
        self.collections: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        self.pushed: list[dict[str, Any]] = []
        self.mode = "ok"  # ok | down | slow | garbage | forked
        self.gate: threading.Event | None = None  # while set to an unset Event, calls block
        self.requests = 0
        self._added = 0

    @property
    def url(self) -> str:
        return f"http://{self.name}.peer"

    def sync_peer(self, token: str = "token") -> SyncPeer:
        return SyncPeer(self.name, self.url, self.sender.peer, token)

    def collection_id(self, group: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.name}|{group}"))

    def share(self, group: str, obj: dict[str, Any], integrate: bool = True) -> dict[str, Any]:
        """Commit ``obj`` in the log and serve it in ``fed-<group>``."""
        served = self.sender.share(obj)
        self._added += 1
        self.collections.setdefault(group, []).append((BASE_US + self._added, served))
        if integrate:
            self.sender.log.integrate()
        return served

    def client(self, peer: SyncPeer) -> PeerClient:
        http = httpx.Client(base_url=self.url, transport=httpx.MockTransport(self.handle))
        return PeerClient(peer.url, peer.token, timeout=1.0, http=http)

    # -- the HTTP side -------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.gate is not None:
            self.gate.wait(timeout=10)
        if self.mode == "down":
            raise httpx.ConnectError("connection refused", request=request)
        if self.mode == "slow":
            raise httpx.ReadTimeout("timed out", request=request)
        if self.mode == "garbage":
            return httpx.Response(200, text="<html>hello</html>")
        url = urlsplit(str(request.url))
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        return self._route(request.method, url.path, query, request)

    def _route(
        self, method: str, path: str, query: dict[str, str], request: httpx.Request
    ) -> httpx.Response:
        log = self.sender.log
        if path == "/log/checkpoint":
            return httpx.Response(200, content=self._checkpoint())
        if path == "/log/proof/consistency":
            proof = log.consistency_proof(int(query["old_size"]), int(query["tree_size"]))
            return _json({"proof": [_b64(h) for h in proof.proof]})
        if path.startswith("/log/tile/"):
            file = log.store.root / path.removeprefix("/log/")
            return httpx.Response(200, content=file.read_bytes()) if file.is_file() else _404()
        if path == "/taxii2/":
            return _json({"default": f"{self.url}{API}"})
        if path == API + "collections/":
            return _json({"collections": [self._collection(g) for g in sorted(self.collections)]})
        if path.endswith("/objects/") and method == "GET":
            return self._objects(path.split("/")[-3], query)
        if path == API + "collections/fed-inbox/objects/" and method == "POST":
            self.pushed.extend(json.loads(request.content)["objects"])
            return _json({"status": "complete", "failures": []}, 202)
        return _404()

    def _checkpoint(self) -> bytes:
        note = self.sender.log.checkpoint().note
        if self.mode != "forked":
            return note
        cp = self.sender.log.checkpoint().checkpoint
        return sign_checkpoint(Checkpoint(cp.origin, cp.size, bytes(32)), self.sender.log.signer)

    def _collection(self, group: str) -> dict[str, Any]:
        ident = self.collection_id(group)
        alias = f"fed-{group}"
        return {"id": ident, "alias": alias, "can_read": True, "can_write": False}

    def _objects(self, ident: str, query: dict[str, str]) -> httpx.Response:
        group = next((g for g in self.collections if self.collection_id(g) == ident), None)
        if group is None:
            return _404()
        rows = self.collections[group]
        if "added_after" in query:
            after = _us(query["added_after"])
            rows = [r for r in rows if r[0] > after]
        start = int(query.get("next", "0"))
        page = rows[start : start + self.page_size]
        if not page:
            return _json({})
        more = start + self.page_size < len(rows)
        body: dict[str, Any] = {"more": more, "objects": [o for _, o in page]}
        if more:
            body["next"] = str(start + self.page_size)
        headers = {"X-TAXII-Date-Added-Last": format_us(page[-1][0])}
        return _json(body, headers=headers)


def connector(peers: list[FakePeer]) -> Callable[[SyncPeer], PeerClient]:
    """The syncer's ``connect`` over these fake peers."""
    by_name = {p.name: p for p in peers}
    return lambda peer: by_name[peer.name].client(peer)


def _us(stamp: str) -> int:
    return stix_timestamp_us(stamp)


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def _404() -> httpx.Response:
    return httpx.Response(404, text="not found")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
