"""What every command needs: settings, the database, a principal for local administration."""

from __future__ import annotations

import sys

from pallmall.core.settings import Settings, load_settings
from pallmall.datadir import secure_data_dir
from pallmall.storage.database import Database


def open_database(settings: Settings | None = None) -> tuple[Settings, Database]:
    """Settings from the environment and the database they name, migrated; the data folder
    checked first (owner-only modes, writable: see ``pallmall.datadir``)."""
    settings = settings or load_settings()
    for line in secure_data_dir(settings):
        print(f"fixed {line}", file=sys.stderr)
    db = Database(settings.effective_database_url)
    db.migrate()
    return settings, db
