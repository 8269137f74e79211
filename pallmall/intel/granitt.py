"""Public victim databases in Granitt's CSV layout, read as incident drafts.

Granitt (github.com/GranittHQ) curates the publicly reported targetings with mercenary
spyware (Pegasus, Candiru): one row per targeted person, with role, affiliation, operator,
device, vector, exploit, dates and the reports that disclosed it. Each row becomes one
:class:`~pallmall.intel.incident.IncidentDraft` at TLP:CLEAR, in status ``reported`` once
filed: a decider confirms each before anything is published. What each column becomes is
:data:`COLUMNS` (and docs/intel.md). The rows are CC BY-NC-SA: never shipped in the package.

Victims are protected data even when the press named them: the name and the affiliation go
only into restricted fields (the victim's name, the restricted summary); the title and the
public summary name a role, never a person or an employer.
"""

from __future__ import annotations

import calendar
import csv
import hashlib
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from pallmall.disclosure import Visibility
from pallmall.intel.incident import (
    AbuseCategory,
    AttackVector,
    Attribution,
    Citation,
    DeviceType,
    IncidentDraft,
    LinkRole,
    VictimCategory,
    VictimDraft,
)
from pallmall.intel.report import Note
from pallmall.intel.tlp import Tlp

COLUMNS: dict[str, str] = {
    "name": "the victim's name (restricted; shown by pseudonym)",
    "code_name": "restricted summary",
    "role": "the victim's category (ROLES; others become `other`, the role kept restricted)",
    "affiliation": "restricted summary (an employer identifies a person)",
    "occurred": "first seen (1 January of the year) when first_activity is empty",
    "disclosed": "public summary",
    "disclosed_by": "public summary",
    "forensics_by": "public summary",
    "pegasus_project": "restricted summary",
    "tech_notified": "restricted summary",
    "device_type": "device types (iPhone -> ios, Android -> android, Windows -> windows)",
    "attack_result": "public summary",
    "lockdown_bypass": "public summary",
    "attack_vector": "attack vectors (VECTORS) and public summary",
    "exploit_name": "public summary",
    "first_activity": "first seen (the earliest; YYYY, YYYY-MM, YYYY-MM-xx read as the start)",
    "last_activity": "last seen (the latest; a partial date read as the end of its period)",
    "operator": "operator attributions (confidence 70) to registry organisations by name, "
    "alias or former name; `; ` separates several",
    "sources": "public sources of the incident and of each attribution (`; ` separated)",
}
"""What each Granitt column becomes."""

ROLES: dict[str, VictimCategory] = {
    "journalist": VictimCategory.JOURNALIST,
    "activist": VictimCategory.ACTIVIST,
    "lawyer": VictimCategory.LAWYER,
    "politician": VictimCategory.POLITICIAN,
    "human rights defender": VictimCategory.HUMAN_RIGHTS_DEFENDER,
    "official": VictimCategory.OFFICIAL,
}
"""Granitt roles with a victim category of their own; every other role is ``other``."""

VECTORS: dict[str, AttackVector] = {
    "zero-click": AttackVector.ZERO_CLICK,
    # the WhatsApp rows are the 2019 missed-call exploit (CVE-2019-3568): no click needed
    "whatsapp": AttackVector.ZERO_CLICK,
    "sms": AttackVector.ONE_CLICK,  # a link in a text message
    "email": AttackVector.ONE_CLICK,
    "link on twitter": AttackVector.ONE_CLICK,
    "link via whatsapp": AttackVector.ONE_CLICK,
    "mitm": AttackVector.NETWORK_INJECTION,
}
DEVICES: dict[str, DeviceType] = {
    "iphone": DeviceType.IOS,
    "ipad": DeviceType.IOS,
    "android": DeviceType.ANDROID,
    "windows": DeviceType.WINDOWS,
    "macos": DeviceType.MACOS,
}
RIGHTS_ROLES = frozenset(
    {
        VictimCategory.JOURNALIST,
        VictimCategory.ACTIVIST,
        VictimCategory.LAWYER,
        VictimCategory.POLITICIAN,
        VictimCategory.HUMAN_RIGHTS_DEFENDER,
    }
)
"""Victims whose targeting the importer files as a rights violation (expression, defence,
counsel, political participation) besides unlawful interference with privacy; the decider
confirms or changes it."""
PRODUCT_CONFIDENCE = 85  # the reports name the product from forensic traces
OPERATOR_CONFIDENCE = 70  # "likely": the reports attribute the operator by inference
OPERATOR_SYNONYMS = {"uae": "United Arab Emirates"}
"""Short forms the rows use for a state, tried after the name itself."""
HEADER = tuple(COLUMNS)
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}|xx))?(?:-(\d{2}|xx))?$")


class OrganisationFinder(Protocol):
    """Finds a registry organisation by one of its names."""

    def find_organisation(self, name: str) -> str | None:
        """The id of the organisation whose name, alias or former name is ``name`` (case-
        and accent-insensitive), or None."""


