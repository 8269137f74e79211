"""Bad files: a clear error naming the line or element, and nothing loaded; or, when asked,
the good rows loaded and each bad row reported."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from pallmall.core.errors import InvalidInput
from pallmall.screening import ListFormat, ListSource, load_list

SDN_OK = '36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n'
SDN_PERSON = (
    '2674,"ABBAS, Abu","individual","SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
    '"DOB 10 Dec 1948; nationality Iraq; Passport 1084010 (Egypt)."\n'
)
SDN_BAD = '"x12","BROKEN",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n'


def write(path: Path, text: str, encoding: str = "latin-1") -> Path:
    path.write_text(text, encoding=encoding)
    return path


def ofac(path: Path) -> ListSource:
    return ListSource(ListFormat.OFAC_CSV, path, "us_ofac_sdn")


def test_an_ofac_file_with_one_bad_row_loads_nothing(tmp_path: Path) -> None:
    path = write(tmp_path / "sdn.csv", SDN_OK + SDN_BAD + SDN_PERSON + "\x1a")
    with pytest.raises(InvalidInput) as caught:
        load_list(ofac(path))
    assert caught.value.field == "sdn.csv:2"
    assert "ent_num" in caught.value.reason


def test_skipping_bad_rows_reports_each_one(tmp_path: Path) -> None:
    short = '99,"SHORT ROW"\n'
    path = write(tmp_path / "sdn.csv", SDN_OK + SDN_BAD + short + SDN_PERSON + "\x1a")
    report = load_list(ofac(path), skip_bad_rows=True)
    assert [e.entry_id for e in report.entries] == ["36", "2674"]
    assert [(s.position, s.reason) for s in report.skipped] == [
        ("sdn.csv:2", "ent_num is not a number: 'x12'"),
        ("sdn.csv:3", "expected 12 columns, found 2"),
    ]
    assert not report.ok


def test_ofac_remarks_give_birth_dates_countries_and_identifiers(tmp_path: Path) -> None:
    path = tmp_path / "sdn_2024-05-03.csv.gz"
    path.write_bytes(gzip.compress(SDN_PERSON.encode("latin-1")))
    report = load_list(ofac(path))
    (entry,) = report.entries
    assert entry.birth_dates[0].iso() == "1948-12-10"
    assert entry.countries == ("iq",)
    assert (entry.identifiers[0].value, entry.identifiers[0].country) == ("1084010", "eg")
    assert report.snapshot.version == "2024-05-03"


def test_malformed_un_xml_names_the_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "un.xml",
        "<CONSOLIDATED_LIST>\n<INDIVIDUALS>\n<INDIVIDUAL>\n</CONSOLIDATED_LIST>",
        "utf-8",
    )
    with pytest.raises(InvalidInput) as caught:
        load_list(ListSource(ListFormat.UN_XML, path, "un_sc"))
    assert caught.value.field.startswith("un.xml:4:")


def test_un_record_without_id_names_the_element(tmp_path: Path) -> None:
    xml = (
        '<CONSOLIDATED_LIST dateGenerated="2026-02-27T00:00:00Z"><INDIVIDUALS>'
        "<INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>ERIC</FIRST_NAME><REFERENCE_NUMBER>CDi.001</REFERENCE_NUMBER></INDIVIDUAL>"
        "<INDIVIDUAL><FIRST_NAME>NO ID</FIRST_NAME></INDIVIDUAL>"
        "</INDIVIDUALS></CONSOLIDATED_LIST>"
    )
    path = write(tmp_path / "un.xml", xml, "utf-8")
    source = ListSource(ListFormat.UN_XML, path, "un_sc")
    with pytest.raises(InvalidInput) as caught:
        load_list(source)
    assert caught.value.field == "INDIVIDUALS/INDIVIDUAL[2]"
    report = load_list(source, skip_bad_rows=True)
    assert [e.entry_id for e in report.entries] == ["CDi.001"]
    assert report.skipped[0].position == "INDIVIDUALS/INDIVIDUAL[2]"
    assert report.snapshot.version == "2026-02-27"


def test_a_csv_that_is_not_the_csl_is_refused_even_when_skipping(tmp_path: Path) -> None:
    path = write(tmp_path / "csl.csv", "foo,bar\n1,2\n", "utf-8")
    with pytest.raises(InvalidInput, match="not a CSL header"):
        load_list(ListSource(ListFormat.US_CSL_CSV, path, "us_csl"), skip_bad_rows=True)


def test_a_bad_ftm_line_is_named(tmp_path: Path) -> None:
    good = '{"id": "a", "schema": "Company", "properties": {"name": ["Zala Aero"]}}\n'
    path = write(tmp_path / "e.ftm.json", good + "{not json\n", "utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_list(ListSource(ListFormat.FTM_JSON, path, "os"))
    assert caught.value.field == "e.ftm.json:2"


def test_an_empty_or_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="no list entries"):
        load_list(ofac(write(tmp_path / "sdn.csv", "\x1a")))
    with pytest.raises(InvalidInput, match="no such file"):
        load_list(ofac(tmp_path / "absent.csv"))
