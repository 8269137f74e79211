"""Small builders the tests share."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any
from unittest.mock import patch

from click.testing import CliRunner
from fastapi.testclient import TestClient

from pallmall.core.auth import SYSTEM
from pallmall.log import TransparencyLog
from pallmall.registry.demo import shipped_batches
from pallmall.registry.importing import ImportReport, apply_batch
from pallmall.registry.service import RegistryService
from pallmall.storage.database import Database, Tx


def service(tx: Tx) -> RegistryService:
    """A registry service on ``tx``."""
    return RegistryService(tx.registry, tx.audit, tx.outbox)


def publish(client: TestClient) -> TransparencyLog:
    """Publish every pending change of the app behind ``client`` into its log and integrate
    it; its log. The app's own publisher thread may hold a batch while this drain finds
    nothing (PostgreSQL's SKIP LOCKED): wait until nothing is pending (counted without a
    lock), then until the log integrated it all.

    Raises:
        AssertionError: not done within 10 s.
    """
    node = client.app.state.node  # type: ignore[attr-defined]  # Starlette's app is untyped here
    tlog: TransparencyLog = node.tlog
    for _ in range(200):
        node.publisher.drain()
        with node.db.read() as tx:
            pending, _ = tx.outbox.waiting()
        if not pending and tlog.integrate().checkpoint.size >= tlog.sequencer.size():
            return tlog
        time.sleep(0.05)
    raise AssertionError("the log did not integrate what was published")


def load_demo(db: Database) -> list[ImportReport]:
    """Import the shipped registry data into ``db`` as the system."""
    with db.write() as tx:
        return [apply_batch(service(tx), SYSTEM, b) for b in shipped_batches()]


def run_cli(env: dict[str, str], *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    """Run ``pallmall ARGS`` as ``python -m pallmall.cli`` does (its ``main``: pallmall's
    errors exit 2 without a traceback), with ``env`` as the whole environment, but in this
    process: a subprocess pays the CLI's imports again, seconds a command. Assert the exit
    code; return what a subprocess would (stdout and stderr apart). ``pallmall serve`` and
    what must be a process of its own (a crash, a signal, the entry point) run in
    subprocesses elsewhere."""
    from pallmall.cli.main import main  # the CLI's imports, only for the tests that run it

    overrides: dict[str, str | None] = {k: None for k in os.environ if k not in env}
    overrides.update(env)
    argv, umask = sys.argv, os.umask(0o022)
    os.umask(umask)  # main() sets 077 for what it creates; the test process keeps its own
    opened: list[Database] = []  # a command's process would close them when it exits
    track = Database.__init__

    def tracked(db: Database, *a: Any, **kw: Any) -> None:
        track(db, *a, **kw)
        opened.append(db)

    with (
        CliRunner().isolation(env=overrides) as (stdout, stderr, _),
        patch.object(Database, "__init__", tracked),
    ):
        sys.argv = ["pallmall", *args]
        try:
            main()
            returncode = 0
        except SystemExit as exc:
            returncode = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            sys.argv = argv
            os.umask(umask)
            for db in opened:
                db.dispose()
        done = subprocess.CompletedProcess(
            list(args), returncode, stdout.getvalue().decode(), stderr.getvalue().decode()
        )
    assert done.returncode == code, done.stdout + done.stderr
    return done
