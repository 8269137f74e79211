"""The node lists: the registry's designated records and the vendors restricted here,
screened with the screening matcher (names, aliases, former names; explanations)."""

from __future__ import annotations

from pallmall.cases.node_lists import REGISTRY_LIST, RESTRICTIONS_LIST, ListedRecord, NodeLists
from pallmall.policy import DesignationEvidence, RestrictionEvidence

EL = DesignationEvidence("org-c", "Candiru", "US Commerce BIS Entity List", "", "2021-11-03", "c")
CANDIRU = ListedRecord(
    "org-c",
    "organization",
    ("Candiru", "Saito Tech Ltd.", "Grindavik Solutions Ltd."),
    ("IL",),
    (EL,),
)
ACME = ListedRecord("org-a", "organization", ("Acme Intrusion",), ("GR",))
RESTRICTED = RestrictionEvidence("case-r", "org-a", "2026-05-01", "sold to abusers")
LISTS = NodeLists([CANDIRU], {"org-a": (ACME, (RESTRICTED,))}, "stamp1")


def test_a_party_is_found_under_an_alias_or_a_former_name() -> None:
    for name in ("Saito Tech Ltd.", "Candiru Ltd", "Grindavik Solutions"):
        [match] = [m for m in LISTS.match(name, "IL") if m.match.alert]
        assert match.record_id == "org-c" and match.record_name == "Candiru"
        assert match.designations == (EL,) and match.match.list_id == REGISTRY_LIST
        assert "threshold 0.70" in match.match.explanation


def test_a_party_named_like_a_restricted_vendor_carries_the_restriction() -> None:
    [match] = LISTS.match("ACME INTRUSION LTD", "")
    assert match.match.list_id == RESTRICTIONS_LIST and match.restrictions == (RESTRICTED,)
    assert match.match.list_version == "stamp1"


def test_an_unrelated_party_and_empty_lists_find_nothing() -> None:
    assert [m for m in LISTS.match("Harbour Logistics Limited", "NZ") if m.match.alert] == []
    assert LISTS.match("   ", "") == ()
    empty = NodeLists([], {}, "s")
    assert empty.match("Candiru", "") == () and empty.versions() == ()
    assert set(LISTS.versions()) == {f"{REGISTRY_LIST}@stamp1", f"{RESTRICTIONS_LIST}@stamp1"}
