"""An HTTP client for one peer node: its log (checkpoint, proofs, tiles) and its TAXII 2.1
collections (paging with ``added_after`` / ``next`` / ``more``, pushing to ``fed-inbox``).

Every call has a timeout (the node's ``federation_timeout_seconds``, 10 s by default). A
failure is a :class:`PeerUnreachable` (connection refused, timeout, 5xx) or a
:class:`PeerAnswerError` (a 4xx, or an answer that is not what the protocol says); neither
is ever anything else, so a caller syncing many peers can catch these two and move on.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx

from pallmall.core.errors import NotFound, PallmallError
from pallmall.federation.verify import Inclusion
from pallmall.log.bundle import decode_bundle
from pallmall.log.errors import TileError
from pallmall.log.layout import TILE_WIDTH, TileId, tile_width
from pallmall.log.proof import inclusion_proof
from pallmall.log.tiles import TileHashSource, read_tile

MEDIA_TAXII = "application/taxii+json;version=2.1"
INBOX = "fed-inbox"
"""Alias of the collection every node accepts pushed objects in."""
GROUP_PREFIX = "fed-"
"""Aliases of group collections start with this (``fed-<group>``)."""
PAGE_SIZE = 1000
"""Objects asked for per TAXII page (a server may answer fewer, §3.6)."""
MAX_ANSWER_BYTES = 64 * 1024 * 1024
"""An answer larger than this is refused as garbage."""


class PeerError(PallmallError):
    """A call to a peer failed; the message names the peer's URL and what went wrong."""

    status = 502
    title = "Peer failed"


class PeerUnreachable(PeerError):
    """The peer did not answer in time, refused the connection, or answered 5xx."""


class PeerAnswerError(PeerError):
    """The peer answered, but not as the protocol says (a 4xx, or a malformed body)."""


@dataclass(frozen=True)
class CollectionInfo:
    """A TAXII collection as the peer lists it to us (§5.2.1)."""

    id: str
    alias: str
    can_read: bool
    can_write: bool


@dataclass(frozen=True)
class ObjectsPage:
    """One TAXII envelope: its objects, whether more follow, the ``next`` token and the
    ``X-TAXII-Date-Added-Last`` header (the cursor after this page; empty when absent)."""

    objects: Sequence[Mapping[str, Any]]
    more: bool
    next: str | None
    date_added_last: str


