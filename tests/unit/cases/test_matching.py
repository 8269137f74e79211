"""Same party or not, for the no-undercut check: variant spellings of one party match,
different parties do not, and the evidence line says which parties met and how surely."""

from __future__ import annotations

import pytest

from pallmall.cases.diligence import matched_parties
from pallmall.cases.matching import UNDERCUT_SETTINGS, party_key, same_party
from pallmall.cases.model import CaseParty, LicenceApplication, PartyRole, undercut_parties


def consignee(name: str, country: str = "") -> CaseParty:
    return CaseParty(PartyRole.CONSIGNEE, name, country)


@pytest.mark.parametrize(
    ("name", "earlier"),
    [
        # legal form written out, abbreviated, punctuated
        ("Northern Freight Limited Liability Company", "Northern Freight LLC"),
        ("northern freight, llc", "Northern Freight LLC"),
        ("NSO Group Technologies Limited", "N.S.O. Group Technologies Ltd"),
        # word order
        ("Freight Northern LLC", "Northern Freight LLC"),
        # transliteration (Latin and Cyrillic) and typos
        ("Positive Technologies", "Pozitiv Teknolodzhiz AO"),
        ("Positive Technologies", "Позитив Текнолоджиз"),
        ("Northern Frieght LLC", "Northern Freight LLC"),
        ("Nothern Frieght LLC", "Northern Freight LLC"),
        ("Intelexa SA", "Intellexa S.A."),
    ],
)
def test_variant_spellings_of_an_organisation_match(name: str, earlier: str) -> None:
    score = same_party(consignee(name), consignee(earlier))
    assert score is not None and score >= UNDERCUT_SETTINGS.threshold


@pytest.mark.parametrize(
    ("name", "earlier"),
    [
        ("Southern Freight LLC", "Northern Freight LLC"),
        ("Northern Lights Bakery", "Northern Freight LLC"),
        ("Northern Trade Co", "Northern Freight LLC"),
        ("Zeta Systems", "Beta Systems"),
        ("Global Tech LLC", "Global Trade LLC"),
        ("Ministry of Defence", "Ministry of Interior"),
        ("Saito Tech Ltd", "Candiru Ltd"),
    ],
)
def test_different_organisations_do_not_match(name: str, earlier: str) -> None:
    assert same_party(consignee(name), consignee(earlier)) is None


@pytest.mark.parametrize(
    ("name", "earlier"),
    [
        ("Petrov, Ivan", "Ivan Petrov"),
        ("Ivan Ivanovich Petrov", "Ivan Petrov"),
        ("Iwan Petrow", "Ivan Petrov"),
        ("Alexander Smirnov", "Aleksandr Smirnov"),
        ("Muhammad al Rasheed", "Mohammed Al-Rashid"),
    ],
)
def test_variant_spellings_of_a_person_match(name: str, earlier: str) -> None:
    assert (
        same_party(CaseParty(PartyRole.END_USER, name), CaseParty(PartyRole.END_USER, earlier))
        is not None
    )


@pytest.mark.parametrize(
    ("name", "earlier"),
    [
        ("Ivan Sidorov", "Ivan Petrov"),
        ("Olga Petrova", "Ivan Petrov"),
        ("Ivan Petrenko", "Ivan Petrov"),
        # a person and an organisation
        ("Petrov LLC", "Ivan Petrov"),
        ("Petrov Trading LLC", "Ivan Petrov"),
        ("Northern Freight LLC", "Ivan Petrov"),
    ],
)
def test_different_persons_and_a_person_against_an_organisation_do_not_match(
    name: str, earlier: str
) -> None:
    assert (
        same_party(CaseParty(PartyRole.END_USER, name), CaseParty(PartyRole.END_USER, earlier))
        is None
    )


def test_a_country_conflict_counts_against_a_match() -> None:
    same = same_party(
        consignee("Northern Frieght LLC", "AM"), consignee("Northern Freight LLC", "AM")
    )
    elsewhere = same_party(
        consignee("Northern Frieght LLC", "AM"), consignee("Northern Freight LLC", "GE")
    )
    assert same is not None and elsewhere is not None and elsewhere < same


def test_the_same_folded_name_is_a_sure_match() -> None:
    name, earlier = "FREIGHT, SOCIETE GENERALE", "Société Générale Freight"
    assert party_key(name) == party_key(earlier)
    assert same_party(consignee(name), consignee(earlier)) == 1.0


def test_matched_parties_name_roles_names_and_score() -> None:
    mine = (
        CaseParty(PartyRole.END_USER, "Yerevan Trade House CJSC", "AM"),
        consignee("Northern Freight Limited Liability Company", "AM"),
    )
    earlier = (
        CaseParty(PartyRole.END_USER, "Northern Freight LLC", "AM"),
        consignee("Southern Freight LLC", "AM"),
    )
    assert matched_parties(mine, earlier) == (
        "consignee ~ end_user: 'Northern Freight Limited Liability Company' ~ "
        "'Northern Freight LLC' (1.00)",
    )
    assert matched_parties(mine[:1], earlier) == ()


def test_undercut_parties_are_the_end_user_and_consignees_in_filing_order() -> None:
    app = LicenceApplication.model_validate(
        {
            "authority_id": "org-a",
            "product_id": "prd-x",
            "quantity": 1,
            "destination": "AM",
            "end_use": "policing",
            "end_use_category": "law_enforcement",
            "parties": [
                {"role": "intermediary", "name": "Broker"},
                {"role": "consignee", "name": "Northern Freight LLC", "country": "AM"},
                {"role": "end_user", "name": "Police", "country": None},
            ],
        }
    )
    assert undercut_parties(app) == (
        consignee("Northern Freight LLC", "AM"),
        CaseParty(PartyRole.END_USER, "Police", ""),
    )
