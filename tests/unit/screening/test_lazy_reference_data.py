"""A one-shot screen loads only the reference data its party needs: place words come from
the shipped file (what rigour's territory tables say, without building them), and the
person-name tagger is asked about a query only when a person entry is scored and the party
could be a person (a name with a legal form is a company's)."""

from __future__ import annotations

from datetime import date

import pytest
from rigour.territories import lookup_territory

from pallmall.screening import (
    EntryName,
    EntrySchema,
    ListEntry,
    LoadReport,
    Party,
    Screener,
    SnapshotInfo,
)
from pallmall.screening.normalisation import _symbols, company_marked, is_place, normalise
from pallmall.screening.places import (
    place_words,
    rigour_place_words,
    rigour_territory_names,
    territory_names,
)
from pallmall.screening.scorer import prepare
from pallmall.screening.values import country_code

PERSON, ORG = EntrySchema.PERSON, EntrySchema.ORGANIZATION


def test_the_shipped_place_words_are_rigours() -> None:
    # if this fails after a rigour upgrade: .venv/bin/python scripts/place_words.py
    assert place_words() == rigour_place_words()


def test_the_shipped_territory_names_are_rigours() -> None:
    # if this fails after a rigour upgrade: .venv/bin/python scripts/place_words.py
    assert territory_names() == rigour_territory_names()


@pytest.mark.parametrize(
    "text",
    ["Russia", "Russian Federation", "RU", "rus", "Q159", "  Schweiz ", "São Tomé",
     "SAO TOME", "Кыргызстан", "Kosovo", "Palestine", "England", "gb-eng", "North Korea",
     "Burma", "Côte d'Ivoire", "Nowhere Land", "", "XK"],
)  # fmt: skip
def test_country_code_says_what_rigours_lookup_says(text: str) -> None:
    territory = lookup_territory(text.strip()) if text.strip() else None
    expected = territory and str(territory.ftm_country or territory.code).lower()
    assert country_code(text) == expected


@pytest.mark.parametrize(
    ("word", "place"),
    [
        ("china", True),
        ("schweiz", True),
        ("rossiya", True),
        ("europe", True),
        ("intellexa", False),
        ("trading", False),
        ("sa", False),  # a legal form, not South Africa's code
        ("chad", True),
        ("england", False),  # a subdivision (gb-eng): not a place here
    ],
)
def test_is_place_reads_the_shipped_words(word: str, place: bool) -> None:
    assert is_place(word) is place


@pytest.fixture(scope="module")
def screener() -> Screener:
    entries = (
        ListEntry("l", "1", PERSON, (EntryName("Sergejs Vaskovskis"),)),
        ListEntry("l", "2", ORG, (EntryName("INTELLEXA S.A."),)),
        ListEntry("l", "3", PERSON, (EntryName("SA, Intellexa"),)),
    )
    return Screener([LoadReport(SnapshotInfo("l", "1", date(2026, 1, 1), "test"), entries)])


def asked_tagger(run: object) -> int:
    """How many new texts the person-name tagger was asked about while ``run`` ran."""
    before = _symbols.cache_info().misses
    assert callable(run)
    run()
    return _symbols.cache_info().misses - before


def test_a_company_name_of_unknown_kind_never_asks_the_tagger(screener: Screener) -> None:
    party = Party("Intellexa Qzvw SA")  # unknown kind; a legal form: a company
    prepared = prepare(party)
    assert not prepared.symbols_due
    assert asked_tagger(lambda: screener.screen(party)) == 0
    # compared as a person too (the person entry is a candidate), without symbols
    hits = {h.entry_id for h in screener.screen(Party("Intellexa SA")).hits}
    assert {"2", "3"} <= hits


def test_a_name_of_unknown_kind_gets_its_symbols_when_a_person_is_scored(
    screener: Screener,
) -> None:
    party = Party("Sergey Vaskovskis")
    prepared = prepare(party)
    assert prepared.symbols_due
    assert all(not t.symbols for n in prepared.names[PERSON] for t in n.tokens)
    assert asked_tagger(lambda: screener.screen(party)) == 1
    (hit, *_) = screener.screen(party).hits
    assert hit.entry_id == "1" and hit.alert
    pair = next(p for p in hit.name_match.pairs if p.query == "sergey")
    assert pair.candidate == "sergejs" and pair.similarity >= 0.9  # the symbol's credit
    # the same symbols as an eager normalisation
    (eager,) = prepared.queries(PERSON)
    assert eager == normalise("Sergey Vaskovskis", PERSON)


def test_an_organisation_query_never_asks_the_tagger(screener: Screener) -> None:
    party = Party("Vaskovskis Holding Qzvw", ORG)
    assert EntrySchema.PERSON not in prepare(party).names
    assert asked_tagger(lambda: screener.screen(party)) == 0


@pytest.mark.parametrize(
    ("name", "company"),
    [
        ("Intellexa SA", True),
        ("INTELLEXA S.A.", True),
        ("Siemens AG", True),
        ("OOO Stroy", True),
        ("Stroy OOO", True),
        ("\u041e\u041e\u041e \u0421\u0442\u0440\u043e\u0439", True),  # OOO Stroy in Cyrillic
        ("Acme Holdings, Ltd", True),
        ("Bank Melli Printing and Publishing Company (BMPPC)", True),
        ("Grupo Bimbo, S.A. de C.V.", True),
        ("ALFA ONE, C.A.", True),
        ("PAO Sberbank", True),
        # person names of the shipped lists with a word that reads as a legal form
        ("SA'D BIN SA'D MUHAMMAD SHARIYAN AL-KA'BI", False),
        ("Abu Sa'd", False),
        ("KHUN SA", False),
        ("HITTA, Sidan Ag", False),
        ("Iyad AG GHALI", False),
        ("AG ALHOUSSEINI, Houka Houka", False),
        ("PAO, Yu Yi", False),
        ("HAN YU-RO", False),
        ("TCHAM NA MAN", False),
        ("PAK HAN SE", False),
        ("MUJEL, A.S.", False),
        ("AS-SAFRANI, Ali Samida", False),
        ("Augusto Mario-Co", False),
        ("Nan A. S. Hayworth", False),
    ],
)
def test_only_a_standalone_legal_form_marks_a_company(name: str, company: bool) -> None:
    assert company_marked(name) is company
    assert prepare(Party(name)).symbols_due is not company


@pytest.mark.parametrize(
    ("listed", "query"),
    [
        ("Aleksandr Sa'd", "Alexander Sa'd"),
        ("Aleksandr Sa'd", "Sasha Sad"),
        ("Sergejs YU", "Sergey Yu"),
        ("Sergejs Na", "Sergey Na"),
        ("Theodore Se", "Ted Se"),
        ("William Ag", "Bill Ag"),
        ("HITTA, William Ag", "Bill Ag Hitta"),
    ],
)
def test_a_person_name_with_a_legal_form_word_meets_its_given_name_variants(
    listed: str, query: str
) -> None:
    # a party of unknown kind (the CLI's and the API's default) whose name holds a word
    # that reads as a legal form is still compared as a person with given-name symbols:
    # only they make Alexander meet Aleksandr, Sasha meet Aleksandr, Bill meet William
    entry = ListEntry("l", "9", PERSON, (EntryName(listed),))
    screener = Screener([LoadReport(SnapshotInfo("l", "1", date(2026, 1, 1), "test"), (entry,))])
    (hit,) = screener.screen(Party(query)).alerts
    assert hit.entry_id == "9"
    assert hit.score == screener.screen(Party(query, PERSON)).alerts[0].score
