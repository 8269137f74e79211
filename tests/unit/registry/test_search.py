"""Ranked registry search (pallmall.registry.search) on records built in memory."""

from __future__ import annotations

from pallmall.registry.model import Designation, Organisation, OrgKind, Person, Product, Visibility
from pallmall.registry.search import (
    NameKind,
    SearchIndex,
    Tier,
    allowed_edits,
    entry_of,
    normalised,
)
from pallmall.registry.store import AnyRecord, RecordQuery

LISTED = Designation(
    authority="US Commerce BIS Entity List", listed_on="2021-11-03", citation="86 FR 60759"
)
RECORDS: dict[str, AnyRecord] = {
    "nso": Organisation(
        name="NSO Group",
        aliases=("Q-Cyber",),
        former_names=("NSO Group Technologies Ltd",),
        kinds=(OrgKind.VENDOR,),
        jurisdictions=("IL",),
        designations=(LISTED,),
    ),
    "hensoldt": Organisation(name="HENSOLDT", kinds=(OrgKind.VENDOR,), jurisdictions=("DE",)),
    "johnson": Organisation(name="Johnson Controls", kinds=(OrgKind.SUPPLIER,)),
    "candiru": Organisation(
        name="Candiru",
        aliases=("Saito Tech Ltd.",),
        kinds=(OrgKind.VENDOR,),
        designations=(LISTED,),
    ),
    "ix": Organisation(name="Intellexa", kinds=(OrgKind.HOLDING,)),
    "ix-sa": Organisation(name="Intellexa S.A.", kinds=(OrgKind.VENDOR,), jurisdictions=("GR",)),
    "ix-ltd": Organisation(
        name="Intellexa Limited", kinds=(OrgKind.VENDOR,), jurisdictions=("IE",)
    ),
    "intel": Organisation(name="IntelEye", kinds=(OrgKind.VENDOR,)),
    "pt": Organisation(name="Positive Technologies", kinds=(OrgKind.VENDOR,)),
    "dilian": Person(name="Tal Dilian"),
    "pegasus": Product(name="PEGASUS", aliases=("Chrysaor",)),
    "secret": Organisation(
        name="NSO Secret Reseller", kinds=(OrgKind.RESELLER,), visibility=Visibility.RESTRICTED
    ),
}
INDEX = SearchIndex(entry_of(rid, rec) for rid, rec in RECORDS.items())


def ids(q: str, **filters: object) -> list[str]:
    return [h.id for h in INDEX.search(RecordQuery(q=q, **filters))]  # type: ignore[arg-type]  # filters typed per case


def test_nso_finds_nso_group_and_not_names_that_merely_contain_the_letters() -> None:
    assert ids("NSO") == ["nso"]
    assert ids("nso group technologies") == ["nso"]
    assert ids("NSO Group Technologies Ltd") == ["nso"]


def test_legal_forms_are_ignored_and_the_matching_legal_form_ranks_first() -> None:
    assert ids("Candiru Ltd") == ["candiru"]
    assert ids("Intellexa") == ["ix", "ix-ltd", "ix-sa"]
    assert ids("Intellexa S.A.")[0] == "ix-sa"
    assert ids("intellexa limited")[0] == "ix-ltd"


def test_aliases_and_former_names_find_the_record_and_say_how() -> None:
    (hit,) = INDEX.search(RecordQuery(q="Saito Tech"))
    assert (hit.id, hit.tier, hit.name_kind) == ("candiru", Tier.EXACT, NameKind.ALIAS)
    (hit,) = INDEX.search(RecordQuery(q="chrysaor"))
    assert (hit.id, hit.name_kind) == ("pegasus", NameKind.ALIAS)
    (hit,) = INDEX.search(RecordQuery(q="NSO Group Technologies Limited"))
    assert (hit.tier, hit.name_kind) == (Tier.EXACT, NameKind.FORMER)


def test_typos_prefixes_and_transliterations_find_the_record_after_exact_matches() -> None:
    assert ids("Intelexa") == ["ix", "ix-ltd", "ix-sa", "intel"]
    assert {h.tier for h in INDEX.search(RecordQuery(q="Intelexa"))} == {Tier.FUZZY}
    assert ids("intell")[:3] == ["ix", "ix-ltd", "ix-sa"]
    assert ids("Позитив Текнолоджиз") == ["pt"]
    assert ids("Dilain, Tal") == ["dilian"]


def test_short_words_need_the_exact_word_and_parts_of_long_names_come_last() -> None:
    assert ids("iso") == []
    assert ids("soldt") == ["hensoldt"]
    assert INDEX.search(RecordQuery(q="soldt"))[0].tier is Tier.PART


def test_facets_and_visibility_filter_the_ranked_hits() -> None:
    assert ids("intellexa", country="GR") == ["ix-sa"]
    assert ids("", designated=True) == ["candiru", "nso"]
    assert ids("NSO") == ["nso"]
    assert ids("NSO", include_restricted=True) == ["nso", "secret"]


def test_the_word_budget_grows_with_the_word() -> None:
    assert [allowed_edits("x" * n) for n in (3, 4, 7, 8, 12)] == [0, 1, 1, 2, 2]
    ooo = "\u041e\u041e\u041e"  # the Russian legal form OOO, in Cyrillic letters
    assert [w.text for w in normalised(f"{ooo} «Позитив Текнолоджиз»").words] == [
        "pozitiv",
        "teknolodzhiz",
    ]
