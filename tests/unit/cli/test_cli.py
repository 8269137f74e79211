"""The ``pallmall`` command, run as a user would (a subprocess on a temporary data folder)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pallmall.registry.demo import DATA
from tests.helpers import run_cli as run


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data = tmp_path_factory.mktemp("cli")
    environment = {
        **os.environ,
        "PALLMALL_DATA_DIR": str(data),
        "PALLMALL_DATABASE_URL": "",
        "COLUMNS": "200",
    }
    run(environment, "init", "--demo")
    return environment


def test_search_prints_designations(env: dict[str, str]) -> None:
    out = run(env, "search", "Intellexa").stdout
    assert "Intellexa S.A." in out
    assert "US Commerce BIS Entity List on 2023-07-18" in out
    assert "US Treasury OFAC SDN [CYBER2] on 2024-03-05" in out


def test_search_without_match_exits_1(env: dict[str, str]) -> None:
    assert "no record matches" in run(env, "search", "zzzz-nothing", code=1).stdout


def test_reimport_changes_nothing(env: dict[str, str]) -> None:
    out = run(env, "import", "galaxy", str(DATA / "misp-surveillance-vendor.json")).stdout
    assert "0 created, 0 updated, 648 unchanged" in out
    assert "relation type 'known-as' has no registry equivalent" in out


def test_bad_file_is_a_clear_error(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("name,type\nX,organisation\n")
    done = run(env, "import", "designations", str(bad), code=2)
    assert "bad.csv: header: missing column(s) authority, citation, listed_on" in done.stderr


def test_export_ftm(env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "registry.ftm.json"
    run(env, "export", "-o", str(target))
    entities = [json.loads(line) for line in target.read_text().splitlines()]
    sanctions = [e for e in entities if e["schema"] == "Sanction"]
    designations = (DATA / "designations.csv").read_text().strip().splitlines()[1:]
    assert len(sanctions) == len(designations) == 22
    assert {s["properties"]["program"][0] for s in sanctions if "program" in s["properties"]} == {
        "CYBER2",
        "RUSSIA-EO14024",
    }


def test_user_add_with_token(env: dict[str, str]) -> None:
    environment = {**env, "PALLMALL_PASSWORD": "a long enough password"}
    out = run(
        environment,
        "user",
        "add",
        "officer@authority.example",
        "--role",
        "regulator",
        "--account",
        "Export Authority",
        "--kind",
        "export_authority",
        "--state",
        "GB",
        "--token",
    ).stdout
    assert "API token (shown once): pm_" in out
    assert "officer@authority.example" in run(env, "user", "list").stdout


def test_lists_load_prints_the_change_and_a_bad_row_is_a_clear_error(
    env: dict[str, str], tmp_path: Path
) -> None:
    entity = {
        "id": "cli-test-1",
        "schema": "Company",
        "properties": {"name": ["Northern Freight LLC"], "country": ["am"]},
    }
    good = tmp_path / "list.ftm.json"
    good.write_text(json.dumps(entity) + "\n")
    args = ("lists", "load", "ftm_json", "--list-id", "cli_test", "--published", "2026-11-02")
    out = run(env, *args, "--version", "1", str(good)).stdout
    assert "cli_test 1: 1 entries (1 listed)" in out
    assert "pallmall cases recheck" in out
    assert "cli_test" in run(env, "lists", "show").stdout

    bad = tmp_path / "bad.ftm.json"
    bad.write_text(json.dumps(entity) + "\n{not json\n")
    done = run(env, *args, "--version", "2", str(bad), code=2)
    assert "bad.ftm.json:2" in done.stderr
    assert "cli_test 2" not in run(env, "lists", "show").stdout


def test_import_incidents_refuses_what_it_cannot_read(env: dict[str, str], tmp_path: Path) -> None:
    other = tmp_path / "notes.csv"
    other.write_text("who,when\nx,y\n")
    assert "name the product" in run(env, "import", "incidents", str(other), code=2).stderr
    refused = run(env, "import", "incidents", str(other), "--product", "PEGASUS", code=2)
    assert "not a Granitt victim database" in refused.stderr
    missing = run(env, "import", "incidents", str(other), "--product", "Nothing", code=2)
    assert "'Nothing' is not a product in the registry" in missing.stderr
    nobody = run(env, "import", "incidents", str(other), "--as", "x@example.org", code=2)
    assert "no active user 'x@example.org'" in nobody.stderr
