"""Transliteration, legal forms, name order and number words."""

from __future__ import annotations

import pytest

from pallmall.screening.model import EntrySchema
from pallmall.screening.normalisation import normalise, numbers_as_digits, skeleton

PERSON, ORG = EntrySchema.PERSON, EntrySchema.ORGANIZATION


def words(name: str, schema: EntrySchema) -> list[str]:
    return [t.text for t in normalise(name, schema).tokens]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Дмитрий Медведев", ["dmitry", "medvedev"]),  # Cyrillic
        ("Αλέξης Τσίπρας", ["alexis", "tsipras"]),  # Greek
        ("محمد بن سلمان", ["mhmd", "bn", "slman"]),  # Arabic (consonantal script)
        ("בנימין נתניהו", ["bnymyn", "ntnyhw"]),  # Hebrew
        ("Société Générale", ["societe", "generale"]),  # diacritics
    ],
)
def test_any_script_becomes_latin(name: str, expected: list[str]) -> None:
    assert words(name, PERSON) == expected


@pytest.mark.parametrize(
    ("name", "core", "form"),
    [
        ("АО Позитив Текнолоджиз", ["pozitiv", "teknolodzhiz"], "jsc"),  # noqa: RUF001
        ("AKTSIONERNOE OBSHCHESTVO POZITIV TEKNOLODZHIZ", ["pozitiv", "teknolodzhiz"], "jsc"),
        ('ООО "Газпром нефть"', ["gazprom", "neft"], "llc"),  # noqa: RUF001
        ("Zala Aero Group LLC", ["zala", "aero", "group"], "llc"),
        ("Siemens Zrt.", ["siemens"], "jsc"),
        ("Novatek S.A.", ["novatek"], "jsc"),
        ("Deutsche Bank GmbH", ["deutsche", "bank"], "llc"),
        ("Mizuho Securities Co., Ltd.", ["mizuho", "securities"], "llc"),
    ],
)
def test_legal_forms_are_split_off(name: str, core: list[str], form: str) -> None:
    normalised = normalise(name, ORG)
    assert [t.text for t in normalised.tokens] == core
    assert form in normalised.legal_forms


def test_roman_numerals_are_not_taken_for_legal_forms() -> None:
    assert words("Bowne Global Solutions II (U.K.) Limited", ORG) == [
        "bowne", "global", "solutions", "ii", "uk",
    ]  # fmt: skip


def test_last_comma_first_is_put_in_order_for_persons() -> None:
    assert words("AL-TIKRITI, Saddam Hussein", PERSON) == ["saddam", "hussein", "al", "tikriti"]


def test_number_words_become_digits() -> None:
    assert numbers_as_digits(["brigade", "forty", "four"]) == ["brigade", "44"]
    assert numbers_as_digits(["1st", "international"]) == ["1", "international"]
    assert numbers_as_digits(["zero", "point"]) == ["0", "point"]


def test_transliteration_variants_share_a_skeleton() -> None:
    assert skeleton("pozitiv") == skeleton("positive")
    assert skeleton("teknolodzhiz") == skeleton("technologies")
    assert skeleton("mohammed") == skeleton("muhammad")


def test_percent_and_abd_al_have_one_spelling() -> None:
    assert words("3%ers", ORG) == words("Three Percenters", ORG) == ["3", "percenters"]
    assert words("Abd al-Aziz", PERSON) == words("Abdel Aziz", PERSON) == ["abdul", "aziz"]
    assert words("Abdelaziz", PERSON) == ["abdulaziz"]


def test_token_marks_places_patronymics_initials_and_abjad_script() -> None:
    bank = normalise("Deutsche Bank (Schweiz) AG", ORG).tokens
    assert [t.kind for t in bank] == ["word", "generic", "place"]
    sergei = normalise("Sergei Viktorovich Lavrov", PERSON).tokens
    assert [t.patronymic for t in sergei] == [False, True, False]
    assert all(t.initials for t in normalise("N.A.B.C.", ORG).tokens)
    assert all(t.abjad for t in normalise("محمد بن سلمان", PERSON).tokens)
