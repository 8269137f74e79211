"""Incidents: transition table, pseudonyms, the public summary and the log hook."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from pallmall.core.audit import AuditRecord
from pallmall.core.auth import ANONYMOUS, Principal, Role
from pallmall.core.errors import (
    Forbidden,
    InvalidInput,
    NotFound,
    TransitionRefused,
    Unauthenticated,
)
from pallmall.core.paging import Page, PageRequest
from pallmall.intel.desk import CONFIRMED_KIND, IncidentDesk
from pallmall.intel.incident import (
    RESTRICTED_FIELDS,
    AbuseCategory,
    Attribution,
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
from pallmall.intel.tlp import Tlp

ANALYST = Principal(user_id="u-1", role=Role.ANALYST)
PUBLIC = Principal(user_id="u-2", role=Role.PUBLIC)
REGULATOR = Principal(user_id="u-3", role=Role.REGULATOR)
ADMIN = Principal(user_id="u-4", role=Role.ADMIN)


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


TYPES = {"prod-pegasus": "product", "org-nso": "organisation", "per-x": "person"}


class Registry:
    def record_type(self, record_id: str) -> str | None:
        return TYPES.get(record_id)


def draft(**changes: Any) -> IncidentDraft:
    base = IncidentDraft(
        title="Pegasus against a journalist",
        summary="Zero-click iMessage exploit.",
        categories=(AbuseCategory.RIGHTS_VIOLATION,),
        victims=(VictimDraft(VictimCategory.JOURNALIST, name="A. Person", country="MX"),),
        attributions=(
            Attribution(LinkRole.PRODUCT, "prod-pegasus", 90, ("https://example.org/r",)),
        ),
        tlp=Tlp.CLEAR,
        indicators=("[domain-name:value='Bad.Example.com']",),
    )
    return IncidentDraft(**{**base.__dict__, **changes})


def test_report_confirm_calls_the_hook_with_no_names() -> None:
    calls: list[tuple[str, str, Mapping[str, Any]]] = []
    audit: list[AuditRecord] = []

    class Sink:
        def append(self, record: AuditRecord) -> None:
            audit.append(record)

    desk = IncidentDesk(MemoryIncidents(), lambda k, s, f: calls.append((k, s, f)), Sink())
    incident = desk.report(ANALYST, draft())
    assert incident.indicators == ("[domain-name:value = 'bad.example.com']",)
    confirmed = desk.decide(REGULATOR, incident.id, Verb.CONFIRM, "forensics reproduced")
    assert confirmed.status is IncidentStatus.CONFIRMED
    kind, subject, fields = calls[0]
    assert (kind, subject) == (CONFIRMED_KIND, incident.id)
    assert fields["victims"] == {"journalist": 1}
    assert "A. Person" not in repr(fields)
    assert [r.verb for r in audit] == ["intel.incident.reported", "intel.incident.confirm"]
    with pytest.raises(TransitionRefused):
        desk.decide(REGULATOR, incident.id, Verb.REJECT, "too late")


def test_a_failing_hook_leaves_the_incident_reported() -> None:
    def broken(kind: str, subject: str, fields: Mapping[str, Any]) -> None:
        raise RuntimeError("log down")

    store = MemoryIncidents()
    desk = IncidentDesk(store, broken)
    incident = desk.report(ANALYST, draft())
    with pytest.raises(RuntimeError):
        desk.decide(REGULATOR, incident.id, Verb.CONFIRM, "ok")
    assert store.rows[incident.id].status is IncidentStatus.REPORTED


def test_names_only_for_restricted_readers() -> None:
    desk = IncidentDesk(MemoryIncidents())
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
    desk = IncidentDesk(MemoryIncidents())
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
    desk = IncidentDesk(MemoryIncidents(), records=Registry())
    ok = draft(attributions=(Attribution(LinkRole.VENDOR, "org-nso", 80), link))
    with pytest.raises(InvalidInput) as caught:
        desk.report(ANALYST, ok)
    assert caught.value.field == "attributions[1].target_id"
    assert reason in caught.value.reason


def test_permissions_and_validation() -> None:
    desk = IncidentDesk(MemoryIncidents())
    with pytest.raises(Unauthenticated):
        desk.report(ANONYMOUS, draft())
    with pytest.raises(Forbidden):
        desk.report(PUBLIC, draft())
    with pytest.raises(InvalidInput, match="categories"):
        desk.report(ANALYST, draft(categories=()))
    with pytest.raises(InvalidInput, match=r"indicators\[0\]"):
        desk.report(ANALYST, draft(indicators=("not a pattern",)))


def test_round_trip_through_dict() -> None:
    incident = IncidentDesk(MemoryIncidents()).report(ANALYST, draft())
    assert incident_from_dict(incident_to_dict(incident)) == incident
