"""What a server's worker and every CLI command import before they do anything (issue 16):
the heavy packages that only some requests and commands need are imported at their first
use (``pallmall.core.deferred``), not at start; the CLI does not import the app. Measured
in a fresh process, since this one has imported everything already."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pallmall.storage.database import Database

# what drawing a chart, a FollowTheMoney export and a migration need, and nothing else
DEFERRED = ["matplotlib", "followthemoney", "alembic"]
# what serving HTTP needs: a worker imports it, ``pallmall --help`` and other commands not
WEB = ["fastapi", "starlette", "uvicorn"]

PROBE = """
import importlib, json, sys
from pallmall.storage.database import Database
url, modules, packages = sys.argv[1], sys.argv[2].split(","), sys.argv[3:]
for module in modules:
    importlib.import_module(module)
db = Database(url)
db.migrate()
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in packages)))
"""


def _imported(url: str, modules: list[str], packages: list[str]) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, url, ",".join(modules), *packages],
        capture_output=True,
        text=True,
        check=True,
    )
    found: list[str] = json.loads(done.stdout)
    return found


def _migrated(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'pallmall.db'}"
    db = Database(url)
    db.migrate()
    db.dispose()
    return url


def test_a_worker_on_a_current_database_imports_no_deferred_package(tmp_path: Path) -> None:
    assert _imported(_migrated(tmp_path), ["pallmall.cli.asgi"], DEFERRED) == []


def test_the_cli_imports_neither_the_web_stack_nor_a_deferred_package(tmp_path: Path) -> None:
    assert _imported(_migrated(tmp_path), ["pallmall.cli.main"], DEFERRED + WEB) == []


def test_the_probe_sees_a_deferred_package_once_used(tmp_path: Path) -> None:
    """The probe can fail: a database that needs migrating imports alembic."""
    found = _imported(f"sqlite:///{tmp_path / 'new.db'}", ["pallmall.storage.database"], DEFERRED)
    assert "alembic" in {m.split(".")[0] for m in found}
