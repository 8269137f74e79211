"""STIX 2.1 export of the shipped demo registry: valid for stix2-validator, stable ids, the
mapping of organisation kinds and relationships; and the ``pallmall export`` command."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from stix2validator import ValidationOptions, validate_string
from typer.testing import CliRunner

from pallmall.cli.main import app
from pallmall.core.auth import ANONYMOUS
from pallmall.intel.exports import stix_export
from pallmall.storage.database import Database
from pallmall.storage.intel import RegistryExportSource
from pallmall.wiring import incident_desk
from tests.helpers import load_demo


def export(db: Database) -> dict[str, Any]:
    with db.read() as tx:
        registry = RegistryExportSource.load(tx.registry)
        desk = incident_desk(tx, ANONYMOUS)
        return stix_export(ANONYMOUS, registry, desk, registry.last_change)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Database:
    """The shipped registry in a migrated SQLite database (read-only for these tests)."""
    path = tmp_path_factory.mktemp("demo") / "pallmall.db"
    db = Database(f"sqlite:///{path}")
    db.migrate()
    load_demo(db)
    return db


def test_demo_registry_export_validates_with_no_errors(demo: Database) -> None:
    bundle = export(demo)
    result = validate_string(json.dumps(bundle), ValidationOptions(version="2.1"))
    assert result.is_valid, [str(e) for e in result.errors]
    types = Counter(o["type"] for o in bundle["objects"])
    assert types["identity"] > 100 and types["malware"] >= 9 and types["threat-actor"] >= 1
    assert types["relationship"] >= 8


def test_export_twice_gives_the_same_ids_and_bytes(demo: Database) -> None:
    first, again = export(demo), export(demo)
    assert [o["id"] for o in first["objects"]] == [o["id"] for o in again["objects"]]
    assert json.dumps(first) == json.dumps(again)


def test_kinds_and_relationships_map_to_stix(demo: Database) -> None:
    objects = export(demo)["objects"]
    by_id = {o["id"]: o for o in objects}
    named = {o.get("name"): o for o in objects if "name" in o}
    predator = named["PREDATOR"]
    supplier = [
        o for o in objects if o["type"] == "relationship" and o["target_ref"] == predator["id"]
    ]
    assert [
        (by_id[o["source_ref"]]["name"], o["x_pallmall_relationship_type"]) for o in supplier
    ] == [("Intellexa S.A.", "supplies")]
    assert supplier[0]["relationship_type"] == "related-to" and supplier[0]["confidence"] == 70
    authored = [
        (by_id[o["source_ref"]]["name"].lower(), by_id[o["target_ref"]]["name"].lower())
        for o in objects
        if o.get("relationship_type") == "authored-by"
    ]
    assert {("pegasus", "nso group"), ("predator", "intellexa")} <= set(authored)
    hackers = [o for o in objects if o["type"] == "threat-actor"]
    assert all(o["x_pallmall_kind"] == "hacker_for_hire" for o in hackers)


def test_export_command_writes_stix_and_mvt(demo: Database, tmp_path: Path) -> None:
    url = demo.url
    runner = CliRunner()
    env = {"PALLMALL_DATA_DIR": str(tmp_path), "PALLMALL_DATABASE_URL": url}
    out = tmp_path / "registry.stix2"
    done = runner.invoke(app, ["export", "--format", "stix", "-o", str(out)], env=env)
    assert done.exit_code == 0, done.output
    assert json.loads(out.read_text()) == export(demo)
    mvt = runner.invoke(app, ["export", "--format", "mvt"], env=env)
    assert mvt.exit_code == 0, mvt.output
    assert json.loads(mvt.stdout)["type"] == "bundle"
    bad = runner.invoke(app, ["export", "--format", "mvt", "--collection", "nope"], env=env)
    assert bad.exit_code != 0
