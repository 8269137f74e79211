"""The TAXII 2.1 server as a FastAPI router (TAXII Version 2.1, OASIS Standard 2021).

Wire it with :func:`taxii_router`; the app factory passes the object store's units of work
and the dependency that authenticates the caller. Resources and filters live in
``pallmall.intel.taxii``; this module only speaks HTTP: media types (§1.6.8), errors (§3.6.1),
headers (§3.3.1) and status codes.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.routing import APIRoute

from pallmall.api.pool import WorkerPool
from pallmall.core.auth import Principal
from pallmall.core.clock import utcnow
from pallmall.core.errors import Forbidden, InvalidInput, NotFound, PallmallError, Unauthenticated
from pallmall.intel.bundle import read_objects
from pallmall.intel.importer import Importer, require_bundle_objects
from pallmall.intel.ports import ObjectStore, OrganisationResolver, ProductResolver
from pallmall.intel.record import datetime_us, format_us
from pallmall.intel.report import ImportReport
from pallmall.intel.taxii import (
    DEFAULT_COLLECTIONS,
    MEDIA_TAXII,
    CollectionSource,
    CollectionSpec,
    ObjectQuery,
    Page,
    ServedCollection,
    Status,
    VersionPage,
    envelope_json,
    error_resource,
    manifest_json,
    parse_query,
    versions_json,
)

PrincipalDependency = Callable[..., Principal] | Callable[..., Awaitable[Principal]]
StoreScope = Callable[[], AbstractContextManager[ObjectStore]]
"""Opens the object store in a unit of work (``with scope() as store``)."""


@dataclass(frozen=True)
class TaxiiConfig:
    """Settings of the TAXII server: titles, the API root's name, collections, limits.

    Page sizes are in objects; ``max_content_length`` in bytes (§4.2.1). ``public_url`` is
    the node's base URL that discovery builds the API root's URL from (never the ``Host``
    header); empty: the request's own URL (a bare test app).
    """

    title: str = "pallmall TAXII 2.1"
    description: str = "Indicators and abuse incidents of the commercial spyware market"
    api_root: str = "intel"
    collections: tuple[CollectionSpec, ...] = DEFAULT_COLLECTIONS
    default_page_size: int = 100
    max_page_size: int = 1000
    max_content_length: int = 10 * 1024 * 1024
    public_url: str = ""
    max_depth: int = 64


class TaxiiError(Exception):
    """An HTTP error answered with a TAXII error message (§3.6.1)."""

    def __init__(self, status: int, title: str, description: str = "") -> None:
        super().__init__(description or title)
        self.status, self.title, self.description = status, title, description


def taxii_router(
    reading: StoreScope,
    principal_dependency: PrincipalDependency,
    config: TaxiiConfig | None = None,
    products: ProductResolver | None = None,
    workers: WorkerPool | None = None,
    writing: StoreScope | None = None,
    organisations: OrganisationResolver | None = None,
    served: CollectionSource | None = None,
) -> APIRouter:
    """A router serving discovery at ``/taxii2/`` and the API root at ``/taxii2/{api_root}/``.

    ``reading`` opens the object store in a read-only unit of work for one request, and
    ``writing`` in one that commits on exit (an add's objects and its status land together;
    ``reading`` is used when None); ``principal_dependency`` is a
    FastAPI dependency returning the caller's :class:`Principal` (``ANONYMOUS`` when no
    credentials were sent; it may raise ``HTTPException(401)`` for bad ones).
    ``products`` links posted malware to registry products, ``organisations`` posted threat
    actors, intrusion sets and identities to registry organisations; ``workers`` runs
    imports off the event loop (inline when None). ``served`` adds collections served from
    elsewhere (federation's), listed and found per caller.
    """
    cfg = config or TaxiiConfig()
    router = APIRouter(route_class=TaxiiRoute)
    handlers = _Handlers(reading, writing or reading, cfg, products, organisations, served)
    who = Depends(principal_dependency)
    base = f"/taxii2/{cfg.api_root}"
    coll = base + "/collections/{collection_id}"

    @router.get("/taxii2/")
    def discovery(request: Request, principal: Principal = who) -> Response:
        return handlers.discovery(request)

    @router.get(base + "/")
    def api_root(principal: Principal = who) -> Response:
        return handlers.api_root()

    @router.get(base + "/status/{status_id}/")
    def status(status_id: str, principal: Principal = who) -> Response:
        return handlers.status(status_id, principal)

    @router.get(base + "/collections/")
    def collections(principal: Principal = who) -> Response:
        return handlers.collections(principal)

    @router.get(coll + "/")
    def collection(collection_id: str, principal: Principal = who) -> Response:
        return handlers.collection(collection_id, principal)

    @router.get(coll + "/manifest/")
    def manifest(collection_id: str, request: Request, principal: Principal = who) -> Response:
        return handlers.manifest(collection_id, request, principal)

    @router.get(coll + "/objects/")
    def get_objects(collection_id: str, request: Request, principal: Principal = who) -> Response:
        return handlers.objects(collection_id, request, principal)

    @router.post(coll + "/objects/")
    async def add_objects(
        collection_id: str, request: Request, principal: Principal = who
    ) -> Response:
        body = await _body(request, cfg)
        if workers is None:
            return handlers.add_objects(collection_id, body, principal)
        return await workers.run(handlers.add_objects, collection_id, body, principal)

    @router.get(coll + "/objects/{object_id}/")
    def get_object(
        collection_id: str, object_id: str, request: Request, principal: Principal = who
    ) -> Response:
        return handlers.objects(collection_id, request, principal, object_id)

    @router.get(coll + "/objects/{object_id}/versions/")
    def versions(
        collection_id: str, object_id: str, request: Request, principal: Principal = who
    ) -> Response:
        return handlers.versions(collection_id, object_id, request, principal)

    return router


class TaxiiRoute(APIRoute):
    """A route that checks ``Accept`` / ``Content-Type`` and answers errors the TAXII way."""

    def get_route_handler(self) -> Callable[[Request], Any]:
        """Wrap FastAPI's handler: 406/415 before it runs, TAXII error bodies after."""
        handler = super().get_route_handler()

        async def taxii_handler(request: Request) -> Response:
            try:
                _check_media_types(request)
                return await handler(request)
            except TaxiiError as exc:
                return _error(exc.status, exc.title, exc.description)
            except HTTPException as exc:
                return _error(exc.status_code, str(exc.detail), "", dict(exc.headers or {}))
            except PallmallError as exc:
                return _pallmall_error(exc)

        return taxii_handler


def _check_media_types(request: Request) -> None:
    if not _accepts_taxii(request.headers.get("accept", "*/*")):
        raise TaxiiError(406, "Not Acceptable", f"this server answers {MEDIA_TAXII}")
    if request.method == "POST" and not _is_taxii(request.headers.get("content-type", "")):
        raise TaxiiError(415, "Unsupported Media Type", f"send {MEDIA_TAXII}")


def _media(value: str) -> tuple[str, dict[str, str]]:
    kind, *params = [part.strip() for part in value.split(";")]
    pairs = (p.split("=", 1) for p in params if "=" in p)
    return kind.lower(), {k.strip().lower(): v.strip().strip('"') for k, v in pairs}


def _is_taxii(value: str) -> bool:
    kind, params = _media(value)
    return kind == "application/taxii+json" and params.get("version", "2.1") == "2.1"


def _accepts_taxii(header: str) -> bool:
    for item in header.split(","):
        kind, params = _media(item)
        if kind in ("*/*", "application/*") or _is_taxii(item):
            return params.get("q") != "0"
    return False


def _error(
    status: int, title: str, description: str, headers: dict[str, str] | None = None
) -> Response:
    body = json.dumps(error_resource(status, title, description))
    return Response(body, status_code=status, media_type=MEDIA_TAXII, headers=headers)


def _pallmall_error(exc: PallmallError) -> Response:
    if isinstance(exc, InvalidInput):
        return _error(400, "Bad Request", str(exc))
    headers = (
        {"WWW-Authenticate": 'Basic realm="pallmall", Bearer'}
        if isinstance(exc, Unauthenticated)
        else None
    )
    return _error(exc.status, exc.title, str(exc), headers)


async def _body(request: Request, cfg: TaxiiConfig) -> bytes:
    declared = request.headers.get("content-length", "0")
    if declared.isdigit() and int(declared) > cfg.max_content_length:
        raise TaxiiError(413, "Payload Too Large", f"at most {cfg.max_content_length} bytes")
    body = await request.body()
    if len(body) > cfg.max_content_length:
        raise TaxiiError(413, "Payload Too Large", f"at most {cfg.max_content_length} bytes")
    return body


def _taxii(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    text = body if isinstance(body, str) else json.dumps(body)
    return Response(text, status_code=status, media_type=MEDIA_TAXII, headers=headers)


class _Handlers:
    """The endpoints' logic, one short method each."""

    def __init__(
        self,
        reading: StoreScope,
        writing: StoreScope,
        cfg: TaxiiConfig,
        products: ProductResolver | None,
        organisations: OrganisationResolver | None = None,
        served: CollectionSource | None = None,
    ) -> None:
        self._reading, self._writing = reading, writing
        self._served = served
        self._cfg, self._products = cfg, products
        self._organisations = organisations
        self._limits = (cfg.default_page_size, cfg.max_page_size)

    def discovery(self, request: Request) -> Response:
        """Server discovery (§4.1)."""
        if self._cfg.public_url:
            root = f"{self._cfg.public_url.rstrip('/')}/taxii2/{self._cfg.api_root}/"
        else:
            root = str(request.url_for("api_root"))
        body = {
            "title": self._cfg.title,
            "description": self._cfg.description,
            "default": root,
            "api_roots": [root],
        }
        return _taxii(body)

    def api_root(self) -> Response:
        """API root information (§4.2)."""
        body = {
            "title": self._cfg.title,
            "description": self._cfg.description,
            "versions": [MEDIA_TAXII],
            "max_content_length": self._cfg.max_content_length,
        }
        return _taxii(body)

    def status(self, status_id: str, principal: Principal) -> Response:
        """A status resource (§4.3); visible to those who may write its collection."""
        with self._reading() as store:
            found = store.get_status(status_id)
        if found is None:
            raise NotFound(f"status {status_id}")
        self._writable(found[0], principal)
        return _taxii(found[1])

    def collections(self, principal: Principal) -> Response:
        """The collections the caller may read or write (§5.1)."""
        visible = [
            c.resource(principal)
            for c in self._cfg.collections
            if c.can_read(principal) or c.can_write(principal)
        ]
        if self._served is not None:
            visible += [c.resource(principal) for c in self._served.listed(principal)]
        return _taxii({"collections": visible} if visible else {})

    def collection(self, collection_id: str, principal: Principal) -> Response:
        """One collection (§5.2)."""
        spec = self._find(collection_id, principal)
        if not (spec.can_read(principal) or spec.can_write(principal)):
            _deny(principal, spec)
        return _taxii(spec.resource(principal))

    def manifest(self, collection_id: str, request: Request, principal: Principal) -> Response:
        """The manifest of a collection (§5.3)."""
        spec = self._readable(collection_id, principal)
        query = parse_query(request.query_params, self._limits)
        page = self._page(spec, _without_body(query))
        return _taxii(manifest_json(page), headers=page.headers())

    def objects(
        self,
        collection_id: str,
        request: Request,
        principal: Principal,
        object_id: str | None = None,
    ) -> Response:
        """Objects (§5.4), or the versions of one object (§5.6), as an envelope."""
        spec = self._readable(collection_id, principal)
        params = dict(request.query_params)
        if object_id is not None:
            if "match[id]" in params or "match[type]" in params:
                raise InvalidInput("match", "id and type filters do not apply to one object")
            params["match[id]"] = object_id
        page = self._page(spec, parse_query(params, self._limits))
        if object_id is not None and not page.rows and request.query_params.get("next") is None:
            raise NotFound(f"object {object_id}")
        return _taxii(envelope_json(page), headers=page.headers())

    def versions(
        self, collection_id: str, object_id: str, request: Request, principal: Principal
    ) -> Response:
        """The versions of one object (§5.8)."""
        spec = self._readable(collection_id, principal)
        query = parse_query(request.query_params, self._limits)
        page = self._versions(spec, object_id, query)
        if not page.rows and query.after is None:
            raise NotFound(f"object {object_id}")
        return _taxii(versions_json(page), headers=page.headers())

    def add_objects(self, collection_id: str, body: bytes, principal: Principal) -> Response:
        """Add objects (§5.5): checked, repaired and deduplicated like an import; 202 + status."""
        spec = self._writable(collection_id, principal)
        objects = require_bundle_objects(_json(body, self._cfg.max_depth).get("objects"))
        stamp = format_us(datetime_us(utcnow()))
        report = ImportReport(source="taxii", format="taxii-envelope")
        if not isinstance(spec, CollectionSpec):
            spec.add(objects, principal, report)
            status = _status(objects, report, stamp)
            with self._writing() as store:
                store.save_status(status.id, spec.id, status.resource())
            return _taxii(status.resource(), status=202)
        with self._writing() as store:
            Importer(store, self._products, self._organisations).ingest(
                read_objects(objects, report), report, spec
            )
            status = _status(objects, report, stamp)
            store.save_status(status.id, spec.id, status.resource())
        return _taxii(status.resource(), status=202)

    def _find(self, collection_id: str, principal: Principal) -> CollectionSpec | ServedCollection:
        for spec in self._cfg.collections:
            if collection_id in (spec.id, spec.alias):
                return spec
        served = self._served.find(collection_id, principal) if self._served else None
        if served is not None:
            return served
        raise NotFound(f"collection {collection_id}")

    def _page(self, spec: CollectionSpec | ServedCollection, query: ObjectQuery) -> Page:
        if not isinstance(spec, CollectionSpec):
            return spec.page(query)
        with self._reading() as store:
            return store.page(spec.id, query)

    def _versions(
        self, spec: CollectionSpec | ServedCollection, object_id: str, query: ObjectQuery
    ) -> VersionPage:
        if not isinstance(spec, CollectionSpec):
            return spec.versions(object_id, query)
        with self._reading() as store:
            return store.versions(spec.id, object_id, query)

    def _readable(
        self, collection_id: str, principal: Principal
    ) -> CollectionSpec | ServedCollection:
        spec = self._find(collection_id, principal)
        if not spec.can_read(principal):
            _deny(principal, spec)
        return spec

    def _writable(
        self, collection_id: str, principal: Principal
    ) -> CollectionSpec | ServedCollection:
        spec = self._find(collection_id, principal)
        if not spec.can_write(principal):
            _deny(principal, spec)
        return spec


def _deny(principal: Principal, spec: CollectionSpec | ServedCollection) -> None:
    if principal.is_anonymous:
        raise Unauthenticated(f"sign in to use collection {spec.alias}")
    raise Forbidden(f"role {principal.role.value!r} may not use collection {spec.alias} for this")


def _json(body: bytes, max_depth: int) -> dict[str, Any]:
    try:
        doc = json.loads(body)
    except RecursionError:
        raise InvalidInput("body", f"nested deeper than {max_depth} levels") from None
    except ValueError as exc:
        raise InvalidInput("body", f"not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise InvalidInput("body", "an envelope is a JSON object")
    if _depth(doc, max_depth) > max_depth:
        raise InvalidInput("body", f"nested deeper than {max_depth} levels")
    return doc


def _depth(doc: Any, limit: int) -> int:
    """Nesting depth of ``doc`` (iterative: a hostile document cannot exhaust the stack)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def _without_body(query: ObjectQuery) -> ObjectQuery:
    return replace(query, with_body=False)


def _status(objects: list[Any], report: ImportReport, stamp: str) -> Status:
    failed = {note.where: note.reason for note in report.skipped}
    status = Status(id=str(uuid.uuid4()), request_timestamp=stamp)
    for position, obj in enumerate(objects):
        where = (
            str(obj.get("id", f"objects[{position}]"))
            if isinstance(obj, dict)
            else f"objects[{position}]"
        )
        version = (
            str(obj.get("modified") or obj.get("created") or "") if isinstance(obj, dict) else ""
        )
        if where in failed:
            status.failures.append({"id": where, "version": version, "message": failed[where]})
        else:
            status.successes.append({"id": where, "version": version})
    return status
