"""Scoring one party against one list entry: the best name match, then the other
evidence (birth date, country, identifiers, alias strength) raising or lowering it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pallmall.screening.explanation import Contribution, Feature, NameMatch
from pallmall.screening.index import IndexedName, name_schema
from pallmall.screening.model import EntrySchema, ListEntry, NameType, PartialDate
from pallmall.screening.names import NameSettings, compare_names
from pallmall.screening.normalisation import (
    NormalisedName,
    common_organisation_name,
    company_marked,
    normalise,
)
from pallmall.screening.values import country_code, identifier_key, parse_partial_date


@dataclass(frozen=True)
class FeatureSettings:
    """How much each piece of evidence moves the score (see docs/screening.md).

    ``country_conflict`` applies to persons and vessels whose countries are disjoint from
    the entry's; ``org_country_conflict`` to organisations; ``common_name_abroad`` to an
    organisation whose name any state's body could bear (a ministry, agency, or generic
    words only: :func:`~pallmall.screening.normalisation.common_organisation_name`) when
    the countries are disjoint: large enough that a name match alone (at most 1.0) stays
    under the alert threshold (0.7), so only an identifier match can make it alert.
    """

    dob_exact: float = 0.05
    dob_year: float = 0.03
    dob_conflict: float = -0.2
    country_match: float = 0.03
    country_conflict: float = -0.08
    org_country_conflict: float = -0.15
    common_name_abroad: float = -0.45
    identifier_match: float = 0.3
    weak_alias: float = -0.05


@dataclass(frozen=True)
class ScreeningSettings:
    """Everything the screener's behaviour depends on; pass one in, never a global.

    ``threshold``: a hit at or above it is an alert. ``report_below``: hits below this
    are not reported at all. ``candidates``: how many list names the index hands the
    scorer per screen. ``max_hits``: how many hits a result lists.
    """

    threshold: float = 0.7
    report_below: float = 0.5
    candidates: int = 60
    max_hits: int = 10
    names: NameSettings = field(default_factory=NameSettings)
    features: FeatureSettings = field(default_factory=FeatureSettings)


@dataclass(frozen=True)
class Party:
    """A party to screen: a name (and aliases), what kind of party it is if known, and
    the other evidence the caller has. ``birth_date`` is ``YYYY``, ``YYYY-MM`` or
    ``YYYY-MM-DD``; ``countries`` are names or ISO codes."""

    name: str
    schema: EntrySchema = EntrySchema.UNKNOWN
    aliases: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    birth_date: str = ""
    identifiers: tuple[str, ...] = ()
    reference: str = ""


@dataclass(frozen=True)
class PreparedParty:
    """A party normalised once per screen: names per schema, dates, countries, ids.

    Its person names carry rigour's given-name symbols only once :meth:`queries` is asked
    for them (``symbols_due``): loading the tagger costs seconds, and a screen that meets
    no person entry, or a party whose name has a legal form (a company, never a person),
    never needs it."""

    party: Party
    names: dict[EntrySchema, tuple[NormalisedName, ...]]
    birth_date: PartialDate | None
    countries: frozenset[str]
    identifiers: frozenset[str]
    symbols_due: bool = False
    _with_symbols: list[tuple[NormalisedName, ...]] = field(
        default_factory=list, repr=False, compare=False
    )

    def queries(self, schema: EntrySchema) -> tuple[NormalisedName, ...]:
        """The party's names normalised for ``schema`` (persons with their symbols)."""
        names = self.names.get(schema, ())
        if schema is not EntrySchema.PERSON or not self.symbols_due:
            return names
        if not self._with_symbols:  # once per screen
            self._with_symbols.append(tuple(normalise(n.original, schema) for n in names))
        return self._with_symbols[0]


def prepare(party: Party) -> PreparedParty:
    """Normalise ``party`` for scoring (under each schema it may be compared as).

    A party of unknown kind is compared as a person, an organisation and a vessel; when
    its name carries a legal form (``Intellexa SA``, ``OOO Stroy``) it is a company, so its
    person form gets no given-name symbols (which only credit name variants of people)."""
    raw = [party.name, *party.aliases]
    schemas = {name_schema(party.schema)}
    if party.schema is EntrySchema.UNKNOWN:
        schemas = {EntrySchema.PERSON, EntrySchema.ORGANIZATION, EntrySchema.VESSEL}
    names = {
        s: tuple(n for n in (normalise(r, s, symbols=False) for r in raw if r.strip()) if n.tokens)
        for s in schemas
    }
    # legal forms found first (cheap, done already): most names have none
    company = any(n.legal_forms for n in names.get(EntrySchema.ORGANIZATION, ())) and any(
        company_marked(r) for r in raw
    )
    return PreparedParty(
        party=party,
        names=names,
        birth_date=parse_partial_date(party.birth_date),
        countries=frozenset(c for c in (country_code(v) for v in party.countries) if c),
        identifiers=frozenset(
            k for k in (identifier_key(v) for v in party.identifiers) if len(k) >= 4
        ),
        symbols_due=EntrySchema.PERSON in names
        and not (party.schema is EntrySchema.UNKNOWN and company),
    )


