"""Incidents: transition table, pseudonyms, what each reader sees and what the log gets."""

from __future__ import annotations

from typing import Any

import pytest

from pallmall.core.audit import AuditRecord
from pallmall.core.auth import ANONYMOUS, Principal, Role
from pallmall.core.changes import PublicChange
from pallmall.core.errors import (
    Forbidden,
    InvalidInput,
    NotFound,
    TransitionRefused,
    Unauthenticated,
)
from pallmall.core.paging import Page, PageRequest
from pallmall.disclosure import WITHHELD_PREFIX, Visibility
from pallmall.disclosure.kinds import INCIDENT_CONFIRMED
from pallmall.intel.desk import IncidentDesk
from pallmall.intel.incident import (
    AbuseCategory,
    Attribution,
    Citation,
    Incident,
    IncidentDraft,
    IncidentStatus,
    LinkRole,
    Verb,
    VictimCategory,
    VictimDraft,
    incident_from_dict,
    incident_to_dict,
)
from pallmall.intel.ports import IncidentQuery
from pallmall.intel.redaction import RESTRICTED_FIELDS
from pallmall.intel.tlp import Tlp

STATE = "acct-state-a"  # the analyst's team and the regulator work for one state
ANALYST = Principal(user_id="u-1", role=Role.ANALYST, account_id=STATE)
PUBLIC = Principal(user_id="u-2", role=Role.PUBLIC)
REGULATOR = Principal(user_id="u-3", role=Role.REGULATOR, account_id=STATE)
ADMIN = Principal(user_id="u-4", role=Role.ADMIN, account_id=STATE)


class MemoryIncidents:
    def __init__(self) -> None:
        self.rows: dict[str, Incident] = {}

    def get_incident(self, incident_id: str) -> Incident | None:
        return self.rows.get(incident_id)

    def put_incident(self, incident: Incident) -> None:
        self.rows[incident.id] = incident

    def list_incidents(self, status: IncidentStatus | None = None) -> list[Incident]:
        return [i for i in self.rows.values() if status is None or i.status is status]

    def search_incidents(self, query: IncidentQuery, page: PageRequest) -> Page[Incident]:
        raise NotImplementedError  # the SQL store's suite covers searching


TYPES = {
    "prod-pegasus": "product",
    "org-nso": "organisation",
    "per-x": "person",
    "org-secret": "organisation",
}
RESTRICTED = {"org-secret"}


class Registry:
    def record_type(self, record_id: str) -> str | None:
        return TYPES.get(record_id)

    def visibility(self, record_id: str) -> Visibility:
        known = record_id in TYPES and record_id not in RESTRICTED
        return Visibility.PUBLIC if known else Visibility.RESTRICTED


class Outbox:
    def __init__(self) -> None:
        self.changes: list[PublicChange] = []

    def add(self, change: PublicChange) -> None:
        self.changes.append(change)


class Sink:
    def __init__(self) -> None:
        self.records: list[AuditRecord] = []

    def append(self, record: AuditRecord) -> None:
        self.records.append(record)


def make_desk(store: MemoryIncidents | None = None) -> tuple[IncidentDesk, Outbox, Sink]:
    outbox, audit = Outbox(), Sink()
    return IncidentDesk(store or MemoryIncidents(), Registry(), audit, outbox), outbox, audit


def draft(**changes: Any) -> IncidentDraft:
    base = IncidentDraft(
        title="Pegasus against a journalist",
        summary="Zero-click iMessage exploit.",
        categories=(AbuseCategory.RIGHTS_VIOLATION,),
        victims=(VictimDraft(VictimCategory.JOURNALIST, name="A. Person", country="MX"),),
        attributions=(
            Attribution(LinkRole.PRODUCT, "prod-pegasus", 90, (Citation("https://example.org/r"),)),
        ),
        tlp=Tlp.CLEAR,
        indicators=("[domain-name:value='Bad.Example.com']",),
    )
    return IncidentDraft(**{**base.__dict__, **changes})


def test_report_confirm_sends_the_gated_change_with_no_names() -> None:
    desk, outbox, audit = make_desk()
    incident = desk.report(ANALYST, draft())
    assert incident.indicators == ("[domain-name:value = 'bad.example.com']",)
    confirmed = desk.decide(REGULATOR, incident.id, Verb.CONFIRM, "forensics reproduced")
    assert confirmed.status is IncidentStatus.CONFIRMED
    [change] = outbox.changes
    assert (change.kind, change.subject) == (INCIDENT_CONFIRMED, incident.id)
    assert change.public["victims"] == {"journalist": 1}
    assert "A. Person" not in repr(change) and "MX" not in repr(change)
    assert "example.org/r" not in repr(change.public)  # attribution sources: restricted
    assert "Zero-click" not in repr(change.public) and "summary" in change.confidential
    assert [r.verb for r in audit.records] == ["intel.incident.reported", "intel.incident.confirm"]
    with pytest.raises(TransitionRefused):
        desk.decide(REGULATOR, incident.id, Verb.REJECT, "too late")


@pytest.mark.parametrize("tlp", [Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED])
def test_above_clear_the_log_gets_only_the_label(tlp: Tlp) -> None:
    desk, outbox, _ = make_desk()
    incident = desk.report(ANALYST, draft(tlp=tlp))
    desk.decide(REGULATOR, incident.id, Verb.CONFIRM, "ok")
    [change] = outbox.changes
    assert change.public == {"tlp": tlp.value}
    assert change.subject.startswith(WITHHELD_PREFIX)
    assert change.confidential["subject"] == incident.id
    assert "Pegasus against" not in repr(change.public)
    assert "A. Person" not in repr(change)  # identities never leave, not even committed
    with pytest.raises(NotFound):
        desk.view(PUBLIC, incident.id)


