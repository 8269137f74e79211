"""What a server's worker and every CLI command import before they do anything (issue 16):
the heavy packages that only some requests and commands need are imported at their first
use (``pallmall.core.deferred``), not at start. Measured in a fresh process, since this
one has imported everything already."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pallmall.storage.database import Database

# what drawing a chart, a FollowTheMoney export and a migration need, and nothing else
DEFERRED = ["matplotlib", "followthemoney", "alembic"]

PROBE = """
import json, sys
import pallmall.cli.asgi, pallmall.cli.main
from pallmall.storage.database import Database
db = Database(sys.argv[1])
db.migrate()  # already at the newest revision: nothing to do
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in sys.argv[2:])))
"""


def test_app_cli_and_a_current_database_import_no_deferred_package(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'pallmall.db'}"
    db = Database(url)
    db.migrate()
    db.dispose()
    done = subprocess.run(
        [sys.executable, "-c", PROBE, url, *DEFERRED],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout) == []


def test_the_probe_sees_a_deferred_package_once_used(tmp_path: Path) -> None:
    """The probe can fail: a database that needs migrating imports alembic."""
    url = f"sqlite:///{tmp_path / 'new.db'}"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, url, *DEFERRED],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "alembic" in json.loads(done.stdout)
