"""The list snapshots pallmall ships (public-domain US and UN data; see
``pallmall/data/screening/PROVENANCE.md``) and a loader for all of them."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from pallmall.screening.loaders import ListSource, load_list
from pallmall.screening.model import ListFormat, LoadReport


def shipped_dir() -> Path:
    """The directory of the shipped list files inside the installed package."""
    return Path(str(files("pallmall") / "data" / "screening"))


def shipped_sources(folder: Path | None = None) -> tuple[ListSource, ...]:
    """One :class:`ListSource` per shipped list: OFAC SDN (with aliases and addresses),
    OFAC non-SDN consolidated, UN SC consolidated, and the US CSL 2025 sample."""
    root = folder or shipped_dir()
    return (
        ListSource(
            ListFormat.OFAC_CSV,
            root / "us_ofac_sdn_2024-05-03.csv.gz",
            "us_ofac_sdn",
            alt=root / "us_ofac_alt_2024-01.csv.gz",
            add=root / "us_ofac_add_2024-01.csv.gz",
        ),
        ListSource(ListFormat.OFAC_CSV, root / "us_ofac_cons_prim_2025-12.csv.gz", "us_ofac_cons"),
        ListSource(ListFormat.UN_XML, root / "un_sc_consolidated_2026-02-27.xml.gz", "un_sc"),
        ListSource(ListFormat.US_CSL_CSV, root / "us_csl_sample_2025.csv", "us_csl"),
    )


def load_shipped_lists(folder: Path | None = None) -> list[LoadReport]:
    """Load every shipped list (strict: a damaged file raises ``InvalidInput``)."""
    return [load_list(source) for source in shipped_sources(folder)]
