"""Air gap: a bundle exported on one node and imported on another (SQLite and PostgreSQL),
bundles that chain, a bundle from the wrong size, tampered bundles refused whole; and the
``pallmall federation`` commands on two nodes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pallmall.cli.main import app
from pallmall.core.clock import utcnow
from pallmall.disclosure.marking import Tlp
from pallmall.federation.bundle import SizeMismatch
from pallmall.federation.peer import SharingGroup
from pallmall.federation.verify import PeerRefused
from pallmall.federation_node import (
    export_peer_bundle,
    federation_status,
    import_peer_bundle,
)
from pallmall.registry.model import Designation, Organisation, OrgKind
from pallmall.storage.database import Database
from pallmall.storage.federation import SqlFederationStore
from pallmall.storage.federation_sync import SqlSyncStore
from pallmall.wiring import denial_exchange
from tests.federation_logs import notice
from tests.federation_nodes import SendingNode, add_peer

A = "a.pallmall.example/log"


@pytest.fixture
def sender(tmp_path: Path, _sqlite_template: Path) -> SendingNode:
    node = SendingNode.create(tmp_path / "a", _sqlite_template, A)
    add_peer(node.db, "b", "b.pallmall.example/log", "b.pallmall.example/log+00000000+AA==")
    add_peer(node.db, "c", "c.pallmall.example/log", "c.pallmall.example/log+00000000+AA==")
    node.group("eu", "b")
    node.group("wa", "c")
    return node


def _received(db: Database) -> list[str]:
    with db.read() as tx:
        return [json.loads(r.body)["reference"] for r in SqlSyncStore(tx.conn).received()]


def test_a_bundle_exported_on_one_node_is_imported_on_another(
    sender: SendingNode, db: Database
) -> None:
    add_peer(db, "a", A, sender.tlog.vkey)
    sender.share("eu", notice(1))
    sender.share("wa", notice(2))  # for c only
    sender.share("inbox:b", notice(3))
    first = export_peer_bundle(sender.settings, sender.db, sender.tlog, "b", None)
    assert first.old_size == 0 and len(first.objects) == 2
    peer, verified = import_peer_bundle(db, first.encode())
    assert peer == "a" and verified.checkpoint.checkpoint.size == 3
    assert sorted(_received(db)) == ["case-1", "case-3"]
    # the next bundle starts where the last one ended, and is proven consistent with it
    sender.share("eu", notice(4))
    second = export_peer_bundle(sender.settings, sender.db, sender.tlog, "b", None)
    assert second.old_size == 3 and [o.obj["reference"] for o in second.objects] == ["case-4"]
    import_peer_bundle(db, second.encode())
    assert sorted(_received(db)) == ["case-1", "case-3", "case-4"]
    [status] = federation_status(db)
    assert status.verified_size == 4 and status.last_error == ""


def test_a_bundle_from_another_size_names_the_size_to_ask_for(
    sender: SendingNode, db: Database
) -> None:
    add_peer(db, "a", A, sender.tlog.vkey)
    sender.share("eu", notice(1))
    import_peer_bundle(
        db, export_peer_bundle(sender.settings, sender.db, sender.tlog, "b", 0).encode()
    )
    sender.share("eu", notice(2))
    again = export_peer_bundle(sender.settings, sender.db, sender.tlog, "b", 0)
    with pytest.raises(SizeMismatch, match="--since 1"):
        import_peer_bundle(db, again.encode())


@pytest.mark.parametrize("part", ["object", "checkpoint", "proof"])
def test_a_tampered_bundle_is_refused_whole(sender: SendingNode, db: Database, part: str) -> None:
    add_peer(db, "a", A, sender.tlog.vkey)
    sender.share("eu", notice(1))
    sender.share("eu", notice(2))
    doc = export_peer_bundle(sender.settings, sender.db, sender.tlog, "b", None).to_json()
    if part == "object":
        doc["objects"][1]["object"]["end_use"] = "surveillance of journalists"
    elif part == "checkpoint":
        doc["checkpoint"] = doc["checkpoint"].replace("\n2\n", "\n3\n", 1)
    else:
        doc["objects"][0]["inclusion"] = doc["objects"][1]["inclusion"]
    with pytest.raises(PeerRefused):
        import_peer_bundle(db, json.dumps(doc).encode())
    assert _received(db) == []
    with db.read() as tx:
        [evidence] = SqlSyncStore(tx.conn).evidence("a")
    assert (
        evidence.kind
        == {"object": "bad-proof", "checkpoint": "bad-signature", "proof": "bad-proof"}[part]
    )
    [status] = federation_status(db)
    assert status.verified_size is None and "bundle refused" in status.last_error


def test_the_commands_on_two_nodes(
    sender: SendingNode, tmp_path: Path, _sqlite_template: Path
) -> None:
    receiver = SendingNode.create(tmp_path / "b", _sqlite_template, "b.pallmall.example/log")
    add_peer(receiver.db, "a", A, sender.tlog.vkey, url="http://127.0.0.1:9")
    sender.share("eu", notice(1))
    runner = CliRunner()
    bundle = tmp_path / "a-to-b.json"
    exported = runner.invoke(
        app, ["federation", "export", "--peer", "b", "--out", str(bundle)], env=sender.env
    )
    assert exported.exit_code == 0, exported.output
    assert "1 objects" in exported.output
    imported = runner.invoke(app, ["federation", "import", str(bundle)], env=receiver.env)
    assert imported.exit_code == 0, imported.output
    assert "a: verified size 1, 1 objects verified" in imported.output
    status = runner.invoke(app, ["federation", "status"], env={**receiver.env, "COLUMNS": "200"})
    assert status.exit_code == 0 and "a.pallmall.example/log" in status.output
    assert "0 entries" in status.output
    # the peer's URL answers nothing: the sync says so and exits 1
    synced = runner.invoke(app, ["federation", "sync"], env=receiver.env)
    assert synced.exit_code == 1
    assert "a: failed" in synced.output and "0 of 1 peers synced" in synced.output
    unknown = runner.invoke(app, ["federation", "sync", "zz"], env=receiver.env)
    assert unknown.exit_code != 0


def test_a_designation_crosses_the_gap_as_a_measure(
    sender: SendingNode, tmp_path: Path, _sqlite_template: Path
) -> None:
    """The export tells the groups the node's measures first, logs them, and carries them:
    the designation recorded in A's registry is a measure in force on B."""
    receiver = SendingNode.create(tmp_path / "b", _sqlite_template, "b.pallmall.example/log")
    add_peer(receiver.db, "a", A, sender.tlog.vkey, url="http://127.0.0.1:9")
    with sender.db.write() as tx:
        store = SqlFederationStore(tx.conn)
        store.add_group(SharingGroup("partners", Tlp.AMBER, "", utcnow()))
        store.join("partners", "b")
        listed = Designation(
            authority="UK HM Treasury OFSI", listed_on=date(2026, 6, 1), citation="x"
        )
        hawk = Organisation(
            name="Blue Hawk Systems",
            kinds=(OrgKind.VENDOR,),
            jurisdictions=("AE",),
            designations=(listed,),
        )
        tx.registry.put("org-hawk", hawk, utcnow())
    bundle = tmp_path / "a-to-b.json"
    env = {**sender.env, "PALLMALL_NODE_STATE": "GB"}
    runner = CliRunner()
    exported = runner.invoke(
        app, ["federation", "export", "--peer", "b", "--out", str(bundle)], env=env
    )
    assert exported.exit_code == 0, exported.output
    assert "1 restrictive measure version(s) shared" in exported.output
    assert "1 objects" in exported.output
    imported = runner.invoke(app, ["federation", "import", str(bundle)], env=receiver.env)
    assert imported.exit_code == 0, imported.output
    with receiver.db.read() as tx:
        (measure,) = denial_exchange(tx, receiver.settings).foreign_measures()
    assert measure.subject_names == ("Blue Hawk Systems",) and measure.notifying_state == "GB"
    assert measure.authority == "UK HM Treasury OFSI" and measure.countries == ("AE",)
    # exported again: nothing changed, nothing told twice
    again = runner.invoke(
        app, ["federation", "export", "--peer", "b", "--out", str(bundle)], env=env
    )
    assert again.exit_code == 0 and "0 objects" in again.output, again.output
