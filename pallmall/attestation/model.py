"""Attestations, what the registry says of the same vendor, and where the two differ."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

SHARE_TOLERANCE = 1.0
"""Percentage points by which a declared share may differ from the registry's."""

_SUFFIXES = re.compile(
    r"\b(ltd|limited|inc|incorporated|llc|plc|sa|sas|sarl|gmbh|ag|bv|nv|corp|corporation|"
    r"co|company|holdings?|group)\b"
)


@dataclass(frozen=True)
class Attestation:
    """A vendor's answers to one version of the form, dated and signed by the node.

    ``note`` is a C2SP signed note by the node's log key over the statement
    (:func:`pallmall.attestation.service.statement`): anyone holding the log's vkey can check
    that the node attested these answers (by their ``digest``) on the vendor's behalf.
    """

    id: str
    vendor_id: str
    account_id: str
    submitted_by: str
    form: str
    attested_at: datetime
    expires_on: date
    answers: Mapping[str, Any]
    digest: str
    note: str

    def expired(self, today: date) -> bool:
        """Whether the attestation is past its validity on ``today``."""
        return today > self.expires_on


@dataclass(frozen=True)
class Tie:
    """An owner, investor or reseller the registry records for the vendor."""

    name: str
    role: str
    """``owner``, ``investor`` or ``reseller``."""
    share: float | None = None
    record_id: str = ""


@dataclass(frozen=True)
class Standing:
    """An attestation read against the registry on a day: expired, and what contradicts it."""

    attestation: Attestation
    expired: bool
    differences: tuple[str, ...]

    @property
    def sound(self) -> bool:
        """Current and consistent with the registry."""
        return not self.expired and not self.differences


def differences(answers: Mapping[str, Any], ties: Sequence[Tie]) -> tuple[str, ...]:
    """Where the declared owners, investors and resellers contradict the registry: a tie the
    registry records that is not declared, or a declared share more than
    :data:`SHARE_TOLERANCE` points from the registry's. A declared party the registry does not
    know is no contradiction (the registry is not complete)."""
    owners = {name_key(o["name"]): o for o in answers.get("owners") or ()}
    resellers = {name_key(r["name"]) for r in answers.get("resellers") or ()}
    found = []
    for tie in ties:
        key = name_key(tie.name)
        if tie.role == "reseller":
            if key not in resellers:
                found.append(f"the registry records {tie.name} as a reseller; not declared")
            continue
        declared = owners.get(key)
        if declared is None:
            share = f" ({tie.share:g} %)" if tie.share is not None else ""
            found.append(f"the registry records {tie.name} as {tie.role}{share}; not declared")
        elif tie.share is not None and abs(declared["share"] - tie.share) > SHARE_TOLERANCE:
            found.append(
                f"{tie.name}: declared {declared['share']:g} %, "
                f"the registry records {tie.share:g} %"
            )
    return tuple(found)


def name_key(name: str) -> str:
    """A name for comparison: accents, case, punctuation and company-form words dropped."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    plain = re.sub(r"[^a-z0-9 ]+", " ", plain.replace(".", ""))  # S.A. is SA
    return " ".join(_SUFFIXES.sub(" ", plain).split())
