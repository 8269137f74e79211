"""``pallmall import stix``: threat-intel files (STIX 2.1 bundles, MISP JSON, CSV) into a
TAXII collection, with a report of what was kept, merged and skipped."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import Progress

from pallmall.intel.importer import Importer
from pallmall.intel.taxii import DEFAULT_COLLECTIONS
from pallmall.registry.lookup import ProductsByName
from pallmall.storage.database import Database
from pallmall.storage.intel import SqlIntelStore

COLLECTIONS = {c.alias: c for c in DEFAULT_COLLECTIONS}


def import_intel(db: Database, paths: list[Path], collection: str, console: Console) -> None:
    """Import each path (file or folder) into ``collection``, printing one report per file.

    Raises:
        KeyError: never; an unknown collection is refused by the caller's argument check.
    """
    importer = Importer(SqlIntelStore(db.engine), ProductsByName(db.registry))
    spec = COLLECTIONS[collection]
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("importing", total=len(paths))
        reports = []
        for path in paths:
            reports.extend(importer.import_path(path, spec))
            progress.advance(task)
    for report in reports:
        console.print(report.summary())
