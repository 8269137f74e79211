"""A one-shot screen loads only the reference data its party needs: place words come from
the shipped file (what rigour's territory tables say, without building them), and the
person-name tagger is asked about a query only when a person entry is scored and the party
could be a person (a name with a legal form is a company's)."""

from __future__ import annotations

from datetime import date

import pytest

from pallmall.screening import (
    EntryName,
    EntrySchema,
    ListEntry,
    LoadReport,
    Party,
    Screener,
    SnapshotInfo,
)
from pallmall.screening.normalisation import _symbols, is_place, normalise
from pallmall.screening.places import place_words, rigour_place_words
from pallmall.screening.scorer import prepare

PERSON, ORG = EntrySchema.PERSON, EntrySchema.ORGANIZATION


def test_the_shipped_place_words_are_rigours() -> None:
    # if this fails after a rigour upgrade: .venv/bin/python scripts/place_words.py
    assert place_words() == rigour_place_words()


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
