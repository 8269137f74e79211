"""``pallmall screen``: one party or a CSV batch; the exit code says whether any alerted."""

from __future__ import annotations

import csv
import io
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
