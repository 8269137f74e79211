"""Countries and legal forms: what keeps a match true across states and languages."""

from __future__ import annotations

import pytest

from pallmall.screening import (
    EntryName,
    EntrySchema,
    Feature,
    Identifier,
    ListEntry,
    Party,
    SnapshotInfo,
    compare_entry,
)
from pallmall.screening.normalisation import common_organisation_name

SNAPSHOT = SnapshotInfo("test", "1", None)
ORG, PERSON = EntrySchema.ORGANIZATION, EntrySchema.PERSON


def entry(name: str, schema: EntrySchema = ORG, *countries: str, ids: str = "") -> ListEntry:
    identifiers = (Identifier(ids, "Registration Number"),) if ids else ()
    return ListEntry("test", "1", schema, (EntryName(name),), countries, (), identifiers)


def score(
    name: str, listed: ListEntry, *countries: str, schema: EntrySchema = ORG, ids: str = ""
) -> float:
    party = Party(name, schema, countries=countries, identifiers=(ids,) if ids else ())
    hit = compare_entry(party, listed, SNAPSHOT)
    assert hit is not None
    return hit.score


@pytest.mark.parametrize(
    ("party", "listed"),
    [
        ("Cytrox Holdings Zrt.", "CYTROX HOLDINGS ZARTKORUEN MUKODO RESZVENYTARSASAG"),
        ("Cytrox Holdings Zrt", "Cytrox Holdings Zártkörűen Működő Részvénytársaság"),
        ("Tekhnologii ZAO", "ZAKRYTOE AKTSIONERNOE OBSHCHESTVO TEKHNOLOGII"),
        ("Tekhnologii AO", "AKTSIONERNOE OBSHCHESTVO TEKHNOLOGII"),
        ("Vympel OOO", "OBSHCHESTVO S OGRANICHENNOI OTVETSTVENNOSTIU VYMPEL"),
        ("Krauss GmbH", "KRAUSS GESELLSCHAFT MIT BESCHRANKTER HAFTUNG"),
        ("Intellexa S.A.", "INTELLEXA SOCIETE ANONYME"),
        ("Intellexa SA", "Intellexa Sociedad Anónima"),
        ("Saito Tech Ltd.", "SAITO TECH LIMITED"),
        ("Kvant Kft.", "KVANT KORLATOLT FELELOSSEGU TARSASAG"),
    ],
)
def test_legal_forms_meet_across_languages(party: str, listed: str) -> None:
    assert score(party, entry(listed)) >= 0.95


def test_different_legal_forms_still_cost() -> None:
    listed = entry("KRAUSS GESELLSCHAFT MIT BESCHRANKTER HAFTUNG")
    assert score("Krauss AG", listed) < score("Krauss GmbH", listed)


@pytest.mark.parametrize(
    ("party", "listed", "party_country", "listed_country"),
    [
        ("Ministry of Interior", "MINISTRY OF INTERIOR", "EG", "cu"),
        ("State Security Department", "STATE SECURITY DEPARTMENT", "AE", "kp"),
        ("Ministerio del Interior", "MINISTERIO DEL INTERIOR", "ES", "ve"),
        ("General Intelligence Directorate", "GENERAL INTELLIGENCE DIRECTORATE", "JO", "sy"),
        ("National Oil Company", "NATIONAL OIL COMPANY", "LY", "ir"),
    ],
)
def test_a_public_body_or_generic_name_abroad_never_alerts(
    party: str, listed: str, party_country: str, listed_country: str
) -> None:
    listed_entry = entry(listed, ORG, listed_country)
    hit = compare_entry(Party(party, ORG, countries=(party_country,)), listed_entry, SNAPSHOT)
    assert hit is not None and not hit.alert
    country = next(c for c in hit.contributions if c.feature is Feature.COUNTRY)
    assert "public body or generic name in another state" in country.detail
    # an unknown party schema is compared as the entry's schema: the same rule holds
    unknown = compare_entry(Party(party, countries=(party_country,)), listed_entry, SNAPSHOT)
    assert unknown is not None and not unknown.alert
    # in the listed state, or with no country given, it alerts
    assert score(party, listed_entry, listed_country) >= 0.7
    assert score(party, listed_entry) >= 0.7


def test_an_identifier_still_makes_a_public_body_abroad_alert() -> None:
    listed = entry("MINISTRY OF INTERIOR", ORG, "cu", ids="CU-1234567")
    assert score("Ministry of Interior", listed, "EG", ids="CU 1234567") >= 0.7


def test_a_misspelt_company_in_its_own_country_is_found() -> None:
    listed = entry("NSO GROUP TECHNOLOGIES LTD", ORG, "il")
    assert score("NSO Grup Technologies Ltd", listed, "IL") >= 0.7
    # a country mismatch weighs on an ordinary company, but a near-exact name still alerts
    assert (
        0.7
        <= score("NSO Group Technologies Ltd", listed, "CY")
        < score("NSO Group Technologies Ltd", listed, "IL")
    )


def test_a_misspelt_person_in_their_own_country_is_found() -> None:
    listed = entry("Tal DILIAN", PERSON, "il")
    assert score("Tal Dillian", listed, "IL", schema=PERSON) >= 0.7


@pytest.mark.parametrize(
    ("name", "common"),
    [
        ("Ministry of Interior", True),
        ("Министерство внутренних дел", True),
        ("Vezarat-e Ettela'at", True),
        ("National Trading Company", True),
        ("Intellexa S.A.", False),
        ("NSO Group Technologies", False),
        ("Rosoboronexport", False),
    ],
)
def test_common_organisation_names(name: str, common: bool) -> None:
    assert common_organisation_name(name) is common
