"""The EU financial sanctions list (FSF XML 1.1): real entries read into names, schema,
countries, dates, identifiers and programmes; a bad record named by its element."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pallmall.core.errors import InvalidInput
from pallmall.screening import ListFormat, ListSource, load_list
from pallmall.screening.model import EntrySchema, Identifier, ListEntry, NameType, PartialDate

SAMPLE = Path(__file__).parents[2] / "data" / "eu_fsf" / "xmlFullSanctionsList_1_1_sample.xml"
HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<export xmlns="http://eu.europa.ec/fpi/fsd/export"'
    ' generationDate="2026-11-27T10:02:11.1+01:00">\n'
)
# synthetic records (not EU data): what the real sample does not show, and the bad ones
ADDRESSED = """<sanctionEntity euReferenceNumber="EU.0.1" logicalId="900001">
  <regulation publicationDate="2024-06-24" programme="RUS"/>
  <regulation publicationDate="2023-02-25" programme="UKR"/>
  <subjectType code="enterprise" classificationCode="E"/>
  <nameAlias wholeName="" firstName="" lastName="" strong="false" nameLanguage=""/>
  <nameAlias wholeName="Example Trading LLC" strong="true" nameLanguage=""/>
  <nameAlias wholeName="Example Trade" strong="false" nameLanguage=""/>
  <address city="Dubai" countryIso2Code="AE" countryDescription="UNITED ARAB EMIRATES"/>
  <address city="" countryIso2Code="00" countryDescription="UNKNOWN"/>
  <identification number="1027700000000" identificationTypeCode="regnumber" countryIso2Code="RU"/>
</sanctionEntity>
"""
PARTIAL_BIRTH = """<sanctionEntity logicalId="900002">
  <subjectType code="person" classificationCode="P"/>
  <nameAlias firstName="Ivan" middleName="" lastName="Example" wholeName="" strong="true"/>
  <birthdate birthdate="" year="1961" monthOfYear="" dayOfMonth="" countryIso2Code="00"/>
  <birthdate birthdate="" year="1970" monthOfYear="3" dayOfMonth="" countryIso2Code="00"/>
</sanctionEntity>
"""
NO_ID = """<sanctionEntity euReferenceNumber="EU.0.2" logicalId="">
  <subjectType code="person" classificationCode="P"/>
  <nameAlias wholeName="Nobody Example" strong="true"/>
</sanctionEntity>
"""
BAD_DATE = """<sanctionEntity designationDate="25/13/2022" logicalId="900003">
  <subjectType code="person" classificationCode="P"/>
  <nameAlias wholeName="Bad Date Example" strong="true"/>
</sanctionEntity>
"""
VESSEL = """<sanctionEntity logicalId="900004">
  <subjectType code="vessel" classificationCode="V"/>
  <nameAlias wholeName="Example Vessel" strong="true"/>
