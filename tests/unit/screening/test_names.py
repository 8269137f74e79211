"""Name comparison: order, initials, typos, conflicting words, the Positive Technologies case."""

from __future__ import annotations

from pallmall.screening.model import EntrySchema
from pallmall.screening.names import NameSettings, compare_names
from pallmall.screening.normalisation import normalise

SETTINGS = NameSettings()
THRESHOLD = 0.7


def score(a: str, b: str, schema: EntrySchema = EntrySchema.PERSON) -> float:
    return compare_names(normalise(a, schema), normalise(b, schema), schema, SETTINGS).score


def test_identical_names_score_one() -> None:
    assert score("Vladimir Putin", "VLADIMIR PUTIN") == 1.0


def test_positive_technologies_meets_its_russian_transliteration() -> None:
    org = EntrySchema.ORGANIZATION
    assert score("AO POZITIV TEKNOLODZHIZ", "Positive Technologies", org) >= 0.85
    assert score("АО Позитив Текнолоджиз", "JSC Positive Technologies", org) >= 0.85  # noqa: RUF001


def test_token_order_does_not_matter_for_a_comma_reversed_name() -> None:
    assert score("SALEK, ABDULHAI", "ABDULHAI SALEK") == 1.0


def test_initials_and_missing_middle_names_still_match() -> None:
    assert score("Hans J Friedrich", "Hans Joachim Friedrich") >= THRESHOLD
    assert score("Vladimir Putin", "Vladimir Vladimirovich Putin") >= THRESHOLD


def test_typos_and_repeated_letters_still_match() -> None:
    assert score("ATTIIQULLAH AKHUND", "ATTIQULLAH AKHUND") >= 0.9
    assert score("Emmanuel Marcon", "Emmanuel Macron") >= THRESHOLD
    assert score("FridrichBuchenberg", "Friedrich Buchenberg") >= THRESHOLD


def test_a_different_family_name_is_not_a_match() -> None:
    assert score("SADDAM HUSSEIN AL-DULAIMI", "SADDAM HUSSEIN AL-TIKRITI") < THRESHOLD
    assert score("Angelo Cruz", "Angela Merkel") < 0.5


def test_a_sibling_company_is_not_a_match() -> None:
    org = EntrySchema.ORGANIZATION
    assert score("Management Company", "Westminister Management Company", org) < THRESHOLD
    assert score("Deutsche Bank AG", "Deutsche Bank AG", org) > score(
        "Deutsche Bank AG", "Deutsche Bank GmbH", org
    )


def test_the_alignment_is_reported() -> None:
    schema = EntrySchema.PERSON
    result = compare_names(
        normalise("Jon Smith Jr", schema), normalise("John Smith", schema), schema, SETTINGS
    )
    assert {(p.query, p.candidate) for p in result.pairs} == {("jon", "john"), ("smith", "smith")}
    assert result.query_extra == ("jr",)