def compatible(query: EntrySchema, entry: EntrySchema) -> bool:
    """Whether a party of schema ``query`` may be the list entry of schema ``entry``."""
    unknown = EntrySchema.UNKNOWN
    if unknown in (query, entry) or query == entry:
        return True
    return {query, entry} == {EntrySchema.VESSEL, EntrySchema.ORGANIZATION}


def best_name(
    party: PreparedParty,
    entry: ListEntry,
    names: Iterable[IndexedName],
    settings: ScreeningSettings,
) -> NameMatch | None:
    """The best-scoring pair of a party name and one of ``names`` (the entry's candidate
    names); ties go to the primary name, then to the earlier name."""
    schema = name_schema(entry.schema)
    queries = party.queries(schema)
    best: tuple[tuple[float, int], NameMatch] | None = None
    for indexed in names:
        for query in queries:
            cmp = compare_names(query, indexed.normalised, schema, settings.names)
            rank = (cmp.score, int(indexed.name.kind is NameType.PRIMARY))
            if best is None or rank > best[0]:
                match = NameMatch(
                    query.original, indexed.name.value, indexed.name.kind, round(cmp.score, 4),
                    cmp.pairs, cmp.query_extra, cmp.candidate_extra,
                )  # fmt: skip
                best = (rank, match)
    return best[1] if best else None


def contributions(
    party: PreparedParty, entry: ListEntry, match: NameMatch, features: FeatureSettings
) -> tuple[Contribution, ...]:
    """The name score first, then each other feature's adjustment (zero ones left out)."""
    found = [Contribution(Feature.NAME, match.score, f"{match.query_name!r} ~ {match.list_name!r}")]
    if match.list_name_type is NameType.WEAK_ALIAS:
        found.append(Contribution(Feature.ALIAS_STRENGTH, features.weak_alias, "weak alias"))
    for extra in (
        _dob(party, entry, features),
        _country(party, entry, match, features),
        _ids(party, entry, features),
    ):
        if extra is not None:
            found.append(extra)
    return tuple(found)


def total(parts: Iterable[Contribution]) -> float:
    """The score: the sum of contributions, clamped to [0, 1], rounded to 4 places."""
    return round(min(1.0, max(0.0, sum(c.value for c in parts))), 4)


def _dob(party: PreparedParty, entry: ListEntry, features: FeatureSettings) -> Contribution | None:
    query = party.birth_date
    if query is None or not entry.birth_dates:
        return None
    if any(_same_day(query, d) for d in entry.birth_dates):
        return Contribution(Feature.BIRTH_DATE, features.dob_exact, f"{query.iso()} matches")
    if any(query.year == d.year for d in entry.birth_dates):
        return Contribution(Feature.BIRTH_DATE, features.dob_year, f"year {query.year} matches")
    if any(abs(query.year - d.year) <= 1 for d in entry.birth_dates):
        return None
    listed = ", ".join(d.iso() for d in entry.birth_dates[:3])
    return Contribution(Feature.BIRTH_DATE, features.dob_conflict, f"{query.iso()} vs {listed}")


def _same_day(a: PartialDate, b: PartialDate) -> bool:
    return a.year == b.year and a.month == b.month and a.day == b.day and a.day > 0


def _country(
    party: PreparedParty, entry: ListEntry, match: NameMatch, features: FeatureSettings
) -> Contribution | None:
    if not party.countries or not entry.countries:
        return None
    shared = party.countries & set(entry.countries)
    if shared:
        return Contribution(
            Feature.COUNTRY, features.country_match, f"shared: {', '.join(sorted(shared))}"
        )
    differ = f"{', '.join(sorted(party.countries))} vs {', '.join(entry.countries[:5])}"
    if name_schema(entry.schema) is not EntrySchema.ORGANIZATION:
        return Contribution(Feature.COUNTRY, features.country_conflict, differ)
    if common_organisation_name(match.query_name) or common_organisation_name(match.list_name):
        # "Ministry of Interior" exists in every state: in another state it is another body
        return Contribution(
            Feature.COUNTRY,
            features.common_name_abroad,
            f"{differ}: a public body or generic name in another state is another body",
        )
    return Contribution(Feature.COUNTRY, features.org_country_conflict, differ)


def _ids(party: PreparedParty, entry: ListEntry, features: FeatureSettings) -> Contribution | None:
    if not party.identifiers:
        return None
    for ident in entry.identifiers:
        if identifier_key(ident.value) in party.identifiers:
            detail = f"{ident.kind or 'identifier'} {ident.value}".strip()
            return Contribution(Feature.IDENTIFIER, features.identifier_match, detail)
    return None