</sanctionEntity>
"""


def eu(path: Path) -> ListSource:
    return ListSource(ListFormat.EU_FSF_XML, path, "eu_fsf")


def export(tmp_path: Path, *records: str) -> Path:
    path = tmp_path / "eu.xml"
    path.write_text(HEAD + "".join(records) + "</export>\n", encoding="utf-8")
    return path


def by_id(entries: tuple[ListEntry, ...]) -> dict[str, ListEntry]:
    return {e.entry_id: e for e in entries}


def test_real_entries_give_names_schema_countries_dates_ids_and_programmes() -> None:
    report = load_list(eu(SAMPLE))
    assert report.snapshot.published == date(2026, 8, 5)  # generationDate's day
    assert report.snapshot.version == "2026-08-05" and report.ok
    entries = by_id(report.entries)
    assert list(entries) == ["13", "1", "135909", "207"]  # logicalId, stable

    saddam = entries["13"]
    assert saddam.schema is EntrySchema.PERSON
    assert [(n.value, n.kind) for n in saddam.names] == [
        ("Saddam Hussein Al-Tikriti", NameType.PRIMARY),
        ("Abu Ali", NameType.ALIAS),
        ("Abou Ali", NameType.ALIAS),
    ]
    assert saddam.countries == ("iq",)  # citizenship; the birth place is no nationality
    assert saddam.birth_dates == (PartialDate(1937, 4, 28),)
    assert saddam.programmes == ("IRQ",)
    assert saddam.listed_on == date(2003, 7, 8)  # no designationDate: the act's publication
    assert saddam.remarks == (
        "EU reference EU.27.28; regulation 1210/2003 (OJ L169); UNSC RESOLUTION 1483"
    )

    mugabe = entries["1"]
    assert mugabe.identifiers == (Identifier("AD001095", "passport", ""),)  # "00": unknown
    assert mugabe.countries == () and mugabe.birth_dates == (PartialDate(1924, 2, 21),)

    putin = entries["135909"]
    # the Swedish spelling comes first in the file; the act's own spelling is primary
    assert putin.primary_name == "Vladimir Vladimirovich PUTIN"
    assert "Vladimir Vladimirovitj PUTIN" in [n.value for n in putin.names]
    assert putin.listed_on == date(2022, 2, 25) and putin.programmes == ("UKR",)
    assert putin.countries == ()  # born in RU; no citizenship given

    front = entries["207"]
    assert front.schema is EntrySchema.ORGANIZATION
    # Turkish, with its dotless i
    assert front.primary_name == "İslami Büyük Doğu Akıncılar Cephesi"  # noqa: RUF001
    names = [n.value for n in front.names]
    assert "Фронт на великите ислямски източни воини" in names  # Cyrillic
    assert "Μέγα Ισλαµικό Μέτωπο των Πολεµιστών της Ανατολής" in names  # Greek
    assert "IBDA-C" in names and len(names) == 6
    assert front.programmes == ("TERR",)


def test_addresses_weak_aliases_partial_birth_dates_and_several_programmes(
    tmp_path: Path,
) -> None:
    entries = by_id(load_list(eu(export(tmp_path, ADDRESSED, PARTIAL_BIRTH))).entries)
    company = entries["900001"]
    assert [(n.value, n.kind) for n in company.names] == [
        ("Example Trading LLC", NameType.PRIMARY),
        ("Example Trade", NameType.WEAK_ALIAS),
    ]
    assert company.countries == ("ae",)
    assert company.identifiers == (Identifier("1027700000000", "regnumber", "ru"),)
    assert company.programmes == ("RUS", "UKR")
    assert company.listed_on == date(2023, 2, 25)  # the earliest act
    person = entries["900002"]
    assert person.primary_name == "Ivan Example"  # no wholeName: the name parts
    assert person.birth_dates == (PartialDate(1961), PartialDate(1970, 3))
    assert person.listed_on is None


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (NO_ID, "missing logicalId"),
        (BAD_DATE, "designationDate: not a date: '25/13/2022'"),
        (VESSEL, "subjectType: unknown code 'vessel'"),
    ],
)
def test_a_bad_record_is_named_and_nothing_loads(tmp_path: Path, record: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        load_list(eu(export(tmp_path, ADDRESSED, record, PARTIAL_BIRTH)))
    assert caught.value.field == "sanctionEntity[2]"
    assert caught.value.reason == reason


def test_skip_mode_loads_the_good_records_and_reports_each_bad_one(tmp_path: Path) -> None:
    path = export(tmp_path, NO_ID, ADDRESSED, VESSEL, PARTIAL_BIRTH)
    report = load_list(eu(path), skip_bad_rows=True)
    assert [e.entry_id for e in report.entries] == ["900001", "900002"]
    assert [(s.position, s.reason) for s in report.skipped] == [
        ("sanctionEntity[1]", "missing logicalId"),
        ("sanctionEntity[3]", "subjectType: unknown code 'vessel'"),
    ]
    assert report.snapshot.published == date(2026, 11, 27) and not report.ok


def test_not_the_fsf_export_or_not_xml_is_refused(tmp_path: Path) -> None:
    un = tmp_path / "un.xml"
    un.write_text("<CONSOLIDATED_LIST/>", encoding="utf-8")
    with pytest.raises(InvalidInput, match="expected <export"):
        load_list(eu(un), skip_bad_rows=True)
    cut = tmp_path / "cut.xml"
    cut.write_text(HEAD + NO_ID[:60], encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_list(eu(cut))
    assert caught.value.field.startswith("cut.xml:")
    with pytest.raises(InvalidInput, match="no list entries"):
        load_list(eu(export(tmp_path)))
