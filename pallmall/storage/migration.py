"""Schema migrations: alembic, run on one of the engine's connections.

Imported through :meth:`pallmall.storage.database.Database.migrate` at the first migration
a process runs (``pallmall init``, every CLI command's :func:`open_database`, the tests):
a server's workers never migrate (``create_app`` wants a migrated database), so they do not
import alembic, mako and pygments (issue 16).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def upgrade(engine: Engine) -> None:
    """Bring the schema of ``engine``'s database to the newest revision (``alembic upgrade
    heads``), in one transaction."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "heads")
