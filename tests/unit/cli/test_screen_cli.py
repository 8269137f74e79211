"""``pallmall screen``: one party or a CSV batch; the exit code says whether any alerted."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from tests.helpers import run_cli as run


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data = tmp_path_factory.mktemp("screen-cli")
    environment = {
        **os.environ,
        "PALLMALL_DATA_DIR": str(data),
        "PALLMALL_DATABASE_URL": "",
        "COLUMNS": "200",
    }
    run(environment, "init", "--demo")
    return environment


def parties(tmp_path: Path, *rows: tuple[str, str, str]) -> Path:
    path = tmp_path / "parties.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["reference", "name", "countries"])
        writer.writerows(rows)
    return path


def test_one_party_that_alerts_exits_1(env: dict[str, str]) -> None:
    done = run(env, "screen", "Cytrox Holdings Zrt.", "--schema", "organization", code=1)
    assert "ALERT CYTROX HOLDINGS ZARTKORUEN MUKODO RESZVENYTARSASAG" in done.stdout


def test_a_batch_with_one_alerting_party_exits_1(env: dict[str, str], tmp_path: Path) -> None:
    batch = parties(
        tmp_path,
        ("p1", "Ingeborg Abrahamsen", "NO"),
        ("p2", "Intellexa S.A.", ""),
        ("p3", "Ministry of Interior", "EG"),
    )
    out = tmp_path / "out.csv"
    done = run(env, "screen", "--csv", str(batch), "-o", str(out), code=1)
    assert "3 parties screened, 1 with alerts" in done.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    alerting = {r["reference"] for r in rows if r["alert"] == "true"}
    assert alerting == {"p2"}


def test_a_batch_without_alerts_exits_0(env: dict[str, str], tmp_path: Path) -> None:
    batch = parties(
        tmp_path, ("p1", "Ingeborg Abrahamsen", "NO"), ("p2", "Ministry of Interior", "EG")
    )
    done = run(env, "screen", "--csv", str(batch), code=0)
    assert "2 parties screened, 0 with alerts" in done.stderr


def ftm(path: Path, *entities: tuple[str, str, str]) -> Path:
    lines = [
        json.dumps({"id": i, "schema": "Company", "properties": {"name": [n], "country": [c]}})
        for i, n, c in entities
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_lists_diff_shows_listings_delistings_and_changed_entries(
    env: dict[str, str], tmp_path: Path
) -> None:
    first = ftm(tmp_path / "v1.json", ("a", "Alpha Trading LLC", "ru"), ("b", "Bravo GmbH", "de"))
    second = ftm(tmp_path / "v2.json", ("a", "Alpha Trading LLC", "by"), ("c", "Charlie SA", "fr"))
    for path, version, day in ((first, "v1", "2026-01-01"), (second, "v2", "2026-02-01")):
        run(env, "lists", "load", "ftm_json", str(path), "--list-id", "cli_test",
            "--version", version, "--published", day)  # fmt: skip
    out = run(env, "lists", "diff", "cli_test").stdout
    assert "cli_test: v1 -> v2" in out
    assert "1 listed, 1 delisted, 1 amended" in out
    assert "Bravo GmbH" in out and "Charlie SA" in out and "countries" in out
    first_only = run(env, "lists", "diff", "cli_test", "--to", "v1").stdout
    assert "cli_test: nothing -> v1" in first_only and "2 listed, 0 delisted" in first_only
    missing = run(env, "lists", "diff", "cli_test", "--from", "v0", code=2)
    assert "cli_test has no version 'v0' (from); stored: v1, v2" in missing.stderr
    shown = run(env, "lists", "show").stdout
    assert "us_ofac_sdn" in shown and "OVERDUE" in shown  # the shipped 2024 snapshot
