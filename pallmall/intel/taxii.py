"""TAXII 2.1 resources without a web framework: collections, filters, pages, envelopes.

The router in ``pallmall.api.taxii`` turns HTTP into these calls. Section numbers refer to
TAXII Version 2.1 (OASIS Standard, 10 June 2021).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pallmall.core.auth import Permission, Principal, Role
from pallmall.core.errors import InvalidInput
from pallmall.intel.record import format_us, stix_timestamp_us
from pallmall.intel.report import ImportReport
from pallmall.intel.tlp import Tlp

MEDIA_TAXII = "application/taxii+json;version=2.1"
MEDIA_STIX = "application/stix+json;version=2.1"
_NAMESPACE = uuid.UUID("6b1b3f1e-5d2c-4c4e-9a55-70616c6c6d61")


@dataclass(frozen=True)
class CollectionSpec:
    """A TAXII collection (§5.2.1) and who may use it.

    ``tlp`` is the most restricted label objects in it may carry. Reading needs ``read``
    (None: anyone, even anonymous); writing needs ``write`` (None: read-only over TAXII).
    ``audience``, when set, further limits reading and writing to those roles, for
    collections whose TLP (AMBER and above) restricts sharing to named recipients.
    """

    alias: str
    title: str
    description: str
    tlp: Tlp
    read: Permission | None
    write: Permission | None
    audience: frozenset[Role] | None = None

    @property
    def id(self) -> str:
        """A UUID derived from the alias, the same on every node (§5.2.1 ``id``)."""
        return str(uuid.uuid5(_NAMESPACE, self.alias))

    def can_read(self, principal: Principal) -> bool:
        """Whether ``principal`` may read objects and manifests."""
        return self._admits(principal) and (self.read is None or principal.can(self.read))

    def can_write(self, principal: Principal) -> bool:
        """Whether ``principal`` may add objects (§5.5)."""
        return self.write is not None and self._admits(principal) and principal.can(self.write)

    def _admits(self, principal: Principal) -> bool:
        return self.audience is None or principal.role in self.audience

    def resource(self, principal: Principal) -> dict[str, Any]:
        """The collection resource (§5.2.1) as ``principal`` sees it."""
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "alias": self.alias,
            "can_read": self.can_read(principal),
            "can_write": self.can_write(principal),
            "media_types": [MEDIA_STIX],
        }


class ServedCollection(Protocol):
    """A collection served from elsewhere than the intel object store (federation's sharing
    groups and inbox): it answers for its own objects, and for who may use it."""

    @property
    def id(self) -> str:
        """The collection's id (§5.2.1)."""
        ...

    @property
    def alias(self) -> str:
        """The collection's alias."""
        ...

    def can_read(self, principal: Principal) -> bool:
        """Whether ``principal`` may read objects and manifests."""
        ...

    def can_write(self, principal: Principal) -> bool:
        """Whether ``principal`` may add objects."""
        ...

    def resource(self, principal: Principal) -> dict[str, Any]:
        """The collection resource (§5.2.1) as ``principal`` sees it."""
        ...

    def page(self, query: ObjectQuery) -> Page:
        """One page of object versions matching ``query`` (§3.4, §3.6)."""
        ...

    def versions(self, object_id: str, query: ObjectQuery) -> VersionPage:
        """One page of the versions of ``object_id`` (§5.8)."""
        ...

    def add(self, objects: Sequence[Any], principal: Principal, report: ImportReport) -> None:
        """Add ``objects`` posted by ``principal``; each refused one is noted in ``report``
        (``skip(object id, reason)``), the others are kept."""
        ...


class CollectionSource(Protocol):
    """Collections beyond the node's own, resolved for each caller: a caller never learns
    of a collection it may not use (it is absent from the list and 404 when asked for)."""

    def listed(self, principal: Principal) -> Sequence[ServedCollection]:
        """The collections ``principal`` may read or write."""
        ...

    def find(self, collection_id: str, principal: Principal) -> ServedCollection | None:
        """The collection with this id or alias if ``principal`` may use it, else None."""
        ...


DEFAULT_COLLECTIONS: tuple[CollectionSpec, ...] = (
    CollectionSpec(
        alias="public",
        title="Public indicators and confirmed incidents",
        description="TLP:CLEAR. Readable by anyone; filled by pallmall, not over TAXII.",
        tlp=Tlp.CLEAR,
        read=None,
        write=None,
    ),
    CollectionSpec(
        alias="community",
        title="Community indicators (TLP:GREEN)",
        description="Shared with intel teams, regulators and oversight bodies.",
        tlp=Tlp.GREEN,
        read=Permission.INTEL_READ_RESTRICTED,
        write=Permission.INTEL_WRITE,
    ),
    CollectionSpec(
        alias="restricted",
        title="Restricted indicators (TLP:AMBER)",
        description="Intel teams only: analysts and administrators.",
        tlp=Tlp.AMBER_STRICT,
        read=Permission.INTEL_READ_RESTRICTED,
        write=Permission.INTEL_WRITE,
        audience=frozenset({Role.ANALYST, Role.ADMIN}),
    ),
)


@dataclass(frozen=True)
class ObjectQuery:
    """Filters and paging of a TAXII request (§3.4 filtering, §3.6 pagination).

    ``versions`` holds ``first``, ``last``, ``all`` and/or timestamps in µs; the default is
    ``last`` (§3.4.2). ``after`` is the keyset cursor (date_added µs, row number) decoded
    from ``next``. ``with_body`` False fetches no object text (manifests).
    """

    limit: int
    added_after_us: int | None = None
    ids: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    versions: tuple[str | int, ...] = ("last",)
    spec_versions: tuple[str, ...] = ()
    after: tuple[int, int] | None = None
    with_body: bool = True


