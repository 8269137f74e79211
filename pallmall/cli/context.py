"""What every command needs: settings, the database, a principal for local administration."""

from __future__ import annotations

from pallmall.core.settings import Settings, load_settings
from pallmall.storage.database import Database


def open_database(settings: Settings | None = None) -> tuple[Settings, Database]:
    """Settings from the environment and the database they name, migrated."""
    settings = settings or load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.effective_database_url)
    db.migrate()
    return settings, db
