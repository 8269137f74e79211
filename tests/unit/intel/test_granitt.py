"""Granitt's victim-database layout read as incident drafts (synthetic rows in the real
layout: the real rows are CC BY-NC-SA and stay in ../shared)."""

from __future__ import annotations

from datetime import date

import pytest

from pallmall.disclosure import Visibility
from pallmall.intel.granitt import COLUMNS, HEADER, read_rows, state_record_name
from pallmall.intel.incident import (
    AbuseCategory,
    AttackVector,
    DeviceType,
    LinkRole,
    VictimCategory,
)
from pallmall.intel.tlp import Tlp

RECORDS = [
    # name, code_name, role, affiliation, occurred, disclosed, disclosed_by, forensics_by,
    # pegasus_project, tech_notified, device_type, attack_result, lockdown_bypass,
    # attack_vector, exploit_name, first_activity, last_activity, operator, sources
    [
        "Jane Placeholder",
        "",
        "Journalist",
        "Daily Example",
        "2016",
        "2016-08-24",
        "Citizen Lab",
        "Citizen Lab; Lookout",
        "",
        "",
        "iPhone",
        "Attempted",
        "",
        "SMS",
        "Trident",
        "2016-08-10",
        "2016-08-11",
        "UAE",
        "https://lab.example/a; https://lab.example/b",
    ],
    [
        "John Placeholder",
        "",
        "Royal",
        "",
        "2018",
        "2021-07-18",
        "Amnesty International",
        "",
        "TRUE",
        "WhatsApp",
        "",
        "Successful",
        "",
        "SMS; Zero-click",
        "",
        "2018-06-xx",
        "2018-05-xx",
        "Mexico; Atlantis",
        "https://lab.example/c",
    ],
    [""] * 19,
    [
        "Kim Placeholder",
        "",
        "Lawyer",
        "",
        "2016; 2021",
        "2021-07-18",
        "Citizen Lab",
        "",
        "",
        "",
        "Android",
        "Successful",
        "",
        "WhatsApp",
        "CVE-2019-3568",
        "2016-05-18; 2021-04-12",
        "2016-05-18; 2021-07-08",
        "",
        "https://lab.example/d",
    ],
]
ROWS = "\n".join(",".join(r) for r in [list(HEADER), *RECORDS]) + "\n"


class Orgs:
    """A registry knowing two states by name."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def find_organisation(self, name: str) -> str | None:
        self.asked.append(name)
        return {"United Arab Emirates": "org-uae", "Mexico": "org-mx"}.get(name)


def test_each_row_is_a_draft_that_names_no_one_in_public() -> None:
    orgs = Orgs()
    rows, report = read_rows(ROWS, "victims.csv", ("Pegasus", "prd-pegasus"), orgs)
    assert report.rows == 4 and len(rows) == 3
    assert [n.where for n in report.skipped] == ["4"]  # the empty row
    first = rows[0].draft
    assert first.title == "Pegasus against a journalist (UAE, 2016)"
    assert first.tlp is Tlp.CLEAR
    assert first.categories == (
        AbuseCategory.RIGHTS_VIOLATION,
        AbuseCategory.UNLAWFUL_PRIVACY_INTERFERENCE,
    )
    assert first.victims[0].category is VictimCategory.JOURNALIST
    assert first.victims[0].name == "Jane Placeholder"
    assert first.device_types == (DeviceType.IOS,)
    assert first.attack_vectors == (AttackVector.ONE_CLICK,)
    assert (first.first_seen, first.last_seen) == (date(2016, 8, 10), date(2016, 8, 11))
    assert [s.ref for s in first.sources] == ["https://lab.example/a", "https://lab.example/b"]
    assert all(s.visibility is Visibility.PUBLIC for s in first.sources)
    assert [(a.role, a.target_id) for a in first.attributions] == [
        (LinkRole.PRODUCT, "prd-pegasus"),
        (LinkRole.OPERATOR, "org-uae"),  # "UAE" found under the full name
    ]
    assert first.attributions[1].sources == first.sources
    for public in (first.title, first.public_summary):
        assert "Placeholder" not in public and "Daily Example" not in public
    assert "Trident" in first.public_summary and "Citizen Lab" in first.public_summary
    assert "Jane Placeholder" in first.summary and "Daily Example" in first.summary


def test_roles_dates_vectors_and_operators_are_reported() -> None:
    rows, report = read_rows(ROWS, "victims.csv", ("Pegasus", "prd-pegasus"), Orgs())
    royal, lawyer = rows[1].draft, rows[2].draft
    assert royal.victims[0].category is VictimCategory.OTHER
    assert royal.title == "Pegasus against a person (Mexico; Atlantis, 2018)"
    assert royal.categories == (AbuseCategory.UNLAWFUL_PRIVACY_INTERFERENCE,)
    assert royal.first_seen == date(2018, 6, 1) and royal.last_seen is None  # May < June
    assert [n.where for n in report.notes] == ["3"]
    assert royal.attack_vectors == (AttackVector.ONE_CLICK, AttackVector.ZERO_CLICK)
    assert lawyer.attack_vectors == (AttackVector.ZERO_CLICK,)  # the 2019 missed-call exploit
    assert (lawyer.first_seen, lawyer.last_seen) == (date(2016, 5, 18), date(2021, 7, 8))
    assert report.linked == {"Mexico": "org-mx", "UAE": "org-uae"}
    assert report.unlinked == ["Atlantis"] and report.operator_rows["Mexico"] == 1
    assert report.roles == {"Royal": 1}
    lines = report.lines()
    assert "operator 'Atlantis': not in the registry (1 rows)" in lines
    assert "product 'Pegasus': linked to prd-pegasus" in lines
    assert len({r.key for r in rows}) == 3  # stable keys, one per person and dates


def test_the_product_may_be_missing_and_the_header_must_be_granitts() -> None:
    rows, report = read_rows(ROWS, "v.csv", ("Nova", None), Orgs())
    assert all(a.role is LinkRole.OPERATOR for r in rows for a in r.draft.attributions)
    assert "product 'Nova': NOT LINKED" in report.lines()
    with pytest.raises(ValueError, match="no column name"):
        read_rows("who,when\nx,y\n", "other.csv", ("Nova", None), Orgs())
    assert set(COLUMNS) == set(HEADER)
    assert state_record_name("UAE") == ("United Arab Emirates", ("UAE",))
    assert state_record_name("Mexico") == ("Mexico", ())
