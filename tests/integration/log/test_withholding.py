"""Withholding an entry that should never have been public (docs/disclosure.md): the bundle
is no longer served, a notice says why, and the log still verifies — on SQLite and
PostgreSQL, through the API and ``pallmall log verify``'s code."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pallmall.app import create_app
from pallmall.core.auth import SYSTEM
from pallmall.core.errors import InvalidInput
from pallmall.core.settings import Settings
from pallmall.log import TransparencyLog, verify_log
from pallmall.log.bundle import decode_bundle, encode_bundle
from pallmall.log.errors import TileError
from pallmall.log.layout import bundles_for_size
from pallmall.log.withholding import PLACEHOLDER
from pallmall.publisher import withhold_entry
from pallmall.registry.model import Organisation, OrgKind
from pallmall.storage.database import Database
from tests.helpers import service


@pytest.fixture
def client(db: Database, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, session_secret="test-secret")
    with TestClient(create_app(settings, db)) as test_client:
        yield test_client


def add_records(db: Database, *names: str) -> None:
    with db.write() as tx:
        for name in names:
            service(tx).create(SYSTEM, Organisation(name=name, kinds=(OrgKind.VENDOR,)))


def grown(client: TestClient, size: int) -> int:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        now = int(client.get("/log/checkpoint").text.splitlines()[1])
        if now >= size:
            return now
        time.sleep(0.05)
    raise AssertionError(f"the log did not reach {size}")


def test_a_withheld_entry_is_no_longer_served_and_the_log_still_verifies(
    client: TestClient, db: Database, tmp_path: Path
) -> None:
    tlog: TransparencyLog = client.app.state.node.tlog  # type: ignore[attr-defined]  # TestClient.app is typed as a plain ASGI app
    add_records(db, "Alpha", "Leaky Name Ltd", "Gamma")
    grown(client, 3)
    leaky = next(
        e["index"]
        for e in client.get("/log/entries", params={"limit": 10}).json()["items"]
        if e["public"].get("name") == "Leaky Name Ltd"
    )
    notice = withhold_entry(db, tlog, leaky, "named a person in confidence")
    with pytest.raises(InvalidInput):
        withhold_entry(db, tlog, leaky, "again")
    add_records(db, "Delta")  # later entries land in the same (withheld) bundle
    size = grown(client, 5)

    for bundle in bundles_for_size(size):  # served, with the entry replaced
        got = client.get(f"/log/{bundle.path()}")
        assert got.status_code == 200 and PLACEHOLDER in got.content
        assert b"Leaky Name" not in got.content and b"Delta" in got.content
    assert "Leaky Name Ltd" not in client.get("/log/entries", params={"limit": 50}).text
    listed = client.get("/log/entries", params={"limit": 50}).json()["items"]
    assert [i["withheld"] for i in listed if "withheld" in i] == ["named a person in confidence"]
    assert client.get(f"/log/receipt/{leaky}").status_code == 410
    assert client.get(f"/transparency-log/entries/{leaky}").status_code == 410
    public = tmp_path / "log" / "public"
    assert not any(b"Leaky Name" in p.read_bytes() for p in public.rglob("*") if p.is_file())
    kinds = [i["kind"] for i in listed]
    assert notice.kind in kinds and notice.public["index"] == leaky

    report = verify_log(public, tlog.vkey)  # the static copy: what any mirror serves
    assert report.checkpoint.size == size and report.withheld == (leaky,)

    forged = tmp_path / "forged"  # a placeholder no notice explains
    shutil.copytree(public, forged)
    for path in (forged / "tile" / "entries").rglob("*"):
        if path.is_file():
            entries = decode_bundle(path.read_bytes())
            entries[0 if leaky else 1] = PLACEHOLDER
            path.write_bytes(encode_bundle(entries))
    with pytest.raises(TileError, match="no notice"):
        verify_log(forged, tlog.vkey)
