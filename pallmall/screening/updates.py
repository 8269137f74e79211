"""Keeping the lists current: each list's feed (where its publisher puts it), fetched
with conditional requests and retries, validated, diffed against the version in force and
stored; a source that cannot be fetched or read leaves the version in force as it is.

Feeds are :data:`OFFICIAL_FEEDS` (OFAC SDN and consolidated non-SDN, UN Security Council,
US Consolidated Screening List, the FCDO's UK Sanctions List, the EU's financial sanctions
list), overridden or extended by a JSON file (``{"list_id": {"format": "ofac_csv", "url":
"...", "alt": "...", "add": "..."}}``), for example an OpenSanctions/FtM export
(``"format": "ftm_json"``). Offline, the files are read from a local folder instead, named
as the last part of each URL's path (the EU list: ``content``).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Protocol

from pallmall.core.errors import InvalidInput, PallmallError
from pallmall.screening.loaders import ListSource, load_list
from pallmall.screening.model import ListFormat, LoadReport
from pallmall.screening.versioning import ListStore, SnapshotDiff

_OFAC = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports"
_EU_FSF = "https://webgate.ec.europa.eu/fsd/fsf/public/files"


@dataclass(frozen=True)
class ListFeed:
    """Where one list is published: its format, the main file's URL and (OFAC) the alias
    and address files' URLs."""

    list_id: str
    format: ListFormat
    url: str
    alt: str = ""
    add: str = ""

    @property
    def urls(self) -> tuple[str, ...]:
        """Every URL the list is read from, main file first."""
        return tuple(u for u in (self.url, self.alt, self.add) if u)


OFFICIAL_FEEDS: Mapping[str, ListFeed] = {
    "us_ofac_sdn": ListFeed(
        "us_ofac_sdn", ListFormat.OFAC_CSV, f"{_OFAC}/SDN.CSV", f"{_OFAC}/ALT.CSV",
        f"{_OFAC}/ADD.CSV",
    ),
    "us_ofac_cons": ListFeed("us_ofac_cons", ListFormat.OFAC_CSV, f"{_OFAC}/CONS_PRIM.CSV"),
    "un_sc": ListFeed(
        "un_sc", ListFormat.UN_XML, "https://scsanctions.un.org/resources/xml/en/consolidated.xml"
    ),
    "us_csl": ListFeed(
        "us_csl",
        ListFormat.US_CSL_CSV,
        "https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.csv",
    ),
    "uk_sanctions_list": ListFeed(
        "uk_sanctions_list",
        ListFormat.UK_SANCTIONS_LIST_XML,
        "https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml",
    ),
    # the token is the public one the Commission prints for the full list (base64 of
    # "token-2017"), not a credential
    "eu_fsf": ListFeed(
        "eu_fsf", ListFormat.EU_FSF_XML,
        f"{_EU_FSF}/xmlFullSanctionsList_1_1/content?token=dG9rZW4tMjAxNw",
    ),
}  # fmt: skip
"""The publishers' own URLs for the lists pallmall reads."""


def read_feeds(config: Path | None) -> dict[str, ListFeed]:
    """:data:`OFFICIAL_FEEDS`, overridden and extended by the JSON file ``config``.

    Raises:
        InvalidInput: the file is not JSON of the documented shape (the message names
            the list and the field).
    """
    feeds = dict(OFFICIAL_FEEDS)
    if config is None or not config.exists():
        return feeds
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(str(config), f"not readable JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidInput(str(config), "an object of list id -> feed")
    for list_id, spec in data.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("url"), str):
            raise InvalidInput(f"{config}:{list_id}.url", "each feed needs a url")
        try:
            fmt = ListFormat(spec.get("format", ""))
        except ValueError:
            allowed = ", ".join(f.value for f in ListFormat)
            raise InvalidInput(f"{config}:{list_id}.format", f"one of {allowed}") from None
        feeds[list_id] = ListFeed(
            list_id, fmt, spec["url"], str(spec.get("alt", "")), str(spec.get("add", ""))
        )
    return feeds


def file_name(url: str) -> str:
    """The name a fetched file is saved and (offline) looked up under: the last part of
    the URL's path, without its query (``.../content?token=...`` -> ``content``: a query
    is no file name), ``list`` when the path ends in nothing."""
    path = urllib.parse.urlsplit(url).path
    return path.rstrip("/").rsplit("/", 1)[-1] or "list"


@dataclass(frozen=True)
class Fetched:
    """A file fetched (``path``), or ``None`` when the publisher says it has not changed
    since the last fetch (HTTP 304); ``modified`` is its Last-Modified date if given."""

    path: Path | None
    modified: date | None = None


class Fetcher(Protocol):
    """Fetches one URL into ``folder`` (raising :class:`FetchError`)."""

    def fetch(self, url: str, folder: Path) -> Fetched:
        """The file at ``url``, saved in ``folder`` as :func:`file_name` names it."""
        ...


class FetchError(PallmallError):
    """A source could not be fetched (unreachable, refused, or an HTTP error)."""


