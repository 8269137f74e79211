"""The one normalised list-entry model every loader produces.

A *list* (OFAC SDN, UN SC, ...) is published as *snapshots*; each snapshot holds
*entries*. An entry keeps the list's own id, so two snapshots of one list can be diffed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class EntrySchema(StrEnum):
    """What a list entry describes (FollowTheMoney schema names, lower case)."""

    PERSON = "person"
    ORGANIZATION = "organization"
    VESSEL = "vessel"
    AIRCRAFT = "aircraft"
    UNKNOWN = "unknown"


class NameType(StrEnum):
    """Whether a name is the list's primary name or one of its aliases."""

    PRIMARY = "primary"
    ALIAS = "alias"
    WEAK_ALIAS = "weak_alias"


class ListFormat(StrEnum):
    """The file formats :func:`pallmall.screening.loaders.load_list` reads."""

    OFAC_CSV = "ofac_csv"
    UN_XML = "un_xml"
    US_CSL_CSV = "us_csl_csv"
    FTM_JSON = "ftm_json"
    UK_DERIVED = "uk_derived"
    EU_FSF_XML = "eu_fsf_xml"
    UK_SANCTIONS_LIST_XML = "uk_sanctions_list_xml"


@dataclass(frozen=True)
class EntryName:
    """One name of an entry, as the list spells it."""

    value: str
    kind: NameType = NameType.PRIMARY


@dataclass(frozen=True)
class Identifier:
    """A registration, tax, passport or other number, with its type and issuing country."""

    value: str
    kind: str = ""
    country: str = ""


@dataclass(frozen=True)
class PartialDate:
    """A date known to year, month or day precision (``month``/``day`` 0 when unknown)."""

    year: int
    month: int = 0
    day: int = 0

    def iso(self) -> str:
        """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, by precision."""
        out = f"{self.year:04d}"
        if self.month:
            out += f"-{self.month:02d}"
            if self.day:
                out += f"-{self.day:02d}"
        return out


@dataclass(frozen=True)
class ListEntry:
    """One designated party on one list snapshot.

    ``countries`` are ISO 3166-1 alpha-2 codes in lower case (nationality, citizenship,
    registration, address country: the list rarely says which). ``programmes`` are the
    list's own programme or regime codes. ``listed_on`` is the designation date when the
    list gives one.
    """

    list_id: str
    entry_id: str
    schema: EntrySchema
    names: tuple[EntryName, ...]
    countries: tuple[str, ...] = ()
    birth_dates: tuple[PartialDate, ...] = ()
    identifiers: tuple[Identifier, ...] = ()
    programmes: tuple[str, ...] = ()
    listed_on: date | None = None
    remarks: str = ""

    @property
    def primary_name(self) -> str:
        """The first primary name, else the first name, else the entry id."""
        for name in self.names:
            if name.kind is NameType.PRIMARY:
                return name.value
        return self.names[0].value if self.names else self.entry_id


@dataclass(frozen=True)
class SnapshotInfo:
    """Which snapshot of which list: ``version`` is the publisher's date or tag."""

    list_id: str
    version: str
    published: date | None
    source: str = ""


@dataclass(frozen=True)
class SkippedRow:
    """A row the loader refused, when asked to skip bad rows: where, and why."""

    position: str
    reason: str


@dataclass(frozen=True)
class LoadReport:
    """What one load produced: the snapshot, its entries, and each row skipped."""

    snapshot: SnapshotInfo
    entries: tuple[ListEntry, ...]
    skipped: tuple[SkippedRow, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True when no row was skipped."""
        return not self.skipped
