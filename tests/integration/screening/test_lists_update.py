"""``pallmall lists update``: lists fetched from a publisher (here a local HTTP server
serving the shipped files), validated, diffed and stored, on SQLite and PostgreSQL; a
publisher that is down or serves a broken file leaves the version in force."""

from __future__ import annotations

import csv
import http.server
import json
import os
import shutil
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pallmall.screening import ListSource, load_list
from pallmall.screening.model import ListFormat
from pallmall.screening.shipped import shipped_dir
from pallmall.screening.updates import (
    OFFICIAL_FEEDS,
    FolderFetcher,
    HttpFetcher,
    ListFeed,
    update_list,
)
from pallmall.storage.database import Database
from pallmall.storage.screening import SqlListStore
from tests.helpers import run_cli

CSL = shipped_dir() / "us_csl_sample_2025.csv"
EU_SAMPLE = Path(__file__).parents[2] / "data" / "eu_fsf" / "xmlFullSanctionsList_1_1_sample.xml"
TODAY = date(2026, 11, 30)
ROWS = len(load_list(ListSource(ListFormat.US_CSL_CSV, CSL, "us_csl")).entries)


def without_last_record(source: Path, target: Path) -> None:
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    with target.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows[:-1])


class Publisher:
    """A local HTTP server over ``folder`` that counts what it answered."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.answers = folder, []
        answers = self.answers

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, directory=str(folder), **kwargs)

            def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
                answers.append(int(code))

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def publisher(tmp_path: Path) -> Iterator[Publisher]:
    folder = tmp_path / "published"
    folder.mkdir()
    shutil.copyfile(CSL, folder / "consolidated.csv")
    served = Publisher(folder)
    yield served
    served.server.shutdown()
    served.server.server_close()


def feed(publisher: Publisher, name: str = "consolidated.csv") -> ListFeed:
    return ListFeed("us_csl", ListFormat.US_CSL_CSV, f"{publisher.url}/{name}")


def test_a_list_is_fetched_validated_diffed_and_stored(
    db: Database, publisher: Publisher, tmp_path: Path
) -> None:
    store = SqlListStore(db.engine)
    fetcher = HttpFetcher(tmp_path / "state.json", backoff=0)
    first = update_list(feed(publisher), store, fetcher, TODAY)
    assert first.status == "updated" and first.diff is not None
    assert len(first.diff.changes) == ROWS and first.version.startswith("2026-11-30-")
    latest = store.latest("us_csl")
    assert latest is not None and latest.snapshot.source.startswith(publisher.url)
    # asked again: a conditional request, answered 304, nothing fetched or stored
    again = update_list(feed(publisher), store, fetcher, TODAY)
    assert again.status == "unchanged" and publisher.answers[-1] == 304
    # the publisher amends the list: one entry gone, the rest unchanged
    without_last_record(CSL, Path(publisher.folder) / "consolidated.csv")
    os.utime(Path(publisher.folder) / "consolidated.csv", (2e9, 2e9))
    changed = update_list(feed(publisher), store, fetcher, TODAY)
    assert changed.status == "updated" and changed.diff is not None
    assert [c.kind.value for c in changed.diff.changes] == ["delisted"]
    assert [s.version for s in store.snapshots("us_csl")] == [first.version, changed.version]


def test_a_broken_or_unreachable_source_leaves_the_version_in_force(
    db: Database, publisher: Publisher, tmp_path: Path
) -> None:
    store = SqlListStore(db.engine)
    fetcher = HttpFetcher(tmp_path / "state.json", backoff=0)
    assert update_list(feed(publisher), store, fetcher, TODAY).status == "updated"
    in_force = store.latest("us_csl")
    (Path(publisher.folder) / "broken.csv").write_text("<html>maintenance</html>\n")
    broken = update_list(feed(publisher, "broken.csv"), store, fetcher, TODAY)
    assert broken.status == "failed" and "broken.csv" in broken.error
    missing = update_list(feed(publisher, "gone.csv"), store, fetcher, TODAY)
    assert missing.status == "failed" and "HTTP 404" in missing.error
    down = ListFeed("us_csl", ListFormat.US_CSL_CSV, "http://127.0.0.1:9/consolidated.csv")
    unreachable = update_list(down, store, fetcher, TODAY)
    assert unreachable.status == "failed" and "unreachable" in unreachable.error
    assert store.latest("us_csl") == in_force
    # offline: the files come from a folder, no request is sent
    offline = update_list(feed(publisher), store, FolderFetcher(Path(publisher.folder)), TODAY)
    assert offline.status == "unchanged"  # the same content as the version in force


def test_lists_update_on_the_command_line(publisher: Publisher, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    (data / "lists-feeds.json").write_text(
        json.dumps({"us_csl": {"format": "us_csl_csv", "url": f"{publisher.url}/consolidated.csv"}})
    )
    env = {
        **os.environ,
        "PALLMALL_DATA_DIR": str(data),
        "PALLMALL_DATABASE_URL": "",
        "COLUMNS": "200",
    }
    out = run_cli(env, "lists", "update", "us_csl").stdout
    assert "us_csl: updated to 20" in out and f"{ROWS} listed, 0 delisted, 0 amended" in out
    assert "us_csl: unchanged" in run_cli(env, "lists", "update").stdout  # the lists in force
    failed = run_cli(env, "lists", "update", "nowhere", code=2)
    assert "no feed for nowhere" in failed.stderr
    (data / "lists-feeds.json").write_text(
        json.dumps({"us_csl": {"format": "us_csl_csv", "url": f"{publisher.url}/none.csv"}})
    )
    down = run_cli(env, "lists", "update", code=2)
    assert "us_csl: " in down.stderr and "HTTP 404" in down.stderr
    assert "the version in force stays" in down.stderr


def served_eu_feed(publisher: Publisher) -> str:
    """The official EU URL with its host replaced by the local publisher (path and token
    query kept), and the sample served at that path."""
    official = urllib.parse.urlsplit(OFFICIAL_FEEDS["eu_fsf"].url)
    target = Path(publisher.folder) / official.path.lstrip("/")
    target.parent.mkdir(parents=True)
    shutil.copyfile(EU_SAMPLE, target)
    return urllib.parse.urlunsplit(official._replace(scheme="http", netloc=publisher.url[7:]))


def test_the_eu_list_is_updated_from_its_official_feed(
    db: Database, publisher: Publisher, tmp_path: Path
) -> None:
    official = OFFICIAL_FEEDS["eu_fsf"]
    assert official.url.endswith("xmlFullSanctionsList_1_1/content?token=dG9rZW4tMjAxNw")
    eu_feed = replace(official, url=served_eu_feed(publisher))
    store = SqlListStore(db.engine)
    fetcher = HttpFetcher(tmp_path / "state.json", backoff=0)
    first = update_list(eu_feed, store, fetcher, TODAY)
    assert first.status == "updated" and first.diff is not None, first.error
    # the version is the export's generationDate, not the day of the fetch
    assert first.version.startswith("2026-08-05-") and len(first.diff.changes) == 4
    latest = store.latest("eu_fsf")
    assert latest is not None and latest.snapshot.published == date(2026, 8, 5)
    assert update_list(eu_feed, store, fetcher, TODAY).status == "unchanged"
    # offline, the file is named by the URL's path without the token query
    offline = tmp_path / "offline"
    offline.mkdir()
    shutil.copyfile(EU_SAMPLE, offline / "content")
    again = update_list(official, store, FolderFetcher(offline), TODAY)
    assert again.status == "unchanged", again.error


def test_lists_update_eu_fsf_on_the_command_line(publisher: Publisher, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    url = served_eu_feed(publisher)
    (data / "lists-feeds.json").write_text(
        json.dumps({"eu_fsf": {"format": "eu_fsf_xml", "url": url}})
    )
    env = {
        **os.environ,
        "PALLMALL_DATA_DIR": str(data),
        "PALLMALL_DATABASE_URL": "",
        "COLUMNS": "200",
    }
    out = run_cli(env, "lists", "update", "eu_fsf").stdout
    assert "eu_fsf: updated to 2026-08-05-" in out and "4 listed, 0 delisted" in out
    assert "eu_fsf: unchanged" in run_cli(env, "lists", "update", "eu_fsf").stdout


UK_SAMPLE = (
    Path(__file__).parents[2] / "unit" / "screening" / "data" / "uk_sanctions_list_sample.xml"
)


def test_the_uk_sanctions_list_is_an_official_feed(tmp_path: Path) -> None:
    """``lists update uk_sanctions_list``: the FCDO's XML, served here from a local copy,
    read with its own loader and dated by its ``DateGenerated``."""
    official = OFFICIAL_FEEDS["uk_sanctions_list"]
    assert official.format is ListFormat.UK_SANCTIONS_LIST_XML
    assert official.url == "https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml"
    folder = tmp_path / "fcdo"
    folder.mkdir()
    shutil.copyfile(UK_SAMPLE, folder / "UK-Sanctions-List.xml")
    served = Publisher(folder)
    try:
        data = tmp_path / "data"
        data.mkdir(mode=0o700)
        url = f"{served.url}/UK-Sanctions-List.xml"
        (data / "lists-feeds.json").write_text(
            json.dumps({"uk_sanctions_list": {"format": "uk_sanctions_list_xml", "url": url}})
        )
        env = {
            **os.environ,
            "PALLMALL_DATA_DIR": str(data),
            "PALLMALL_DATABASE_URL": "",
            "COLUMNS": "200",
        }
        out = run_cli(env, "lists", "update", "uk_sanctions_list").stdout
        assert "uk_sanctions_list: updated to 2026-04-16-" in out  # the file's DateGenerated
        assert "4 listed, 0 delisted, 0 amended" in out
        again = run_cli(env, "lists", "update", "uk_sanctions_list").stdout
        assert "uk_sanctions_list: unchanged" in again
        assert served.answers[-1] == 304  # a conditional request
    finally:
        served.server.shutdown()
        served.server.server_close()
