"""The registry data shipped inside pallmall (``pallmall/data/registry``, see PROVENANCE.md)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pallmall.registry.importers.batch import ImportBatch
from pallmall.registry.importers.curated import (
    read_designations,
    read_names,
    read_organisations,
    read_products,
    read_relationships,
)
from pallmall.registry.importers.misp_galaxy import read_galaxy

DATA = Path(__file__).resolve().parent.parent / "data" / "registry"

# Order matters: galaxies create the actors; curated files then match them by name.
SHIPPED: tuple[tuple[str, Callable[[Path], ImportBatch]], ...] = (
    ("misp-surveillance-vendor.json", read_galaxy),
    ("misp-threat-actor-hack-for-hire.json", read_galaxy),
    ("designations.csv", read_designations),
    ("names.csv", read_names),
    ("organisations.csv", read_organisations),
    ("products.csv", read_products),
    ("relationships.csv", read_relationships),
)

READERS: dict[str, Callable[[Path], ImportBatch]] = {
    "galaxy": read_galaxy,
    "designations": read_designations,
    "names": read_names,
    "organisations": read_organisations,
    "products": read_products,
    "relationships": read_relationships,
}


def shipped_batches() -> list[ImportBatch]:
    """Read every shipped file, in import order."""
    return [reader(DATA / name) for name, reader in SHIPPED]
