"""Settings: one frozen object, read once at start-up and passed in (never a module global)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pallmall.core.errors import InvalidInput
from pallmall.core.states import state_code


@dataclass(frozen=True)
class Settings:
    """Everything configurable. Build it with :func:`load_settings` or directly in tests.

    ``data_dir`` holds the SQLite database, the log's tiles and the signing key.
    ``database_url`` overrides the SQLite default (``postgresql+psycopg://...`` at scale).
    ``recheck_seconds`` is how often the server looks for list or registry changes to
    re-run due diligence on open cases (0: never; ``pallmall cases recheck`` still does).
    ``session_hours`` is how long a web sign-in lasts; ``max_body_bytes`` the largest request
    body accepted (413 past it); ``worker_threads`` how many CPU-bound jobs (screening
    batches, imports, report building) run at once off the event loop.
    ``lists_update_seconds``: how often the server fetches new list versions from their
    feeds (0, the default: never; ``pallmall lists update`` still does).
    ``witness_submit_seconds``: how often the server submits its newest checkpoint to the
    witnesses of its peers (0: never); ``federation_timeout_seconds``: the timeout of every
    HTTP call to a peer node.
    ``federation_sync_seconds``: how often the server syncs with its federation peers (0, the
    default: never; ``pallmall federation sync`` still does); ``federation_timeout_seconds``
    bounds every call to a peer.
    ``node_state``: the state (ISO 3166-1 alpha-2) this node acts for in federation ("" when
    the node is not a state's, e.g. a shared test node); it is the ``notifying_state`` of the
    denial notices it sends.
    """

    data_dir: Path = Path("data")
    database_url: str = ""
    log_origin: str = "pallmall.example/log"
    public_url: str = "http://127.0.0.1:8000"
    session_secret: str = ""
    recheck_seconds: float = 30.0
    session_hours: float = 12.0
    max_body_bytes: int = 10 * 1024 * 1024
    worker_threads: int = 2
    lists_update_seconds: float = 0.0
    witness_submit_seconds: float = 2.0
    federation_timeout_seconds: float = 10.0
    federation_sync_seconds: float = 0.0
    node_state: str = ""

    @property
    def effective_database_url(self) -> str:
        """The database URL in force: ``database_url`` or SQLite in ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'pallmall.db').resolve()}"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read ``PALLMALL_*`` variables (documented in README.md) into a :class:`Settings`.

    Raises:
        InvalidInput: a variable holds a value of the wrong kind (the message names it).
    """
    env = os.environ if environ is None else environ
    return Settings(
        data_dir=Path(env.get("PALLMALL_DATA_DIR", "data")),
        database_url=env.get("PALLMALL_DATABASE_URL", ""),
        log_origin=env.get("PALLMALL_LOG_ORIGIN", "pallmall.example/log"),
        public_url=env.get("PALLMALL_PUBLIC_URL", "http://127.0.0.1:8000"),
        session_secret=env.get("PALLMALL_SESSION_SECRET", ""),
        recheck_seconds=_seconds(env, "PALLMALL_RECHECK_SECONDS", 30.0),
        session_hours=_positive(env, "PALLMALL_SESSION_HOURS", 12.0),
        max_body_bytes=int(_positive(env, "PALLMALL_MAX_BODY_MB", 10.0) * 1024 * 1024),
        worker_threads=int(_positive(env, "PALLMALL_WORKER_THREADS", 2, whole=True)),
        lists_update_seconds=_seconds(env, "PALLMALL_LISTS_UPDATE_SECONDS", 0.0),
        witness_submit_seconds=_seconds(env, "PALLMALL_WITNESS_SUBMIT_SECONDS", 2.0),
        federation_timeout_seconds=_positive(env, "PALLMALL_FEDERATION_TIMEOUT_SECONDS", 10.0),
        federation_sync_seconds=_seconds(env, "PALLMALL_FEDERATION_SYNC_SECONDS", 0.0),
        node_state=_state(env, "PALLMALL_NODE_STATE"),
    )


def _positive(env: Mapping[str, str], name: str, default: float, whole: bool = False) -> float:
    raw = env.get(name, "")
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not (value > 0 and math.isfinite(value)) or (whole and value != int(value)):
        kind = "a whole number" if whole else "a number"
        raise InvalidInput(name, f"{kind} > 0, not {raw!r}")
    return value


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "")
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not (value >= 0 and math.isfinite(value)):
        raise InvalidInput(name, f"a number of seconds >= 0, not {raw!r}")
    return value


def _state(env: Mapping[str, str], name: str) -> str:
    raw = env.get(name, "").strip()
    return state_code(raw, name) if raw else ""
