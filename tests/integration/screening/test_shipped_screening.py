"""The lists pallmall ships, screened end to end (no ../shared needed)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pallmall.screening import EntrySchema, Party, Screener, load_shipped_lists
from pallmall.screening.index_files import save_index, write_index


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener(load_shipped_lists())


def test_every_shipped_list_loads_cleanly(screener: Screener) -> None:
    assert {s.list_id for s in screener.snapshots} == {
        "us_ofac_sdn",
        "us_ofac_cons",
        "un_sc",
        "us_csl",
    }
    assert screener.entry_count > 16000


@pytest.mark.parametrize(
    "query",
    ["AO POZITIV TEKNOLODZHIZ", "Positive Technologies", "АО «Позитив Текнолоджиз»"],  # noqa: RUF001
)
def test_positive_technologies_is_found(screener: Screener, query: str) -> None:
    result = screener.screen(Party(query, EntrySchema.ORGANIZATION), today=date(2026, 11, 28))
    top = result.alerts[0]
    assert (top.list_id, top.entry_id) == ("us_ofac_sdn", "31455")
    assert "CYBER2" in top.programmes


def test_a_transliterated_un_person_is_found(screener: Screener) -> None:
    result = screener.screen(
        Party("Эрик Бадеге", EntrySchema.PERSON, birth_date="1971"), today=date(2026, 11, 28)
    )
    assert (result.alerts[0].list_id, result.alerts[0].entry_id) == ("un_sc", "CDi.001")


def test_an_unlisted_name_raises_no_alert(screener: Screener) -> None:
    assert not screener.screen(Party("Ingeborg Abrahamsen", EntrySchema.PERSON)).alerts


@pytest.mark.parametrize(
    ("query", "country", "listed_in"),
    [("Ministry of Interior", "EG", "cu"), ("State Security Department", "AE", "kp")],
)
def test_a_public_body_abroad_does_not_alert(
    screener: Screener, query: str, country: str, listed_in: str
) -> None:
    result = screener.screen(
        Party(query, EntrySchema.ORGANIZATION, countries=(country,)), today=date(2026, 11, 28)
    )
    assert not result.alerts
    top = result.hits[0]  # still shown, with the reason it does not alert
    country_part = next(c for c in top.contributions if c.feature.value == "country")
    assert f"{country.lower()} vs {listed_in}" in country_part.detail
    assert "public body" in country_part.detail
    # the same name with the listed state's country does alert
    at_home = screener.screen(Party(query, EntrySchema.ORGANIZATION, countries=(listed_in,)))
    assert at_home.alerts and at_home.alerts[0].entry_id == top.entry_id


@pytest.mark.parametrize(
    "query", ["Cytrox Holdings Zrt.", "Cytrox Holdings Zrt", "CYTROX HOLDINGS"]
)
def test_a_legal_form_abbreviated_in_hungarian_finds_the_written_out_one(
    screener: Screener, query: str
) -> None:
    result = screener.screen(Party(query, EntrySchema.ORGANIZATION, countries=("HU",)))
    assert result.alerts[0].entry_name == "CYTROX HOLDINGS ZARTKORUEN MUKODO RESZVENYTARSASAG"
    assert result.alerts[0].score >= 0.95


def test_the_shipped_lists_written_straight_to_disk_are_the_built_index(
    screener: Screener, tmp_path: Path
) -> None:
    """The stored index written as it is built (two forked normalisers) is, file for file,
    the in-memory index of the same lists: every real name normalises and files the same."""
    entries = [e for r in load_shipped_lists() for e in r.entries]
    saved = save_index(screener.index, screener.snapshots, tmp_path / "saved")
    written = write_index(entries, screener.snapshots, tmp_path / "written", workers=2)
    assert sorted(p.name for p in written.iterdir()) == sorted(p.name for p in saved.iterdir())
    for path in saved.iterdir():
        assert (written / path.name).read_bytes() == path.read_bytes(), path.name
