"""``pallmall import stix`` and ``pallmall export --format stix|mvt``: threat intel in and out.

Imports put STIX 2.1 bundles, MISP JSON and CSV into a TAXII collection, with a report of
what was kept, merged and skipped. Exports write the registry and confirmed incidents as a
STIX 2.1 bundle (public data only: what an anonymous caller of the API gets, safe to share),
or the indicators of a collection as a bundle MVT reads.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import Progress

from pallmall.core.auth import ANONYMOUS, SYSTEM
from pallmall.disclosure import PUBLIC
from pallmall.intel import exports
from pallmall.intel.importer import Importer
from pallmall.intel.taxii import DEFAULT_COLLECTIONS
from pallmall.storage.database import Database
from pallmall.storage.intel import RegistryExportSource, SqlIntelStore
from pallmall.wiring import incident_desk, intel_writing, products_by_name

COLLECTIONS = {c.alias: c for c in DEFAULT_COLLECTIONS}
INTEL_FORMATS = ("stix", "mvt")


def import_intel(db: Database, paths: list[Path], collection: str, console: Console) -> None:
    """Import each path (file or folder) into ``collection``, printing one report per file.

    Raises:
        KeyError: never; an unknown collection is refused by the caller's argument check.
    """
    products = products_by_name(db)
    spec = COLLECTIONS[collection]
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("importing", total=len(paths))
        reports = []
        for path in paths:
            with intel_writing(db) as store:  # each path commits whole or not at all
                reports.extend(Importer(store, products).import_path(path, spec))
            progress.advance(task)
    for report in reports:
        console.print(report.summary())


def export_intel(
    db: Database, fmt: str, collection: str, output: Path | None, console: Console
) -> None:
    """Write the ``stix`` or ``mvt`` export to ``output`` (standard output when None) and
    say on ``console`` what was written and what was left out.

    ``stix``: the public registry and confirmed TLP:CLEAR incidents (as anonymous).
    ``mvt``: the malware and indicators of ``collection``; the local operator may export
    any collection.

    Raises:
        NotFound: ``collection`` is not a collection (``mvt``).
    """
    with db.read() as tx:
        if fmt == "stix":
            registry = RegistryExportSource.load(tx.registry, PUBLIC)
            desk = incident_desk(tx, ANONYMOUS)
            bundle = exports.stix_export(ANONYMOUS, registry, desk, registry.last_change)
            notes: list[str] = []
        else:
            principal = ANONYMOUS if collection == "public" else SYSTEM
            bundle, report = exports.mvt_export(principal, SqlIntelStore(tx.conn), collection)
            notes = [f"left out {n.where}: {n.reason}" for n in report.skipped]
    text = json.dumps(bundle, indent=1, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text)
        console.print(f"{len(bundle['objects'])} STIX objects written to {output}")
    if notes:
        console.print(f"{len(notes)} indicators MVT cannot read were left out")