@dataclass(frozen=True)
class Row:
    """One drafted row: its key (stable across imports of the same file) and its draft."""

    key: str
    line: int
    draft: IncidentDraft


@dataclass
class LinkReport:
    """What an import of one file linked and what it did not.

    ``product`` is (name, registry id or None); ``operators`` maps each operator named in
    the rows to its registry id (None: not in the registry) and ``operator_rows`` counts the
    rows naming it; ``roles`` counts the Granitt roles read as ``other``; ``notes`` are
    repairs (dates), ``skipped`` rows left out, each with its line and reason.
    """

    source: str
    product: tuple[str, str | None] = ("", None)
    rows: int = 0
    added: int = 0
    duplicates: int = 0
    operators: dict[str, str | None] = field(default_factory=dict)
    operator_rows: Counter[str] = field(default_factory=Counter)
    roles: Counter[str] = field(default_factory=Counter)
    notes: list[Note] = field(default_factory=list)
    skipped: list[Note] = field(default_factory=list)
    added_states: dict[str, str] = field(default_factory=dict)

    def skip(self, line: int, reason: str) -> None:
        """Record that the row at ``line`` was left out, for ``reason``."""
        self.skipped.append(Note(str(line), reason))

    def note(self, line: int, reason: str) -> None:
        """Record a change made to the row at ``line``, for ``reason``."""
        self.notes.append(Note(str(line), reason))

    @property
    def linked(self) -> dict[str, str]:
        """Operators found in the registry: name -> id."""
        return {k: v for k, v in sorted(self.operators.items()) if v is not None}

    @property
    def unlinked(self) -> list[str]:
        """Operators the registry does not hold, by name."""
        return sorted(k for k, v in self.operators.items() if v is None)

    def lines(self) -> list[str]:
        """The report as lines of text for a terminal."""
        name, product_id = self.product
        out = [
            f"{self.source}: {self.rows} rows, {self.added} incidents reported, "
            f"{self.duplicates} already held, {len(self.skipped)} skipped",
            f"product {name!r}: " + (f"linked to {product_id}" if product_id else "NOT LINKED"),
        ]
        for op, rid in self.linked.items():
            added = " (added to the registry as a state)" if op in self.added_states else ""
            out.append(f"operator {op!r}: linked to {rid}{added} ({self.operator_rows[op]} rows)")
        for op in self.unlinked:
            out.append(f"operator {op!r}: not in the registry ({self.operator_rows[op]} rows)")
        if self.roles:
            out.append(f"roles read as 'other': {dict(sorted(self.roles.items()))}")
        out += [f"note line {n.where}: {n.reason}" for n in self.notes]
        out += [f"skipped line {n.where}: {n.reason}" for n in self.skipped]
        return out


