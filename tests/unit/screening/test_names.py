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


def test_acronyms_and_joined_initials_meet_the_words_they_stand_for() -> None:
    org = EntrySchema.ORGANIZATION
    assert score("IRGC", "Islamic Revolutionary Guard Corps", org) == 1.0
    assert score("JR Smith", "John Robert Smith") >= THRESHOLD
    # initials alone are not a person's name
    assert score("N.N.", "Nursultan Nazarbayev") < THRESHOLD


def test_dotted_initials_are_compared_exactly() -> None:
    org = EntrySchema.ORGANIZATION
    assert score("N.A.B.C. Company", "A.B.C. Company", org) < THRESHOLD
    assert score("U.S. Steel", "United States Steel", org) == 1.0


def test_scrambled_letters_still_match() -> None:
    assert score("Sergey Vorlav", "Sergey Lavrov") >= THRESHOLD


def test_numbers_that_differ_or_stand_alone_name_another_entity() -> None:
    vessel, org = EntrySchema.VESSEL, EntrySchema.ORGANIZATION
    assert score("Ocean Star 7", "Ocean Star 8", vessel) < THRESHOLD
    assert score("Ocean Star", "Ocean Star 8", vessel) < THRESHOLD
    assert score("Alpha Capital Fund II", "Alpha Capital Fund", org) < THRESHOLD


def test_a_place_in_an_organisation_name_marks_a_branch() -> None:
    org = EntrySchema.ORGANIZATION
    assert score("Sberbank Europe AG", "Sberbank AG", org) >= THRESHOLD
    assert score("Sberbank (Schweiz) AG", "Sberbank AG", org) >= THRESHOLD
    assert score("Bank of China", "Bank of Japan", org) < 0.5


def test_a_patronymic_is_not_a_given_name_and_costs_little_when_missing() -> None:
    assert score("Oleksandr Zelenskyy", "Volodymyr Oleksandrovych Zelenskyy") < THRESHOLD
    assert score("Usama bin Ladin", "Usama bin Muhammad bin Awad bin Ladin") >= THRESHOLD


def test_abd_al_is_one_name_however_it_is_spelled() -> None:
    assert score("Abdul Rahman Yasin", "Abd al-Rahman Yasin") == 1.0
    assert score("Abdelkader Mokhtari", "Abdulkader Mokhtari") == 1.0


def test_a_nickname_that_reads_as_a_particle_keeps_its_nickname_group() -> None:
    assert score("Ben Stiller", "Benjamin Stiller") >= THRESHOLD


def test_a_name_in_arabic_script_meets_its_latin_spelling_by_consonants() -> None:
    assert score("كريستيانو رونالدو", "Cristiano Ronaldo") >= THRESHOLD


def test_a_misspelled_legal_form_is_not_an_extra_word() -> None:
    org = EntrySchema.ORGANIZATION
    assert (
        score(
            "Kalashnikov Concern Joint Stock Company",
            "Kalashnikov Concern Joynt Stock Company",
            org,
        )
        >= 0.9
    )


def test_a_one_word_person_query_asks_for_everyone_of_that_name() -> None:
    org = EntrySchema.ORGANIZATION
    assert score("Erdogan", "Recep Tayyip Erdogan") >= THRESHOLD
    # not for organisations: a one-word query is not every company with that word
    assert score("Santander", "Banco Santander Chile", org) < THRESHOLD
