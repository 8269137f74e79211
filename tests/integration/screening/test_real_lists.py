"""Each loader on the real list snapshots in ../shared/screening-data (skipped when absent)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pallmall.screening import EntrySchema, ListFormat, ListSource, load_list

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def data(shared_dir: Path) -> Path:
    return shared_dir / "screening-data"


def test_ofac_sdn_with_aliases_and_addresses(data: Path) -> None:
    source = ListSource(
        ListFormat.OFAC_CSV,
        data / "ofac" / "ofac_sdn_2024-05-03.csv",
        "us_ofac_sdn",
        alt=data / "ofac" / "ofac_alt_2024-01.csv",
        add=data / "ofac" / "ofac_add_2024-01.csv",
    )
    report = load_list(source)
    assert len(report.entries) == 14965 and report.ok
    assert report.snapshot.published == date(2024, 5, 3)
    entry = next(e for e in report.entries if e.entry_id == "31455")
    assert entry.names[0].value == "AKTSIONERNOE OBSHCHESTVO POZITIV TEKNOLODZHIZ"
    assert "JSC POSITIVE TECHNOLOGIES" in {n.value for n in entry.names}
    assert "CYBER2" in entry.programmes
    assert ("7718668887", "ru") in {(i.value, i.country) for i in entry.identifiers}
    schemas = {e.schema for e in report.entries}
    assert schemas == {
        EntrySchema.PERSON,
        EntrySchema.ORGANIZATION,
        EntrySchema.VESSEL,
        EntrySchema.AIRCRAFT,
    }


def test_un_consolidated_xml(data: Path) -> None:
    report = load_list(
        ListSource(ListFormat.UN_XML, data / "watchman" / "un_consolidated_2026-02-27.xml", "un_sc")
    )
    assert len(report.entries) == 1003
    assert report.snapshot.version == "2026-02-27"
    badege = next(e for e in report.entries if e.entry_id == "CDi.001")
    assert (badege.primary_name, badege.listed_on, badege.programmes) == (
        "ERIC BADEGE",
        date(2012, 12, 31),
        ("DRC",),
    )
    assert badege.birth_dates[0].year == 1971 and "cd" in badege.countries


@pytest.mark.parametrize(
    ("name", "rows"), [("us_csl_sample_2019.csv", 115), ("us_csl_sample_2025.csv", 13)]
)
def test_us_consolidated_screening_list_both_headers(data: Path, name: str, rows: int) -> None:
    report = load_list(ListSource(ListFormat.US_CSL_CSV, data / "watchman" / name, "us_csl"))
    assert len(report.entries) == rows
    if name.endswith("2019.csv"):
        entity_list = [e for e in report.entries if e.programmes[0] == "EL"]
        assert len(entity_list) == 22
        assert any(e.listed_on == date(2015, 11, 12) for e in entity_list)


def test_followthemoney_json_lines(data: Path) -> None:
    report = load_list(
        ListSource(ListFormat.FTM_JSON, data / "yente" / "zala_entities.ftm.json", "os_zala")
    )
    schemas = {e.schema for e in report.entries}
    assert schemas == {EntrySchema.PERSON, EntrySchema.ORGANIZATION}
    assert any("5920040846" in {i.value for i in e.identifiers} for e in report.entries)


def test_uk_derived_tables(data: Path) -> None:
    report = load_list(
        ListSource(ListFormat.UK_DERIVED, data / "uk_sanctions_list_derived", "gb_fcdo")
    )
    assert len(report.entries) == 6046
    entry = next(e for e in report.entries if e.entry_id == "AFG0001")
    assert entry.primary_name == "HAJI KHAIRULLAH HAJI SATTAR MONEY EXCHANGE"
    assert entry.listed_on == date(2012, 6, 29) and entry.programmes == ("AFG",)
    assert ("TAe.010", "UN reference") in {(i.value, i.kind) for i in entry.identifiers}