@dataclass(frozen=True)
class Row:
    """One object version in a page: when it was added, its row number, id, version, JSON."""

    date_added_us: int
    seq: int
    id: str
    version: str
    body: str = ""


@dataclass(frozen=True)
class Page:
    """A page of rows and whether more follow (§3.6)."""

    rows: Sequence[Row]
    more: bool

    @property
    def next(self) -> str | None:
        """The opaque ``next`` token for the following page, or None at the end."""
        if not self.more or not self.rows:
            return None
        last = self.rows[-1]
        return f"{last.date_added_us}.{last.seq}"

    def headers(self) -> dict[str, str]:
        """``X-TAXII-Date-Added-First`` / ``-Last`` for this page (§3.3.1); empty when empty."""
        if not self.rows:
            return {}
        return {
            "X-TAXII-Date-Added-First": format_us(self.rows[0].date_added_us),
            "X-TAXII-Date-Added-Last": format_us(self.rows[-1].date_added_us),
        }


@dataclass(frozen=True)
class VersionPage(Page):
    """A page of the versions of one object (§5.8)."""


def envelope_json(page: Page) -> str:
    """The envelope (§3.7) as JSON text, built from the stored object text without re-parsing."""
    if not page.rows:
        return "{}"
    head = _paging_head(page)
    return head + '"objects":[' + ",".join(row.body for row in page.rows) + "]}"


def manifest_json(page: Page) -> str:
    """The manifest resource (§5.3.1) as JSON text."""
    if not page.rows:
        return "{}"
    records = [
        {
            "id": row.id,
            "date_added": format_us(row.date_added_us),
            "version": row.version,
            "media_type": MEDIA_STIX,
        }
        for row in page.rows
    ]
    return _paging_head(page) + '"objects":' + json.dumps(records, separators=(",", ":")) + "}"


def versions_json(page: Page) -> str:
    """The versions resource (§5.8.1) as JSON text."""
    if not page.rows:
        return "{}"
    versions = json.dumps([row.version for row in page.rows])
    return _paging_head(page) + '"versions":' + versions + "}"


def _paging_head(page: Page) -> str:
    token = page.next
    head = '{"more":' + ("true" if page.more else "false") + ","
    return head + (f'"next":"{token}",' if token else "")


def parse_query(params: Mapping[str, str], limits: tuple[int, int]) -> ObjectQuery:
    """Read ``limit``, ``next``, ``added_after`` and ``match[...]`` parameters (§3.4, §3.6).

    ``limits`` is (default page size, maximum page size); a larger ``limit`` is lowered to
    the maximum, as §3.6 allows.

    Raises:
        InvalidInput: a parameter is malformed or unknown, naming it.
    """
    default, maximum = limits
    for name in params:
        if name not in _KNOWN_PARAMS:
            raise InvalidInput(name, "unknown query parameter")
    return ObjectQuery(
        limit=_limit(params.get("limit"), default, maximum),
        added_after_us=_timestamp("added_after", params.get("added_after")),
        ids=_split(params.get("match[id]")),
        types=_split(params.get("match[type]")),
        versions=_versions(params.get("match[version]")),
        spec_versions=_split(params.get("match[spec_version]")),
        after=_cursor(params.get("next")),
    )


_KNOWN_PARAMS = frozenset(
    {
        "limit",
        "next",
        "added_after",
        "match[id]",
        "match[type]",
        "match[version]",
        "match[spec_version]",
    }
)


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip()) if value else ()


def _limit(value: str | None, default: int, maximum: int) -> int:
    if value is None:
        return default
    if not value.isdigit() or int(value) < 1:
        raise InvalidInput("limit", f"{value!r} is not a positive integer")
    return min(int(value), maximum)


def _timestamp(name: str, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return stix_timestamp_us(value)
    except ValueError:
        raise InvalidInput(
            name, f"{value!r} is not a timestamp such as 2021-07-18T00:00:00Z"
        ) from None


def _versions(value: str | None) -> tuple[str | int, ...]:
    parts = _split(value)
    if not parts:
        return ("last",)
    if "all" in parts:
        return ("all",)
    words = [p for p in parts if p in ("first", "last")]
    stamps = [_timestamp("match[version]", p) for p in parts if p not in ("first", "last")]
    return (*words, *(s for s in stamps if s is not None))


def _cursor(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    stamp, _, seq = value.partition(".")
    if not (stamp.isdigit() and seq.isdigit()):
        raise InvalidInput("next", f"{value!r} is not a token this server issued")
    return int(stamp), int(seq)


@dataclass
class Status:
    """A status resource (§4.3.1) for one POST of objects; all work is done synchronously."""

    id: str
    successes: list[dict[str, str]] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)
    request_timestamp: str = ""

    def resource(self) -> dict[str, Any]:
        """The status resource; ``status`` is always ``complete`` (no pending work)."""
        return {
            "id": self.id,
            "status": "complete",
            "request_timestamp": self.request_timestamp,
            "total_count": len(self.successes) + len(self.failures),
            "success_count": len(self.successes),
            "successes": self.successes,
            "failure_count": len(self.failures),
            "failures": self.failures,
            "pending_count": 0,
            "pendings": [],
        }


def error_resource(status: int, title: str, description: str) -> dict[str, Any]:
    """A TAXII error message (§3.6.1)."""
    return {"title": title, "description": description, "http_status": str(status)}
