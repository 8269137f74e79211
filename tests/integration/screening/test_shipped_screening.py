"""The lists pallmall ships, screened end to end (no ../shared needed)."""

from __future__ import annotations

from datetime import date

import pytest

from pallmall.screening import EntrySchema, Party, Screener, load_shipped_lists


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
