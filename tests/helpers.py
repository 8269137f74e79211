"""Small builders the tests share."""

from __future__ import annotations

import subprocess
import sys

from pallmall.core.auth import SYSTEM
from pallmall.registry.demo import shipped_batches
from pallmall.registry.importing import ImportReport, apply_batch
from pallmall.registry.service import RegistryService
from pallmall.storage.database import Database, Tx


def service(tx: Tx) -> RegistryService:
    """A registry service on ``tx``."""
    return RegistryService(tx.registry, tx.audit, tx.outbox)


def load_demo(db: Database) -> list[ImportReport]:
    """Import the shipped registry data into ``db`` as the system."""
    with db.write() as tx:
        return [apply_batch(service(tx), SYSTEM, b) for b in shipped_batches()]


def run_cli(env: dict[str, str], *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    """Run ``pallmall ARGS`` in a subprocess with ``env``; assert its exit code."""
    done = subprocess.run(
        [sys.executable, "-m", "pallmall.cli", *args],
        env=env,
        text=True,
        capture_output=True,
        timeout=180,
    )
    assert done.returncode == code, done.stdout + done.stderr
    return done
