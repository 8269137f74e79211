"""The node's witness over HTTP (/witness/...), and its log's checkpoint cosigned by a peer
node's witness (/log/checkpoint), on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
import stat
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from pallmall.app import create_app
from pallmall.cli.main import app as cli
from pallmall.core.auth import Role
from pallmall.core.settings import Settings
from pallmall.log import (
    AddCheckpoint,
    QuorumError,
    TransparencyLog,
    WitnessTarget,
    check_quorum,
    verifier_from_vkey,
    verify_checkpoint,
    verify_note,
)
from pallmall.log.note import add_signatures, parse_vkey
from pallmall.storage.database import Database
from pallmall.wiring import Witnessing
from tests.integration.api.conftest import auth
from tests.witnessing import LiveServer, grown, new_log

PEER = "fr.pallmall.example/log"


@pytest.fixture
def peer(tmp_path: Path) -> TransparencyLog:
    """A peer node's log (only its files: the witness sees its checkpoints)."""
    return new_log(tmp_path / "peer", PEER)


@pytest.fixture
def node(db: Database, tmp_path: Path, peer: TransparencyLog) -> Iterator[TestClient]:
    """A node (origin gb.pallmall.example/log) that witnesses ``peer``."""
    settings = Settings(
        data_dir=tmp_path / "gb", session_secret="s", log_origin="gb.pallmall.example/log"
    )
    witnessing = Witnessing(logs=lambda: {PEER: [peer.vkey]})
    with TestClient(create_app(settings, db, witnessing)) as client:
        yield client


def add(client: TestClient, body: bytes) -> tuple[int, str, bytes]:
    answer = client.post("/witness/add-checkpoint", content=body)
    return answer.status_code, answer.headers["content-type"], answer.content


def test_the_node_cosigns_its_peers_and_answers_as_the_spec_says(
    node: TestClient, peer: TransparencyLog, tmp_path: Path
) -> None:
    vkey = node.get("/witness/vkey").text.strip()
    name, sig_type, _ = parse_vkey(vkey)
    assert (name, sig_type) == ("gb.pallmall.example/witness", 0x04)
    key = tmp_path / "gb" / "witness.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert vkey != node.get("/log/vkey").text.strip()  # not the log's key

    grown(peer, 3)
    status, _, lines = add(node, AddCheckpoint(0, (), peer.checkpoint().note).encode())
    assert status == 200
    verify_note(add_signatures(peer.checkpoint().note, lines), [verifier_from_vkey(vkey)])

    grown(peer, 2)
    stale = AddCheckpoint(0, (), peer.checkpoint().note).encode()
    assert add(node, stale) == (409, "text/x.tlog.size", b"3\n")  # exactly, no charset
    proof = peer.consistency_proof(3, 5).proof
    assert add(node, AddCheckpoint(3, proof, peer.checkpoint().note).encode())[0] == 200

    stranger = new_log(tmp_path / "stranger", "xx.example/log")
    assert add(node, AddCheckpoint(0, (), stranger.checkpoint().note).encode())[0] == 404
    assert add(node, b"old 1\nnot a proof\n\n")[0] == 400


def test_refused_split_views_are_listed_to_admins(
    node: TestClient, peer: TransparencyLog, tokens: dict[Role, str], tmp_path: Path
) -> None:
    grown(peer, 2)
    add(node, AddCheckpoint(0, (), peer.checkpoint().note).encode())
    fork = TransparencyLog.open(tmp_path / "fork", peer.signer)
    grown(fork, 2, tag=b"forged")
    assert add(node, AddCheckpoint(2, (), fork.checkpoint().note).encode())[0] == 409

    listed = node.get("/witness/evidence", headers=auth(tokens[Role.ADMIN]))
    assert listed.status_code == 200
    (item,) = listed.json()["items"]
    assert item["kind"] == "split-view" and item["origin"] == PEER
    assert item["cosigned"].encode() == peer.checkpoint().note
    assert item["refused"].encode() == fork.checkpoint().note
    assert node.get("/witness/evidence", headers=auth(tokens[Role.REGULATOR])).status_code == 403
    assert node.get("/witness/evidence").status_code == 401


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as answer:
        data: bytes = answer.read()
        return data


def test_the_log_checkpoint_carries_the_peer_witness_cosignature(
    db: Database, tmp_path: Path, tokens: dict[Role, str], _sqlite_template: Path
) -> None:
    # node B (its own SQLite database) witnesses node A; A submits to B in the background
    b_db_path = tmp_path / "b" / "pallmall.db"
    b_db_path.parent.mkdir()
    shutil.copy(_sqlite_template, b_db_path)
    b_db = Database(f"sqlite:///{b_db_path}")
    witnessed: dict[str, list[str]] = {}
    b_settings = Settings(data_dir=tmp_path / "b", session_secret="s", log_origin="b.example/log")
    b_app = create_app(b_settings, b_db, Witnessing(logs=lambda: witnessed))
    try:
        with LiveServer(b_app) as b:
            b_vkey = fetch(f"{b.url}/witness/vkey").decode().strip()
            target = WitnessTarget("b", f"{b.url}/witness/add-checkpoint", b_vkey)
            a_settings = Settings(
                data_dir=tmp_path / "a",
                session_secret="s",
                log_origin="a.example/log",
                witness_submit_seconds=0.05,
            )
            a_app = create_app(a_settings, db, Witnessing(witnesses=lambda: [target]))
            with LiveServer(a_app, lifespan="on") as a:
                a_vkey = fetch(f"{a.url}/log/vkey").decode().strip()
                witnessed["a.example/log"] = [a_vkey]
                request = urllib.request.Request(
                    f"{a.url}/api/v1/registry/records",
                    data=b'{"type": "organisation", "name": "W", "kinds": ["vendor"]}',
                    headers={"Content-Type": "application/json", **auth(tokens[Role.REGULATOR])},
                )
                urllib.request.urlopen(request, timeout=10).close()
                note = cosigned_checkpoint(f"{a.url}/log/checkpoint", b_vkey)
                verify_checkpoint(note, [verifier_from_vkey(a_vkey)])
                assert int(note.split(b"\n")[1]) > 0

                args = ["log", "verify", f"{a.url}/log/", "--vkey", a_vkey, "--wait", "10"]
                done = CliRunner().invoke(cli, [*args, "--witness", b_vkey, "--quorum", "1"])
                assert done.exit_code == 0, done.output
                assert "1 of 1 required witnesses cosigned; signed: b.example/witness" in (
                    done.output
                )
                ledger = (tmp_path / "a" / "log" / "witnesses.json").read_text()
                assert '"last_error": ""' in ledger
    finally:
        b_db.dispose()


def cosigned_checkpoint(url: str, witness_vkey: str) -> bytes:
    """Poll ``url`` until the checkpoint it serves carries the witness's cosignature."""
    deadline = time.monotonic() + 20
    while True:
        note = fetch(url)
        try:
            check_quorum(note, [witness_vkey], 1)
            return note
        except QuorumError:
            assert time.monotonic() < deadline, f"never cosigned: {note!r}"
            time.sleep(0.05)


def test_the_verify_page_shows_how_to_demand_witnesses(client: TestClient) -> None:
    page = client.get("/transparency-log/verify").text
    assert "--witness" in page and "--quorum 2" in page
