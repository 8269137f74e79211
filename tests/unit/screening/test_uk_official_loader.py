"""The FCDO's UK Sanctions List XML: four real designations (an individual of UN origin,
an entity, a UK-designated individual, a ship) read into entries; a malformed designation
fails naming the element, or is skipped and reported when asked."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pallmall.core.errors import InvalidInput
from pallmall.screening import ListFormat, ListSource, load_list
from pallmall.screening.model import EntrySchema, Identifier, NameType, PartialDate

SAMPLE = Path(__file__).parent / "data" / "uk_sanctions_list_sample.xml"
TEXT = SAMPLE.read_text(encoding="utf-8")


def source(path: Path) -> ListSource:
    return ListSource(ListFormat.UK_SANCTIONS_LIST_XML, path, "uk_sanctions_list")


def variant(tmp_path: Path, old: str, new: str) -> Path:
    assert old in TEXT
    path = tmp_path / "UK-Sanctions-List.xml"
    path.write_text(TEXT.replace(old, new, 1), encoding="utf-8")
    return path


def test_the_sample_loads_every_designation_with_its_details() -> None:
    report = load_list(source(SAMPLE))
    assert report.snapshot.published == date(2026, 4, 16)  # DateGenerated, day first
    assert report.snapshot.version == "2026-04-16"
    entries = {e.entry_id: e for e in report.entries}
    assert list(entries) == ["AFG0006", "AFG0001", "RUS1542", "DPR0075"]
    assert report.skipped == ()

    akhund = entries["AFG0006"]
    assert akhund.schema is EntrySchema.PERSON
    assert akhund.primary_name == "MOHAMMAD HASSAN AKHUND"  # Name1 Name2 ... Name6
    assert [(n.value, n.kind) for n in akhund.names[1:]] == [("محمد حسن آخوند", NameType.ALIAS)]
    assert akhund.birth_dates == (PartialDate(1958), PartialDate(1967, 1, 1))  # dd/mm/1958
    assert akhund.countries == ("af",)
    assert Identifier("TAi.002", "un reference") in akhund.identifiers
    assert Identifier("P04581926", "passport") in akhund.identifiers
    assert akhund.programmes == ("The Afghanistan (Sanctions) (EU Exit) Regulations 2020",)
    assert akhund.listed_on == date(2001, 1, 25)
    assert "Mullah Mohammed Omar" in akhund.remarks

    exchange = entries["AFG0001"]
    assert exchange.schema is EntrySchema.ORGANIZATION
    assert exchange.primary_name == "HAJI KHAIRULLAH HAJI SATTAR MONEY EXCHANGE"
    assert {n.value for n in exchange.names if n.kind is NameType.ALIAS} >= {
        "Haji Alim Hawala",
        "Haji Khairullah Money Exchange",
    }
    assert exchange.countries == ("af", "ae")  # address countries
    assert exchange.listed_on == date(2012, 6, 29)

    ismailov = entries["RUS1542"]
    assert ismailov.primary_name == "Sarvar ISMAILOV"  # "Primary name": the casing varies
    assert set(ismailov.countries) == {"uz", "cy", "ru", "gb"}
    assert [i.value for i in ismailov.identifiers] == ["K00239193", "75 5267141", "FA0000075"]

    ship = entries["DPR0075"]
    assert ship.schema is EntrySchema.VESSEL
    assert [n.value for n in ship.names] == ["Petrel 8", "Jal Vahini", "Tian Tai 36"]
    assert ship.identifiers == (Identifier("IMO9562233", "imo"),)


def test_name_types_alias_strength_and_a_flag(tmp_path: Path) -> None:
    text = (
        TEXT.replace(
            "<Name6>Haji Alim Hawala</Name6>\n        <NameType>Alias</NameType>",
            "<Name6>Haji Alim Hawala</Name6>\n        <NameType>ALias</NameType>\n"
            "        <AliasStrength>Low quality a.k.a</AliasStrength>",
        )
        .replace(
            "<Name6>ISMAILOV</Name6>\n        <NameType>Primary name</NameType>",
            "<Name6>ISMAILOV</Name6>\n        <NameType>Primary name variation</NameType>",
        )
        .replace(
            "</IMONumbers>",
            "</IMONumbers><CurrentBelievedFlagOfShips><CurrentBelievedFlagOfShip>Comoros"
            "</CurrentBelievedFlagOfShip></CurrentBelievedFlagOfShips>",
        )
    )
    path = tmp_path / "UK-Sanctions-List.xml"
    path.write_text(text, encoding="utf-8")
    entries = {e.entry_id: e for e in load_list(source(path)).entries}
    kinds = {n.value: n.kind for n in entries["AFG0001"].names}
    assert kinds["Haji Alim Hawala"] is NameType.WEAK_ALIAS
    # a designation with no name typed primary still shows its first name as primary
    assert entries["RUS1542"].primary_name == "Sarvar ISMAILOV"
    assert entries["DPR0075"].countries == ("km",)


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("<UniqueID>AFG0001</UniqueID>", "<UniqueID></UniqueID>", "missing UniqueID"),
        ("<IndividualEntityShip>Ship</IndividualEntityShip>",
         "<IndividualEntityShip>Aircraft</IndividualEntityShip>", "IndividualEntityShip"),
        ("<DateDesignated>26/07/2022</DateDesignated>",
         "<DateDesignated>31/02/2022</DateDesignated>", "DateDesignated: not a date"),
    ],
)  # fmt: skip
def test_a_malformed_designation_loads_nothing_and_names_the_element(
    tmp_path: Path, old: str, new: str, reason: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        load_list(source(variant(tmp_path, old, new)))
    assert caught.value.field.startswith("Designation[")
    assert reason in caught.value.reason


def test_the_error_names_the_designation_and_its_id(tmp_path: Path) -> None:
    path = variant(tmp_path, "<Name6>Petrel 8</Name6>", "<Name6></Name6>")
    path.write_text(
        path.read_text(encoding="utf-8")
        .replace("<Name6>Jal Vahini</Name6>", "")
        .replace("<Name6>Tian Tai 36</Name6>", ""),
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as caught:
        load_list(source(path))
    assert caught.value.field == "Designation[4] (DPR0075)"
    assert "missing Names/Name" in caught.value.reason


def test_skipping_bad_designations_loads_the_rest(tmp_path: Path) -> None:
    path = variant(tmp_path, "<UniqueID>AFG0001</UniqueID>", "")
    report = load_list(source(path), skip_bad_rows=True)
    assert [e.entry_id for e in report.entries] == ["AFG0006", "RUS1542", "DPR0075"]
    assert [(s.position, s.reason) for s in report.skipped] == [
        ("Designation[2]", "missing UniqueID")
    ]


def test_not_the_uk_list(tmp_path: Path) -> None:
    other = tmp_path / "consolidated.xml"
    other.write_text('<CONSOLIDATED_LIST dateGenerated="2026-02-27"/>', encoding="utf-8")
    with pytest.raises(InvalidInput, match="expected <Designations>"):
        load_list(source(other))
    broken = variant(tmp_path, "</Designations>", "")
    with pytest.raises(InvalidInput) as caught:
        load_list(source(broken))
    assert caught.value.field.startswith("UK-Sanctions-List.xml:")
    empty = tmp_path / "empty.xml"
    empty.write_text("<Designations><DateGenerated>16/04/2026</DateGenerated></Designations>")
    with pytest.raises(InvalidInput, match="no list entries found"):
        load_list(source(empty))
