"""Settings: one frozen object, read once at start-up and passed in (never a module global)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """Everything configurable. Build it with :func:`load_settings` or directly in tests.

    ``data_dir`` holds the SQLite database, the log's tiles and the signing key.
    ``database_url`` overrides the SQLite default (``postgresql+psycopg://...`` at scale).
    """

    data_dir: Path = Path("data")
    database_url: str = ""
    log_origin: str = "pallmall.example/log"
    public_url: str = "http://127.0.0.1:8000"
    session_secret: str = ""

    @property
    def effective_database_url(self) -> str:
        """The database URL in force: ``database_url`` or SQLite in ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'pallmall.db').resolve()}"


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read ``PALLMALL_*`` variables (documented in README.md) into a :class:`Settings`."""
    env = os.environ if environ is None else environ
    return Settings(
        data_dir=Path(env.get("PALLMALL_DATA_DIR", "data")),
        database_url=env.get("PALLMALL_DATABASE_URL", ""),
        log_origin=env.get("PALLMALL_LOG_ORIGIN", "pallmall.example/log"),
        public_url=env.get("PALLMALL_PUBLIC_URL", "http://127.0.0.1:8000"),
        session_secret=env.get("PALLMALL_SESSION_SECRET", ""),
    )