def test_public_sources_and_public_links_only() -> None:
    desk, outbox, _ = make_desk()
    links = (
        Attribution(
            LinkRole.VENDOR,
            "org-nso",
            80,
            (Citation("https://lab.example/report", Visibility.PUBLIC),),
        ),
        Attribution(
            LinkRole.OPERATOR,
            "org-secret",
            60,
            (Citation("https://x.example/p", Visibility.PUBLIC),),
        ),
    )
    sources = (Citation("https://lab.example/pub", Visibility.PUBLIC), Citation("tip from S"))
    incident = desk.report(ADMIN, draft(attributions=links, sources=sources))
    desk.decide(REGULATOR, incident.id, Verb.CONFIRM, "ok")
    [change] = outbox.changes
    assert [a["target"] for a in change.public["attributions"]] == ["org-nso"]
    assert change.public["sources"] == ["https://lab.example/pub"]
    assert change.public["attribution_sources"] == [
        {"target": "org-nso", "ref": "https://lab.example/report"}
    ]
    assert "org-secret" not in repr(change.public) and "tip from S" not in repr(change.public)
    public = desk.view(PUBLIC, incident.id)
    assert [a["target"] for a in public["attributions"]] == ["org-nso"]
    assert public["sources"] == [{"ref": "https://lab.example/pub", "visibility": "public"}]
    full = desk.view(ANALYST, incident.id)  # an analyst has no registry restricted read
    assert [a["target"] for a in full["attributions"]] == ["org-nso"]
    assert len(full["sources"]) == 2
    assert len(desk.view(ADMIN, incident.id)["attributions"]) == 2


def test_names_only_for_restricted_readers() -> None:
    desk, _, _ = make_desk()
    incident = desk.report(ANALYST, draft())
    with pytest.raises(NotFound):
        desk.view(PUBLIC, incident.id)  # not confirmed yet
    desk.decide(REGULATOR, incident.id, Verb.CONFIRM, "ok")
    public = desk.view(PUBLIC, incident.id)
    assert public["view"] == "public" and public["victim_counts"] == {"journalist": 1}
    assert all(public[field] is None for field in RESTRICTED_FIELDS)
    assert "A. Person" not in repr(public) and "victim-1" not in repr(public)
    assert "Bad.Example" not in repr(public).lower() and public["indicator_count"] == 1
    full = desk.view(ANALYST, incident.id)
    assert full["view"] == "full" and full["victims"][0]["name"] == "A. Person"
    assert full["victims"][0]["pseudonym"] == f"{incident.id}/victim-1"


def test_only_deciders_decide_and_never_their_own_report() -> None:
    desk, _, _ = make_desk()
    incident = desk.report(ADMIN, draft())
    with pytest.raises(Forbidden, match="intel:decide"):
        desk.decide(ANALYST, incident.id, Verb.CONFIRM, "ok")
    with pytest.raises(Forbidden, match="four eyes"):
        desk.decide(ADMIN, incident.id, Verb.CONFIRM, "ok")
    assert desk.decide(REGULATOR, incident.id, Verb.REJECT, "no").status is IncidentStatus.REJECTED


@pytest.mark.parametrize(
    ("link", "reason"),
    [
        (Attribution(LinkRole.PRODUCT, "prod-missing", 50), "no registry record 'prod-missing'"),
        (
            Attribution(LinkRole.PRODUCT, "org-nso", 50),
            "of type product; 'org-nso' is of type organisation",
        ),
        (
            Attribution(LinkRole.OPERATOR, "per-x", 50),
            "of type organisation; 'per-x' is of type person",
        ),
    ],
)
def test_links_must_name_registry_records_of_the_right_type(link: Attribution, reason: str) -> None:
    desk, _, _ = make_desk()
    ok = draft(attributions=(Attribution(LinkRole.VENDOR, "org-nso", 80), link))
    with pytest.raises(InvalidInput) as caught:
        desk.report(ANALYST, ok)
    assert caught.value.field == "attributions[1].target_id"
    assert reason in caught.value.reason


def test_permissions_and_validation() -> None:
    desk, _, _ = make_desk()
    with pytest.raises(Unauthenticated):
        desk.report(ANONYMOUS, draft())
    with pytest.raises(Forbidden):
        desk.report(PUBLIC, draft())
    with pytest.raises(InvalidInput, match="categories"):
        desk.report(ANALYST, draft(categories=()))
    with pytest.raises(InvalidInput, match=r"indicators\[0\]"):
        desk.report(ANALYST, draft(indicators=("not a pattern",)))


def test_round_trip_through_dict() -> None:
    incident = make_desk()[0].report(ANALYST, draft())
    assert incident_from_dict(incident_to_dict(incident)) == incident


def test_sources_stored_as_bare_strings_read_as_restricted() -> None:
    data = incident_to_dict(make_desk()[0].report(ANALYST, draft()))
    data["sources"] = ["https://old.example"]
    data["attributions"][0]["sources"] = ["tip"]
    old = incident_from_dict(data)
    assert old.sources == (Citation("https://old.example", Visibility.RESTRICTED),)
    assert old.attributions[0].sources == (Citation("tip", Visibility.RESTRICTED),)
