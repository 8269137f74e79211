"""Screening over a small in-memory list: evidence, explanation, ranking, snapshot age."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest

from pallmall.core.errors import InvalidInput
from pallmall.screening import (
    ALGORITHM,
    EntryName,
    EntrySchema,
    Feature,
    Identifier,
    ListEntry,
    LoadReport,
    NameType,
    PartialDate,
    Party,
    Screener,
    SnapshotInfo,
    compare_entry,
    read_parties,
    results_to_csv,
    results_to_json,
    screen_batch,
)

PERSON, ORG = EntrySchema.PERSON, EntrySchema.ORGANIZATION
TODAY = date(2026, 3, 1)


def person(
    entry_id: str, name: str, *, dob: int = 0, country: str = "", alias: str = ""
) -> ListEntry:
    names = (EntryName(name), *([EntryName(alias, NameType.WEAK_ALIAS)] if alias else []))
    return ListEntry(
        "un_sc", entry_id, PERSON, names,
        countries=(country,) if country else (),
        birth_dates=(PartialDate(dob),) if dob else (),
        programmes=("DRC",), listed_on=date(2012, 12, 31),
    )  # fmt: skip


@pytest.fixture(scope="module")
def screener() -> Screener:
    un = LoadReport(
        SnapshotInfo("un_sc", "2026-02-27", date(2026, 2, 27)),
        (
            person("CDi.001", "ERIC BADEGE", dob=1971, country="cd"),
            person("CDi.002", "ERIC BADEGE", dob=1950, country="rw"),
            person("CDi.003", "FRANK KAKOLELE BWAMBALE", alias="AIGLE BLANC"),
        ),
    )
    sdn = LoadReport(
        SnapshotInfo("us_ofac_sdn", "2024-05-03", date(2024, 5, 3)),
        (
            ListEntry(
                "us_ofac_sdn", "31455", ORG,
                (EntryName("AKTSIONERNOE OBSHCHESTVO POZITIV TEKNOLODZHIZ"),),
                identifiers=(Identifier("7718668887", "Tax ID No.", "ru"),),
                programmes=("CYBER2", "RUSSIA-EO14024"),
            ),
        ),
    )  # fmt: skip
    return Screener([un, sdn])


def test_a_hit_is_explained(screener: Screener) -> None:
    result = screener.screen(Party("Positive Technologies", ORG), today=TODAY)
    (hit,) = result.alerts
    assert (hit.list_id, hit.entry_id, hit.programmes) == (
        "us_ofac_sdn",
        "31455",
        ("CYBER2", "RUSSIA-EO14024"),
    )
    assert hit.name_match.query_name == "Positive Technologies"
    assert hit.name_match.list_name == "AKTSIONERNOE OBSHCHESTVO POZITIV TEKNOLODZHIZ"
    assert {(p.query, p.candidate) for p in hit.name_match.pairs} == {
        ("positive", "pozitiv"), ("technologies", "teknolodzhiz"),
    }  # fmt: skip
    assert hit.contributions[0].feature is Feature.NAME
    assert (hit.algorithm, hit.threshold, result.algorithm) == (ALGORITHM, 0.7, ALGORITHM)
    assert hit.snapshot.version == "2024-05-03"
    ages = {a.snapshot.list_id: a.age_days for a in result.snapshots}
    assert ages == {"un_sc": 2, "us_ofac_sdn": 667}


def test_birth_date_and_country_rank_the_namesakes(screener: Screener) -> None:
    result = screener.screen(
        Party(
            "Eric Badege",
            PERSON,
            birth_date="1971-05-02",
            countries=("Democratic Republic of the Congo",),
        ),
        today=TODAY,
    )
    first, second = result.hits
    assert first.entry_id == "CDi.001"
    assert {c.feature for c in first.contributions} == {
        Feature.NAME,
        Feature.BIRTH_DATE,
        Feature.COUNTRY,
    }
    assert all(c.value > 0 for c in first.contributions)
    assert [c.value < 0 for c in second.contributions[1:]] == [True, True]
    assert first.score > second.score


def test_equal_scores_rank_by_evidence_then_ids_deterministically(screener: Screener) -> None:
    bare = screener.screen(Party("Eric Badege", PERSON), today=TODAY)
    assert [h.entry_id for h in bare.hits] == ["CDi.001", "CDi.002"]
    assert bare.hits[0].score == bare.hits[1].score


def test_an_identifier_raises_the_score_and_finds_the_entry(screener: Screener) -> None:
    with_id = screener.screen(Party("PT Security", ORG, identifiers=("7718668887",)), today=TODAY)
    assert with_id.hits[0].entry_id == "31455"
    assert any(c.feature is Feature.IDENTIFIER for c in with_id.hits[0].contributions)


def test_weak_aliases_count_less_and_persons_do_not_match_companies(screener: Screener) -> None:
    hit = screener.screen(Party("Aigle Blanc"), today=TODAY).hits[0]
    assert hit.contributions[1].feature is Feature.ALIAS_STRENGTH
    assert hit.score < 1.0
    assert not screener.screen(Party("Positive Technologies", PERSON), today=TODAY).hits


def test_batch_csv_in_results_out(screener: Screener) -> None:
    text = (
        "reference,name,schema,birth_date,countries\n"
        "P1,Eric Badege,person,1971,cd\n"
        "P2,Jane Nobody,person,,\n"
    )
    parties = read_parties(io.StringIO(text))
    calls: list[tuple[int, int]] = []
    results = screen_batch(
        screener, parties, lambda done, total: calls.append((done, total)), TODAY
    )
    assert calls == [(1, 2), (2, 2)]
    rows = results_to_csv(parties, results).splitlines()
    assert rows[1].startswith("P1,Eric Badege,true,1,")
    assert rows[-1].startswith("P2,Jane Nobody,false")
    data = json.loads(results_to_json(parties, results))
    assert data[0]["result"]["hits"][0]["entry_id"] == "CDi.001"
    assert data[0]["result"]["snapshots"][0]["age_days"] == 2


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("nom\nx\n", "line 1"),
        ("name,colour\nx,red\n", "line 1"),
        ("name,schema\nEric,\n,person\n", "line 3.name"),
        ("name,schema\nEric,planet\n", "line 2.schema"),
    ],
)
def test_a_bad_parties_csv_names_the_line(text: str, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_parties(io.StringIO(text))
    assert caught.value.field == field


def test_a_list_name_of_slash_separated_alternatives_matches_each() -> None:
    entry = ListEntry("un_sc", "QDe.004", ORG, (EntryName("Al-Qa'ida/Islamic Army"),))
    snapshot = SnapshotInfo("un_sc", "2026-02-27", date(2026, 2, 27))
    hit = compare_entry(Party("Islamic Army", ORG), entry, snapshot)
    assert hit is not None and hit.alert
    assert hit.name_match.list_name == "Islamic Army"
    assert hit.entry_name == "Al-Qa'ida/Islamic Army"


def test_a_screener_over_no_lists_screens_to_no_hits() -> None:
    result = Screener([]).screen(Party("Eric Badege"), today=TODAY)
    assert result.hits == () and result.snapshots == ()