class PeerClient:
    """Calls one peer at ``url`` (its base URL) with the bearer ``token`` it issued us.

    Use as a context manager or call :meth:`close`. ``http`` replaces the underlying client
    (tests pass an in-process one); its base URL must be the peer's.
    """

    def __init__(
        self, url: str, token: str = "", timeout: float = 10.0, http: httpx.Client | None = None
    ) -> None:
        self.url = url.rstrip("/")
        headers = {"User-Agent": "pallmall-federation"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = http or httpx.Client(base_url=self.url, timeout=timeout)
        self._headers = headers
        self._timeout = timeout
        self._api_root: str | None = None

    def __enter__(self) -> PeerClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    # -- the log -----------------------------------------------------------------------------

    def checkpoint(self) -> bytes:
        """The peer's latest signed checkpoint note (``GET /log/checkpoint``)."""
        return self._get("/log/checkpoint").content

    def consistency(self, old_size: int, tree_size: int) -> tuple[bytes, ...]:
        """The consistency proof between two sizes (``GET /log/proof/consistency``)."""
        params = {"old_size": old_size, "tree_size": tree_size}
        return _hashes(self._json("/log/proof/consistency", params), "proof")

    def inclusion(self, index: int, tree_size: int) -> tuple[bytes, ...]:
        """The inclusion proof of ``index`` in ``tree_size`` (``GET /log/proof/inclusion``)."""
        params = {"index": index, "tree_size": tree_size}
        return _hashes(self._json("/log/proof/inclusion", params), "proof")

    def fetch(self, path: str) -> bytes:
        """A file of the peer's tlog-tiles folder (``GET /log/<path>``); ``NotFound`` on 404
        and 410 (the :class:`~pallmall.log.fetch.LogFetcher` protocol)."""
        response = self._send("GET", "/log/" + path, allow=(404, 410))
        if response.status_code in (404, 410):
            raise NotFound(path)
        return response.content

    # -- TAXII -------------------------------------------------------------------------------

    def collections(self) -> list[CollectionInfo]:
        """The collections the peer lists to us (only its groups we are a member of)."""
        body = self._taxii(f"{self.api_root()}collections/")
        items = body.get("collections", [])
        if not isinstance(items, list):
            raise self._garbage("collections is not a list")
        try:
            return [
                CollectionInfo(
                    str(c["id"]), str(c.get("alias", "")), bool(c["can_read"]), bool(c["can_write"])
                )
                for c in items
            ]
        except (KeyError, TypeError) as exc:
            raise self._garbage(f"a collection lacks {exc}") from exc

    def objects(self, collection_id: str, added_after: str | None = None) -> Iterator[ObjectsPage]:
        """Page through every version of every object added after ``added_after`` (a TAXII
        timestamp; None: from the start), following ``next`` while ``more`` (§3.6)."""
        params: dict[str, str | int] = {"limit": PAGE_SIZE, "match[version]": "all"}
        if added_after:
            params["added_after"] = added_after
        path = f"{self.api_root()}collections/{collection_id}/objects/"
        while True:
            response = self._send("GET", path, params=params, accept=MEDIA_TAXII)
            page = self._page(response)
            yield page
            if not page.more:
                return
            if not page.next:
                raise self._garbage("more is true but next is missing")
            params["next"] = page.next

    def push(self, objects: Sequence[Mapping[str, Any]], collection: str = INBOX) -> dict[str, Any]:
        """Add ``objects`` to the peer's ``collection`` (§5.5); return the status resource.

        Raises :class:`PeerAnswerError` when the peer refused any of them.
        """
        path = f"{self.api_root()}collections/{collection}/objects/"
        body = json.dumps({"objects": list(objects)}).encode()
        response = self._send(
            "POST", path, content=body, accept=MEDIA_TAXII, content_type=MEDIA_TAXII
        )
        status = self._decode(response)
        failures = status.get("failures") or []
        if failures:
            raise PeerAnswerError(f"{self.url}: the peer refused objects: {failures[:3]}")
        return status

    def api_root(self) -> str:
        """The path of the peer's default TAXII API root, by discovery (``GET /taxii2/``)."""
        if self._api_root is None:
            body = self._taxii("/taxii2/")
            default = body.get("default")
            if not isinstance(default, str) or not default:
                raise self._garbage("discovery names no default API root")
            path = urlsplit(default).path
            self._api_root = path if path.endswith("/") else path + "/"
        return self._api_root

    # -- plumbing ----------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, str | int] | None = None,
        content: bytes | None = None,
        accept: str = "*/*",
        content_type: str = "",
        allow: Sequence[int] = (),
    ) -> httpx.Response:
        headers = {**self._headers, "Accept": accept}
        if content_type:
            headers["Content-Type"] = content_type
        try:
            response = self._http.request(
                method,
                path,
                params=dict(params or {}),
                content=content,
                headers=headers,
                timeout=self._timeout,
            )
        except httpx.TimeoutException as exc:
            raise PeerUnreachable(f"{self.url}{path}: no answer in {self._timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise PeerUnreachable(f"{self.url}{path}: {type(exc).__name__}: {exc}") from exc
        code = response.status_code
        if code in allow or 200 <= code < 300:
            if len(response.content) > MAX_ANSWER_BYTES:
                raise self._garbage(f"{path} answered more than {MAX_ANSWER_BYTES} bytes")
            return response
        reason = response.text[:200].strip()
        if code >= 500:
            raise PeerUnreachable(f"{self.url}{path}: HTTP {code} {reason}")
        raise PeerAnswerError(f"{self.url}{path}: HTTP {code} {reason}")

    def _get(self, path: str, params: Mapping[str, str | int] | None = None) -> httpx.Response:
        return self._send("GET", path, params=params)

    def _json(self, path: str, params: Mapping[str, str | int]) -> dict[str, Any]:
        return self._decode(self._get(path, params))

    def _taxii(self, path: str) -> dict[str, Any]:
        return self._decode(self._send("GET", path, accept=MEDIA_TAXII))

    def _decode(self, response: httpx.Response) -> dict[str, Any]:
        try:
            body = json.loads(response.content)
        except ValueError as exc:
            raise self._garbage(f"{response.request.url.path} did not answer JSON") from exc
        if not isinstance(body, dict):
            raise self._garbage(f"{response.request.url.path} did not answer a JSON object")
        return body

    def _page(self, response: httpx.Response) -> ObjectsPage:
        body = self._decode(response)
        objects = body.get("objects", [])
        more, token = body.get("more", False), body.get("next")
        if not isinstance(objects, list) or not all(isinstance(o, dict) for o in objects):
            raise self._garbage("objects is not a list of objects")
        if not isinstance(more, bool) or not (token is None or isinstance(token, str)):
            raise self._garbage("more must be a boolean and next a string")
        last = response.headers.get("X-TAXII-Date-Added-Last", "")
        return ObjectsPage(objects, more, token, last)

    def _garbage(self, reason: str) -> PeerAnswerError:
        return PeerAnswerError(f"{self.url}: {reason}")


def _hashes(body: Mapping[str, Any], name: str) -> tuple[bytes, ...]:
    items = body.get(name)
    if not isinstance(items, list):
        raise PeerAnswerError(f"{name} is not a list")
    try:
        return tuple(base64.b64decode(str(h), validate=True) for h in items)
    except binascii.Error as exc:
        raise PeerAnswerError(f"{name} holds something that is not base64") from exc


class LogReader:
    """Entries and inclusion proofs of a peer's log at one verified size, from its tiles.

    Reads each entry bundle and hash tile once (c2sp.org/tlog-tiles): proving 10,000 objects
    costs a few dozen requests, not 20,000. What it returns is not trusted: the caller
    verifies each proof against the verified root (:func:`~.verify.verify_object`).
    """

    def __init__(self, client: PeerClient, tree_size: int) -> None:
        self.client = client
        self.tree_size = tree_size
        self._hashes = TileHashSource(client, tree_size)
        self._bundles: dict[int, list[bytes]] = {}

    def inclusion(self, index: int) -> Inclusion:
        """The entry at ``index`` and its inclusion proof in the tree of ``tree_size``.

        Raises :class:`PeerAnswerError` when a tile or bundle is missing or malformed.
        """
        try:
            proof = inclusion_proof(self._hashes, index, self.tree_size).proof
            return Inclusion(self._entry(index), proof)
        except (TileError, NotFound) as exc:
            raise PeerAnswerError(f"{self.client.url}: tiles for entry {index}: {exc}") from exc

    def _entry(self, index: int) -> bytes:
        bundle = index // TILE_WIDTH
        entries = self._bundles.get(bundle)
        if entries is None:
            width = tile_width(0, bundle, self.tree_size)
            entries = decode_bundle(read_tile(self.client, TileId(-1, bundle, width)))
            if len(entries) < width:
                raise TileError(f"entry bundle {bundle} holds {len(entries)} entries")
            self._bundles[bundle] = entries
        return entries[index % TILE_WIDTH]