def read_rows(
    text: str,
    source: str,
    product: tuple[str, str | None],
    organisations: OrganisationFinder,
) -> tuple[list[Row], LinkReport]:
    """Draft one incident per row of a Granitt CSV ``text``.

    ``product`` is (name, registry id or None): every row is about that product (the file
    is one product's database). Operators are looked up once each.

    Raises:
        ValueError: the header is not Granitt's (naming the missing columns).
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in HEADER if c != "pegasus_project" and c not in (reader.fieldnames or ())]
    if missing:
        raise ValueError(f"not a Granitt victim database: no column {', '.join(missing)}")
    report = LinkReport(source=source, product=product)
    rows: list[Row] = []
    for line, cells in enumerate(reader, start=2):
        report.rows += 1
        values = {k: (v or "").strip() for k, v in cells.items() if k}
        if not values.get("name") and not values.get("code_name"):
            report.skip(line, "no name and no code name: not a targeted person")
            continue
        for op in _split(values.get("operator", "")):
            if op not in report.operators:
                report.operators[op] = _find(organisations, op)
            report.operator_rows[op] += 1
        rows.append(Row(_key(product[0], values), line, _draft(values, line, report)))
    return rows, report


def _key(product: str, values: dict[str, str]) -> str:
    names = ("name", "code_name", "occurred", "first_activity")
    parts = (product.casefold(), *(values.get(n, "") for n in names))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def state_record_name(operator: str) -> tuple[str, tuple[str, ...]]:
    """The name (and aliases) under which to add an operator the registry lacks as a state:
    a short form the rows use becomes an alias of the full name."""
    synonym = OPERATOR_SYNONYMS.get(operator.casefold())
    return (synonym, (operator,)) if synonym else (operator, ())


def _find(organisations: OrganisationFinder, name: str) -> str | None:
    found = organisations.find_organisation(name)
    synonym = OPERATOR_SYNONYMS.get(name.casefold())
    if found is None and synonym:
        found = organisations.find_organisation(synonym)
    return found


def _draft(values: dict[str, str], line: int, report: LinkReport) -> IncidentDraft:
    product, product_id = report.product
    role = values.get("role", "")
    category = ROLES.get(role.casefold(), VictimCategory.OTHER)
    if category is VictimCategory.OTHER:
        report.roles[role or "(empty)"] += 1
    sources = tuple(Citation(url, Visibility.PUBLIC) for url in _split(values.get("sources", "")))
    links: list[Attribution] = []
    if product_id:
        links.append(Attribution(LinkRole.PRODUCT, product_id, PRODUCT_CONFIDENCE, sources))
    operators = _split(values.get("operator", ""))
    for op in operators:
        rid = report.operators.get(op)
        if rid:
            links.append(Attribution(LinkRole.OPERATOR, rid, OPERATOR_CONFIDENCE, sources))
    first, last = _dates(values, line, report)
    categories = [AbuseCategory.UNLAWFUL_PRIVACY_INTERFERENCE]
    if category in RIGHTS_ROLES:
        categories.insert(0, AbuseCategory.RIGHTS_VIOLATION)
    who = "a person" if category is VictimCategory.OTHER else f"a {_label(category)}"
    seen = first or last
    year = seen.year if seen else None
    where = ", ".join(x for x in ("; ".join(operators) or None, str(year) if year else None) if x)
    return IncidentDraft(
        title=f"{product} against {who}" + (f" ({where})" if where else ""),
        summary=_restricted_summary(values, line, report.source),
        public_summary=_public_summary(values, product, who, operators, first, last),
        categories=tuple(categories),
        victims=(VictimDraft(category, values.get("name") or values.get("code_name")),),
        attributions=tuple(links),
        tlp=Tlp.CLEAR,
        first_seen=first,
        last_seen=last,
        device_types=tuple(
            dict.fromkeys(
                DEVICES[d.casefold()]
                for d in _split(values.get("device_type", ""))
                if d.casefold() in DEVICES
            )
        ),
        attack_vectors=tuple(
            dict.fromkeys(
                VECTORS.get(v.casefold(), AttackVector.OTHER)
                for v in _split(values.get("attack_vector", ""))
            )
        ),
        sources=sources,
    )


def _label(category: VictimCategory) -> str:
    return category.value.replace("_", " ")


def _public_summary(
    values: dict[str, str],
    product: str,
    who: str,
    operators: list[str],
    first: date | None,
    last: date | None,
) -> str:
    """What public reports say, without the person or the employer."""
    parts = [f"Public reports describe {who} targeted with {product}."]
    facts = [
        ("result", values.get("attack_result", "")),
        ("vector", values.get("attack_vector", "")),
        ("exploit", values.get("exploit_name", "")),
        ("device", values.get("device_type", "")),
        ("Lockdown Mode bypass", values.get("lockdown_bypass", "")),
    ]
    shown = [f"{k}: {v}" for k, v in facts if v]
    if shown:
        parts.append("; ".join(shown) + ".")
    if first or last:
        parts.append(f"Activity {first or '?'} to {last or '?'}.")
    if operators:
        parts.append(f"Operator attributed by the reports: {'; '.join(operators)}.")
    disclosed = values.get("disclosed_by", "")
    if disclosed:
        when = values.get("disclosed", "")
        parts.append(f"Disclosed by {disclosed}" + (f" on {when}" if when else "") + ".")
    if values.get("forensics_by"):
        parts.append(f"Forensics: {values['forensics_by']}.")
    return " ".join(parts)


def _restricted_summary(values: dict[str, str], line: int, source: str) -> str:
    fields = ("name", "code_name", "role", "affiliation", "tech_notified", "pegasus_project")
    shown = "; ".join(f"{f}: {values[f]}" for f in fields if values.get(f))
    return f"Imported from the Granitt victim database {source}, line {line}. {shown}."


def _dates(
    values: dict[str, str], line: int, report: LinkReport
) -> tuple[date | None, date | None]:
    starts = [_date(p, end=False) for p in _split(values.get("first_activity", ""))]
    ends = [_date(p, end=True) for p in _split(values.get("last_activity", ""))]
    first = min((d for d in starts if d), default=None)
    last = max((d for d in ends if d), default=None)
    if first is None and values.get("occurred"):
        first = min(
            (d for p in _split(values["occurred"]) if (d := _date(p, end=False))), default=None
        )
    if first and last and last < first:
        report.note(line, f"last_activity {last} is before first_activity {first}: dropped")
        last = None
    return first, last


def _date(text: str, end: bool) -> date | None:
    """``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` (``xx`` for an unknown part): the first day of
    the period, or its last day when ``end``."""
    found = _DATE.match(text.strip())
    if not found:
        return None
    year = int(found[1])
    month = int(found[2]) if found[2] and found[2] != "xx" else None
    day = int(found[3]) if found[3] and found[3] != "xx" else None
    try:
        if month is None:
            return date(year, 12, 31) if end else date(year, 1, 1)
        if day is None:
            return date(year, month, calendar.monthrange(year, month)[1] if end else 1)
        return date(year, month, day)
    except ValueError:
        return None


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.split(";") if p.strip()]
