"""A served node, probed as the issue did: a 10,000-row batch must not starve other requests,
and the standard TAXII client authenticates the three ways it can (issue 13)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from taxii2client.common import TokenAuth
from taxii2client.v21 import Collection, Server

from .live import add_user, cli, node_env, serving

pytestmark = [pytest.mark.slow]
ANALYST = "analyst@authority.example"
BUNDLE = {
    "type": "bundle",
    "id": "bundle--6b1e9a4e-4f6b-4a38-9d39-9a0d3a2b7c11",
    "objects": [
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": "indicator--0b6d6c4e-2c6e-4d7a-8f2a-4c1f3b7f9a10",
            "created": "2024-05-01T10:00:00.000Z",
            "modified": "2024-05-01T10:00:00.000Z",
            "name": "C2 domain",
            "pattern": "[domain-name:value = 'c2.spyware.example']",
            "pattern_type": "stix",
            "valid_from": "2024-05-01T10:00:00Z",
        }
    ],
}


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A demo node (registry and shipped lists) with an analyst; yields (base URL, token)."""
    env = node_env(tmp_path_factory.mktemp("node") / "data")
    cli(env, "init", "--demo")
    token = add_user(env, ANALYST, "analyst")
    with serving(env) as base:
        yield base, token


def test_other_requests_are_answered_while_a_10000_row_batch_runs(
    node: tuple[str, str],
) -> None:
    base, token = node
    rows = "name,countries\n" + "".join(f"Trading House {i} Holdings,RU\n" for i in range(10_000))
    outcome: dict[str, httpx.Response] = {}

    def batch() -> None:
        outcome["batch"] = httpx.post(
            f"{base}/api/v1/screening/batch?format=csv",
            content=rows,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
            timeout=900,
        )

    worker = threading.Thread(target=batch)
    worker.start()
    time.sleep(1.0)  # the batch is read and screening by now
    answered: list[tuple[int, float]] = []
    while worker.is_alive() and len(answered) < 20:
        start = time.monotonic()
        reply = httpx.get(f"{base}/api/v1/registry/records?limit=1&q=NSO", timeout=30)
        answered.append((reply.status_code, time.monotonic() - start))
        time.sleep(0.05)
    still_running = worker.is_alive()
    worker.join()
    assert outcome["batch"].status_code == 200, outcome["batch"].text[:500]
    assert outcome["batch"].text.count("\n") >= 10_001
    assert still_running, "the batch ended before 20 other requests: not a starvation test"
    assert [code for code, _ in answered] == [200] * 20
    assert max(seconds for _, seconds in answered) < 5.0, answered


def test_the_standard_taxii_client_authenticates(node: tuple[str, str]) -> None:
    base, token = node
    server = Server(f"{base}/taxii2/", user=ANALYST, password=token)
    root = server.default
    assert root.url == f"{base}/taxii2/intel/"  # built from PALLMALL_PUBLIC_URL
    community = next(c for c in root.collections if c.alias == "community")
    basic = Collection(community.url, user=ANALYST, password=token)
    status = basic.add_objects(BUNDLE)
    assert status.status == "complete" and status.success_count == 1
    with_token = Collection(community.url, auth=TokenAuth(token))
    found = with_token.get_objects(type="indicator")["objects"]
    assert [o["id"] for o in found] == [BUNDLE["objects"][0]["id"]]
    refused = httpx.get(
        community.url + "objects/",
        headers={"Accept": "application/taxii+json;version=2.1", "Authorization": "Token nope"},
    )
    assert refused.status_code == 401
    assert "Basic" in refused.headers["www-authenticate"]


def test_the_data_folder_is_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    env = node_env(data)
    cli(env, "init")
    (data / "pallmall.db").chmod(0o644)
    done = cli(env, "user", "list")
    assert "mode 644 -> 600" in done.stderr
    assert oct(data.stat().st_mode & 0o777) == "0o700"
    for name in ("pallmall.db", "log-signing.key"):
        assert oct((data / name).stat().st_mode & 0o777) == "0o600", name
    with serving(env, ready=False):
        for wal in data.glob("pallmall.db-*"):
            assert oct(wal.stat().st_mode & 0o777) == "0o600", wal
        assert oct((data / "session.key").stat().st_mode & 0o777) == "0o600"