class HttpFetcher:
    """Fetches over HTTP(S) with conditional requests (the ETag and Last-Modified of the
    last good fetch of each URL, kept in ``state``) and ``retries`` retries with
    exponential back-off from ``backoff`` seconds on network errors and 5xx answers."""

    def __init__(
        self,
        state: Path,
        retries: int = 2,
        backoff: float = 1.0,
        timeout: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.state, self.retries, self.backoff, self.timeout = state, retries, backoff, timeout
        self._sleep = sleep
        self._pending: dict[str, dict[str, str]] = {}

    def fetch(self, url: str, folder: Path) -> Fetched:
        """See :class:`Fetcher`; raises :class:`FetchError` naming the URL and reason."""
        known = self._known().get(url, {})
        headers = {"User-Agent": "pallmall lists update"}
        if known.get("etag"):
            headers["If-None-Match"] = known["etag"]
        if known.get("modified"):
            headers["If-Modified-Since"] = known["modified"]
        target = folder / file_name(url)
        for attempt in range(self.retries + 1):
            try:
                request = urllib.request.Request(url, headers=headers)
                with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                    with target.open("wb") as out:
                        shutil.copyfileobj(answer, out)
                    etag = answer.headers.get("ETag")
                    modified = answer.headers.get("Last-Modified")
                self._pending[url] = {"etag": etag or "", "modified": modified or ""}
                return Fetched(target, _http_date(modified))
            except urllib.error.HTTPError as exc:
                if exc.code == 304:
                    return Fetched(None)
                if exc.code < 500 or attempt == self.retries:
                    raise FetchError(f"{url}: HTTP {exc.code} {exc.reason}") from None
            except (urllib.error.URLError, OSError) as exc:
                if attempt == self.retries:
                    reason = getattr(exc, "reason", exc)
                    raise FetchError(f"{url}: unreachable ({reason})") from None
            self._sleep(self.backoff * 2**attempt)
        raise FetchError(f"{url}: no answer")  # pragma: no cover - the loop always returns

    def remember(self) -> None:
        """Keep the validators of the fetches that were stored (call after a good load:
        a file that failed validation is fetched again in full next time)."""
        known = self._known() | self._pending
        self.state.parent.mkdir(parents=True, exist_ok=True)
        self.state.write_text(json.dumps(known, indent=1), encoding="utf-8")
        self._pending = {}

    def forget(self) -> None:
        """Drop the validators of the fetches since the last :meth:`remember`."""
        self._pending = {}

    def _known(self) -> dict[str, dict[str, str]]:
        try:
            found = json.loads(self.state.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return found if isinstance(found, dict) else {}


class FolderFetcher:
    """Offline: "fetches" each URL's file from a local folder (named by
    :func:`file_name`); never sends a request."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def fetch(self, url: str, folder: Path) -> Fetched:
        """See :class:`Fetcher`; raises :class:`FetchError` when the file is absent."""
        name = file_name(url)
        source = self.folder / name
        if not source.is_file():
            raise FetchError(f"offline: {source} is absent (for {url})")
        shutil.copyfile(source, folder / name)
        return Fetched(folder / name)


@dataclass(frozen=True)
class UpdateOutcome:
    """What updating one list did: ``status`` is ``updated``, ``unchanged`` (not
    modified, or the same content as the version in force) or ``failed`` (``error``
    says why; the version in force stays)."""

    list_id: str
    status: str
    version: str = ""
    diff: SnapshotDiff | None = None
    error: str = ""


def update_list(feed: ListFeed, store: ListStore, fetcher: Fetcher, today: date) -> UpdateOutcome:
    """Fetch, validate, diff and store one list (never raises for a bad source: the
    outcome says ``failed`` and why, and nothing is stored)."""
    with tempfile.TemporaryDirectory(prefix="pallmall-list-") as scratch:
        folder = Path(scratch)
        try:
            fetched = [fetcher.fetch(url, folder) for url in feed.urls]
            if fetched[0].path is None:
                return UpdateOutcome(feed.list_id, "unchanged", error="not modified (HTTP 304)")
            paths = [f.path for f in fetched]
            digest = _digest([p for p in paths if p is not None])
            current = store.latest(feed.list_id)
            if current is not None and current.snapshot.source.endswith(f"#{digest}"):
                return UpdateOutcome(feed.list_id, "unchanged", current.snapshot.version)
            report = _load(feed, paths, fetched[0].modified or today, digest)
            diff = store.record(report)
        except (PallmallError, OSError) as exc:
            _forget(fetcher)
            return UpdateOutcome(feed.list_id, "failed", error=str(exc))
    _remember(fetcher)
    return UpdateOutcome(feed.list_id, "updated", report.snapshot.version, diff)


def _load(feed: ListFeed, paths: list[Path | None], published: date, digest: str) -> LoadReport:
    main, alt, add = [*paths, None, None][:3]
    assert main is not None
    source = ListSource(
        feed.format, main, feed.list_id,
        alt=alt if feed.alt else None, add=(add if feed.alt else alt) if feed.add else None,
    )  # fmt: skip
    report = load_list(source)  # strict: a malformed or empty file raises InvalidInput
    snapshot = report.snapshot
    # the file's own date (UN dateGenerated) when it has one, else Last-Modified or today;
    # the content digest tells two versions of one day apart
    day = snapshot.published or published
    version = f"{day.isoformat()}-{digest[:8]}"
    info = replace(snapshot, version=version, published=day, source=f"{feed.url}#{digest}")
    return LoadReport(info, report.entries, report.skipped)


def _digest(paths: list[Path]) -> str:
    hasher = hashlib.sha256()
    for path in paths:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                hasher.update(block)
    return hasher.hexdigest()[:16]


def _http_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).date()
    except (TypeError, ValueError):
        return None


def _remember(fetcher: Fetcher) -> None:
    if isinstance(fetcher, HttpFetcher):
        fetcher.remember()


def _forget(fetcher: Fetcher) -> None:
    if isinstance(fetcher, HttpFetcher):
        fetcher.forget()


__all__ = [
    "OFFICIAL_FEEDS",
    "FetchError",
    "Fetched",
    "Fetcher",
    "FolderFetcher",
    "HttpFetcher",
    "ListFeed",
    "UpdateOutcome",
    "file_name",
    "read_feeds",
    "update_list",
]
