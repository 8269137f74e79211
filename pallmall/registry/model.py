"""The market map's records: organisations, persons, products, relationships, designations.

Records are pydantic models so that bad input names the field and the reason, and the API
publishes the same shapes in its OpenAPI document.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pallmall.disclosure.marking import Visibility as Visibility


class RecordType(StrEnum):
    """The kinds of registry record; persisted."""

    ORGANISATION = "organisation"
    PERSON = "person"
    PRODUCT = "product"


class OrgKind(StrEnum):
    """What an organisation is in the market (an organisation may be several)."""

    VENDOR = "vendor"
    SUBSIDIARY = "subsidiary"
    HOLDING = "holding_company"
    INVESTOR = "investor"
    PARTNER = "partner"
    SUPPLIER = "supplier"
    RESELLER = "reseller_broker"
    EXPLOIT_MARKETPLACE = "exploit_marketplace"
    ACCESS_BROKER = "access_broker"
    HACKER_FOR_HIRE = "hacker_for_hire"
    STATE = "state"
    STATE_AGENCY = "state_agency"


class Capability(StrEnum):
    """The capability taxonomy of intrusion products."""

    DEVICE_INTRUSION = "device_intrusion"
    INTERCEPTION = "call_message_interception"
    DATA_THEFT = "data_theft"
    REMOTE_SENSORS = "remote_camera_microphone"
    LOCATION_TRACKING = "location_tracking"
    EXPLOIT = "exploit_chain"
    ZERO_CLICK = "zero_click_delivery"
    COMMAND_AND_CONTROL = "command_and_control"
    ACCESS_AS_A_SERVICE = "access_as_a_service"
    HACKING_AS_A_SERVICE = "hacking_as_a_service"
    MALWARE_AS_A_SERVICE = "malware_as_a_service"


class ControlCode(StrEnum):
    """Export-control entries: Wassenaar Dual-Use List Cat. 4, EU Regulation 2021/821."""

    WASSENAAR_4A5 = "wassenaar:4.A.5"
    WASSENAAR_4D4 = "wassenaar:4.D.4"
    WASSENAAR_4E1C = "wassenaar:4.E.1.c"
    EU_ART5 = "eu-2021/821:art5"


class RelType(StrEnum):
    """Typed relationships between records; ``source`` does this to ``target``."""

    OWNS = "owns"
    INVESTS_IN = "invests_in"
    SUBSIDIARY_OF = "subsidiary_of"
    SUPPLIES = "supplies"
    RESELLS = "resells"
    DEVELOPS = "develops"
    SELLS_TO = "sells_to"
    RENAMED_FROM = "renamed_from"
    OPERATES = "operates"
    ALLIED_WITH = "allied_with"


class Confidence(StrEnum):
    """How sure the sources make us (estimative language, ICD 203 style)."""

    CONFIRMED = "confirmed"
    LIKELY = "likely"
    POSSIBLE = "possible"
    UNKNOWN = "unknown"


_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)
Name = Annotated[str, Field(min_length=1, max_length=300)]
Url = Annotated[str, Field(pattern=r"^https?://\S+$", max_length=2000)]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")]


class Source(BaseModel):
    """Where a statement comes from. A source has a visibility of its own: a public record may
    cite a source that stays restricted (docs/disclosure.md). Sources of a restricted record
    are restricted unless marked public."""

    model_config = _STRICT
    title: Name
    url: Url | None = None
    date: dt.date | None = None
    visibility: Visibility = Visibility.PUBLIC


class Designation(BaseModel):
    """A government listing of an organisation or person (Entity List, OFAC SDN, ...)."""

    model_config = _STRICT
    authority: Name = Field(
        description="e.g. 'US Commerce BIS Entity List', 'US Treasury OFAC SDN'"
    )
    programme: str = Field(default="", max_length=100, description="e.g. 'CYBER2'")
    listed_on: dt.date
    delisted_on: dt.date | None = None
    citation: Name = Field(description="e.g. '86 FR 60759'")
    url: Url | None = None


class RecordBase(BaseModel):
    """Fields every registry record has."""

    model_config = _STRICT
    name: Name
    aliases: tuple[Name, ...] = ()
    former_names: tuple[Name, ...] = ()
    jurisdictions: tuple[CountryCode, ...] = ()
    description: str = Field(default="", max_length=20_000)
    sources: tuple[Source, ...] = ()
    confidence: Confidence = Confidence.UNKNOWN
    visibility: Visibility = Visibility.PUBLIC

    @model_validator(mode="before")
    @classmethod
    def _restricted_sources(cls, data: Any) -> Any:
        """Sources of a restricted record default to restricted (docs/disclosure.md)."""
        if not isinstance(data, dict) or data.get("visibility") != Visibility.RESTRICTED:
            return data
        sources = data.get("sources") or ()
        if not isinstance(sources, list | tuple):
            return data  # not a list: the field's own validation refuses it (422, not 500)
        return {**data, "sources": [_restricted(s) for s in sources]}

    def all_names(self) -> tuple[str, ...]:
        """The name, then aliases and former names, without repeats."""
        return tuple(dict.fromkeys((self.name, *self.aliases, *self.former_names)))


def _restricted(source: Any) -> Any:
    if isinstance(source, Source):
        if "visibility" in source.model_fields_set:
            return source
        return source.model_copy(update={"visibility": Visibility.RESTRICTED})
    if isinstance(source, dict) and "visibility" not in source:
        return {**source, "visibility": Visibility.RESTRICTED}
    return source


class Organisation(RecordBase):
    """A company, group, state or agency in the market."""

    type: Literal[RecordType.ORGANISATION] = RecordType.ORGANISATION
    kinds: tuple[OrgKind, ...] = Field(min_length=1)
    founded: int | None = Field(default=None, ge=1900, le=2100, description="year")
    first_seen: int | None = Field(default=None, ge=1900, le=2100, description="year")
    designations: tuple[Designation, ...] = ()


class Person(RecordBase):
    """A natural person: an owner, director, founder or designated individual."""

    type: Literal[RecordType.PERSON] = RecordType.PERSON
    nationalities: tuple[CountryCode, ...] = ()
    designations: tuple[Designation, ...] = ()


class Product(RecordBase):
    """An intrusion product or service."""

    type: Literal[RecordType.PRODUCT] = RecordType.PRODUCT
    capabilities: tuple[Capability, ...] = ()
    control_codes: tuple[ControlCode, ...] = ()
    security_research: bool = Field(
        default=False,
        description="legitimate security work: penetration testing, red teaming, "
        "coordinated disclosure, bug bounties",
    )


Record = Annotated[Organisation | Person | Product, Field(discriminator="type")]


class Relationship(BaseModel):
    """``source`` --type--> ``target``, valid from ``start`` until ``end`` (inclusive)."""

    model_config = _STRICT
    type: RelType
    source_id: Name
    target_id: Name
    share: float | None = Field(default=None, ge=0, le=100, description="percent, for owns")
    start: dt.date | None = None
    end: dt.date | None = None
    sources: tuple[Source, ...] = ()
    confidence: Confidence = Confidence.UNKNOWN

    @model_validator(mode="after")
    def _check(self) -> Relationship:
        if self.share is not None and self.type is not RelType.OWNS:
            raise ValueError("share is only for 'owns' relationships")
        if self.start and self.end and self.end < self.start:
            raise ValueError("end is before start")
        if self.source_id == self.target_id:
            raise ValueError("a record cannot relate to itself")
        return self

    def valid_on(self, day: dt.date) -> bool:
        """Whether the relationship holds on ``day``."""
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)
