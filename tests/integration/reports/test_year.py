"""A year in the life of three states, on SQLite and PostgreSQL.

Three export authorities (GB, FR, DE), two vendors, GB's oversight body and state agency, a
lab. Licences granted, denied, amended, revoked and expired; appeals dismissed and allowed;
restrictions imposed and lifted (one on appeal); a procurement check; a use authorisation; an
incident confirmed; a crash between the database and the log, and a change an older
publisher appended twice. The test keeps its own tally of what each state decided, as it
goes; then each state's report, through the API and through the CLI, must give exactly that
tally, name the log entries behind each figure, and pass ``report verify`` against the log the
node serves.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from pallmall.app import create_app
from pallmall.core.accounts import AccountService
from pallmall.core.auth import SYSTEM, AccountKind, Role
from pallmall.core.settings import Settings
from pallmall.log import TransparencyLog
from pallmall.publisher import Publisher
from pallmall.registry.model import (
    Capability,
    Organisation,
    OrgKind,
    Product,
    Relationship,
    RelType,
)
from pallmall.reports import read_log, verify_report
from pallmall.screening import LoadReport
from pallmall.storage.base import is_sqlite
from pallmall.storage.database import Database
from pallmall.storage.screening import SqlListStore
from tests.conftest import POSTGRES_URL
from tests.helpers import run_cli, service
from tests.integration.cases.conftest import ENTRIES, SNAPSHOT

GB_AUTHORITY, FR_AUTHORITY, DE_AUTHORITY = "GB authority", "FR authority", "DE authority"
USERS: dict[str, tuple[Role, str, AccountKind, str | None]] = {
    "gb1": (Role.REGULATOR, GB_AUTHORITY, AccountKind.EXPORT_AUTHORITY, "GB"),
    "gb2": (Role.REGULATOR, GB_AUTHORITY, AccountKind.EXPORT_AUTHORITY, "GB"),
    "gb3": (Role.REGULATOR, GB_AUTHORITY, AccountKind.EXPORT_AUTHORITY, "GB"),
    "gb4": (Role.REGULATOR, GB_AUTHORITY, AccountKind.EXPORT_AUTHORITY, "GB"),
    "fr1": (Role.REGULATOR, FR_AUTHORITY, AccountKind.EXPORT_AUTHORITY, "FR"),
    "fr2": (Role.REGULATOR, FR_AUTHORITY, AccountKind.EXPORT_AUTHORITY, "FR"),
    "fr3": (Role.REGULATOR, FR_AUTHORITY, AccountKind.EXPORT_AUTHORITY, "FR"),
    "de1": (Role.REGULATOR, DE_AUTHORITY, AccountKind.EXPORT_AUTHORITY, "DE"),
    "de2": (Role.REGULATOR, DE_AUTHORITY, AccountKind.EXPORT_AUTHORITY, "DE"),
    "acme": (Role.VENDOR, "Acme account", AccountKind.VENDOR, None),
    "nimbus": (Role.VENDOR, "Nimbus account", AccountKind.VENDOR, None),
    "overseer": (Role.OVERSIGHT, "GB commissioner", AccountKind.OVERSIGHT_BODY, "GB"),
    "agency": (Role.STATE_USER, "GB agency", AccountKind.STATE_AGENCY, "GB"),
    "lab": (Role.ANALYST, "Lab", AccountKind.INTEL_TEAM, None),
}
STATES = ("GB", "FR", "DE")


class Crash(Exception):
    """The process dies here."""


class CrashAfterAppend:
    """A log that appends durably, then the process "dies" before the publisher commits."""

    def __init__(self, tlog: TransparencyLog) -> None:
        self.tlog = tlog
        self.sequencer = tlog.sequencer

    def append(self, entries: Sequence[bytes]) -> list[int]:
        self.tlog.append(entries)
        raise Crash


class ClientFetcher:
    """The log as the node serves it (``/log/...``), for ``report verify``."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def fetch(self, path: str) -> bytes:
        response = self.client.get(f"/log/{path}")
        assert response.status_code == 200, (path, response.status_code)
        return response.content


@dataclass
class Year:
    """The node, its people and what the script has decided so far, by state."""

    client: TestClient
    db: Database
    tokens: dict[str, str]
    accounts: dict[str, str]
    products: dict[str, str]
    vendors: dict[str, str]
    tally: dict[str, Counter[str]] = field(default_factory=lambda: {s: Counter() for s in STATES})

    def act(self, user: str, case_id: str, **body: Any) -> dict[str, Any]:
        response = self.client.post(
            f"/api/v1/cases/{case_id}/transitions", json=body, headers=self.auth(user)
        )
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]  # JSON objects in these answers

    def auth(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def post(self, user: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post(path, json=body, headers=self.auth(user))
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]  # JSON objects in these answers

    def licence(self, vendor: str, authority: str, destination: str) -> str:
        """A licence application filed, submitted and under review."""
        body = {
            "authority_id": self.accounts[authority],
            "product_id": self.products[vendor],
            "quantity": 1,
            "destination": destination,
            "parties": [
                {"role": "end_user", "name": "National Police Cyber Unit", "country": destination},
                {"role": "consignee", "name": "Harbour Logistics", "country": destination},
            ],
            "end_use": "lawful interception under warrant",
            "end_use_category": "law_enforcement",
            "end_user_undertaking": "signed undertaking",
        }
        cid = str(self.post(vendor, "/api/v1/cases/licences", body)["id"])
        self.act(vendor, cid, verb="submit")
        return cid

    def decide(self, cid: str, officers: tuple[str, str], outcome: str, state: str) -> None:
        """Advice by one officer, countersigned by another; tallied."""
        review = {"verb": "start_review"}
        if outcome in ("approve_with_conditions", "deny"):
            self.act(officers[0], cid, **review)
        approve = outcome == "approve_with_conditions"
        conditions = ["no re-export"] if approve else []
        # every application names the same parties, so an approval after another state's
        # denial goes ahead over it (no undercut): the advice says why
        why = {"undercut_justification": "end user re-vetted since the denial"} if approve else {}
        self.act(
            officers[0],
            cid,
            verb="advise",
            outcome=outcome,
            grounds=["C3"],
            conditions=conditions,
            **why,
        )
        self.act(officers[1], cid, verb="countersign", public_statement=f"{outcome} by {state}")
        figure = {
            "approve_with_conditions": "licences.granted",
            "deny": "licences.denied",
            "restrict": "restrictions.imposed",
        }[outcome]
        self.tally[state][figure] += 1


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, session_secret="test-secret", log_origin="year.test/log")


@pytest.fixture
def year(db: Database, settings: Settings) -> Iterator[Year]:
    SqlListStore(db.engine).record(LoadReport(SNAPSHOT, ENTRIES))
    tokens, accounts = {}, {}
    with db.write() as tx:
        people = AccountService(tx.accounts, tx.audit)
        for name, (role, org_name, kind, state) in USERS.items():
            org = people.ensure_org(SYSTEM, org_name, kind, state)
            accounts[org_name] = org.id
            user = people.create_user(SYSTEM, f"{name}@example.org", name, role, org)
            tokens[name] = people.issue_token(SYSTEM, user)
        reg = service(tx)
        products, vendors = {}, {}
        for vendor, name in (("acme", "Acme Intrusion"), ("nimbus", "Nimbus Exploits")):
            org = reg.create(
                SYSTEM, Organisation(name=name, kinds=(OrgKind.VENDOR,), jurisdictions=("CY",))
            )
            product = reg.create(
                SYSTEM,
                Product(name=f"{name} Implant", capabilities=(Capability.DEVICE_INTRUSION,)),
            )
            reg.relate(
                SYSTEM, Relationship(type=RelType.DEVELOPS, source_id=org.id, target_id=product.id)
            )
            products[vendor], vendors[vendor] = product.id, org.id
    with TestClient(create_app(settings, db)) as client:
        yield Year(client, db, tokens, accounts, products, vendors)


def settle(year: Year) -> TransparencyLog:
    """Wait until every public change is in the log and integrated."""
    tlog: TransparencyLog = year.client.app.state.node.tlog  # type: ignore[attr-defined]  # TestClient.app is typed as any ASGI app
    for _ in range(1200):
        with year.db.read() as tx:
            waiting, _ = tx.outbox.waiting()
        size = tlog.sequencer.size()
        if not waiting and tlog.checkpoint().checkpoint.size == size:
            return tlog
        time.sleep(0.05)
    raise AssertionError("the log did not settle")


def gb_half(year: Year) -> None:
    gb = ("gb1", "gb2")
    # L1: denied; the vendor appeals; an officer who took no part dismisses the appeal
    l1 = year.licence("acme", GB_AUTHORITY, "AE")
    year.decide(l1, gb, "deny", "GB")
    year.act("acme", l1, verb="appeal", reason="the end user is a police unit")
    year.act("gb3", l1, verb="dismiss_appeal", reason="the risk stands")
    year.tally["GB"]["appeals.dismissed"] += 1
    # L2: granted, amended, revoked
    l2 = year.licence("acme", GB_AUTHORITY, "FR")
    year.decide(l2, gb, "approve_with_conditions", "GB")
    year.act("gb1", l2, verb="amend", conditions=["no re-export", "annual end-use check"])
    year.act("gb1", l2, verb="revoke", reason="end-use check failed")
    year.tally["GB"].update(["licences.amended", "licences.revoked"])
    # L3: denied, then granted on appeal (the appeal allowed): new advice by an officer who
    # took no part in the denial, countersigned by a second one (four eyes)
    l3 = year.licence("nimbus", GB_AUTHORITY, "AE")
    year.decide(l3, gb, "deny", "GB")
    year.act("nimbus", l3, verb="appeal", reason="new undertaking")
    advice = {"outcome": "approve_with_conditions", "conditions": ["quarterly audit"]}
    year.act("gb3", l3, verb="advise", grounds=["new undertaking"], **advice)
    year.act("gb4", l3, verb="countersign", public_statement="appeal allowed")
    year.tally["GB"].update(["licences.granted", "appeals.allowed"])
    # L4: granted, then expired
    l4 = year.licence("acme", GB_AUTHORITY, "US")
    year.decide(l4, gb, "approve_with_conditions", "GB")
    year.act("gb1", l4, verb="expire")
    year.tally["GB"]["licences.expired"] += 1
    # R1: Nimbus restricted; it appeals; the restriction is lifted on appeal
    r1 = year.post(
        "gb1",
        "/api/v1/cases/restrictions",
        {
            "vendor_record_id": year.vendors["nimbus"],
            "vendor_account_id": year.accounts["Nimbus account"],
            "grounds": "sold to an abusive end user",
        },
    )["id"]
    year.decide(r1, gb, "restrict", "GB")
    year.act("nimbus", r1, verb="appeal", reason="the sale was cancelled")
    year.act("gb3", r1, verb="lift", reason="appeal allowed")
    year.tally["GB"].update(["restrictions.lifted", "appeals.allowed"])
    # GB's agency checks a procurement and asks to use a product; the oversight body signs off
    check = year.post(
        "agency",
        "/api/v1/cases/procurement",
        {"vendor_record_id": year.vendors["acme"], "product_id": year.products["acme"]},
    )
    verdict = check["state"]["assessment"]["verdict"]
    year.tally["GB"][f"procurement.{verdict}"] += 1
    approvers = year.client.get("/api/v1/cases/approvers", headers=year.auth("agency")).json()
    (overseer,) = [a["id"] for a in approvers if a["email"] == "overseer@example.org"]
    use = year.post(
        "agency",
        "/api/v1/cases/authorisations",
        {
            "product_id": year.products["acme"],
            "purpose": "investigation of a kidnapping",
            "legal_basis": "Investigatory Powers Act s. 99",
            "necessity": "no less intrusive means",
            "proportionality": "one device, 14 days",
            "approver": overseer,
            "duration_days": 14,
        },
    )["id"]
    year.act("agency", use, verb="submit")
    year.act("overseer", use, verb="sign_off", reason="lawful, necessary and proportionate")
    year.tally["GB"]["use_authorisations.authorised"] += 1
    # the lab reports an incident; the oversight body confirms it (the node's, in every report)
    incident = year.post(
        "lab",
        "/api/v1/intel/incidents",
        {
            "title": "Journalists targeted with Acme's implant",
            "categories": ["rights_violation"],
            "victims": [{"category": "journalist", "name": "A. Reporter"}],
            "attributions": [
                {"role": "vendor", "target_id": year.vendors["acme"], "confidence": 80}
            ],
            "tlp": "clear",
        },
    )["id"]
    confirmed = year.client.post(
        f"/api/v1/intel/incidents/{incident}/decision",
        json={"verb": "confirm", "reason": "forensic evidence"},
        headers=year.auth("overseer"),
    )
    assert confirmed.status_code == 200, confirmed.text
    for state in STATES:
        year.tally[state]["incidents.confirmed"] += 1


def fr_half_with_a_crash(year: Year) -> None:
    """FR's decisions wait in the outbox; a publisher dies between the log and the database;
    the node's publisher, restarted, must not append them again."""
    publisher: Publisher = year.client.app.state.node.publisher  # type: ignore[attr-defined]  # TestClient.app is typed as any ASGI app
    settle(year)
    publisher._stop.set()  # the node's publisher stops (no final drain: changes stay queued)
    assert publisher._thread is not None
    publisher._thread.join()
    fr = ("fr1", "fr2")
    l5 = year.licence("acme", FR_AUTHORITY, "MA")
    year.decide(l5, fr, "approve_with_conditions", "FR")
    l6 = year.licence("nimbus", FR_AUTHORITY, "SA")
    year.decide(l6, fr, "deny", "FR")
    r2 = year.post(
        "fr1",
        "/api/v1/cases/restrictions",
        {
            "vendor_record_id": year.vendors["acme"],
            "vendor_account_id": year.accounts["Acme account"],
            "grounds": "confirmed abuse",
        },
    )["id"]
    year.decide(r2, fr, "restrict", "FR")
    year.act("acme", r2, verb="appeal", reason="we terminated the customer")
    year.act("fr3", r2, verb="dismiss_appeal", reason="too late")
    year.tally["FR"]["appeals.dismissed"] += 1
    tlog: TransparencyLog = year.client.app.state.node.tlog  # type: ignore[attr-defined]  # TestClient.app is typed as any ASGI app
    before = tlog.sequencer.size()
    with pytest.raises(Crash):
        Publisher(year.db, CrashAfterAppend(tlog)).run_once()  # type: ignore[arg-type]  # a stand-in log that crashes
    appended = tlog.sequencer.size() - before
    assert appended > 0  # in the log, and the database does not know it
    publisher.start()  # the restart
    settle(year)
    assert tlog.sequencer.size() == before + appended  # nothing appended twice


def de_half_and_an_old_duplicate(year: Year) -> None:
    l7 = year.licence("acme", DE_AUTHORITY, "EG")
    year.decide(l7, ("de1", "de2"), "deny", "DE")
    tlog = settle(year)
    # an older publisher appended a change twice (at-least-once): the same entry again
    last = tlog.checkpoint().checkpoint.size - 1
    tlog.append([tlog.entry(last)])
    settle(year)


def figures_of(report: dict[str, Any]) -> dict[str, int]:
    """The counted figures of a report, as ``section.name`` → value."""
    f = report["figures"]
    return {path: f[path.split(".")[0]][path.split(".")[1]] for path in f["sources"]}


def check_report(year: Year, report: dict[str, Any], state: str, published: int) -> None:
    """Every counted figure equals the script's tally; the entries behind each are the
    state's (or, for incidents, the node's)."""
    want = Counter(year.tally[state])
    want["reports.published"] = published
    got = figures_of(report)
    assert {k: v for k, v in got.items() if v} == {k: v for k, v in want.items() if v}, state
    tlog: TransparencyLog = year.client.app.state.node.tlog  # type: ignore[attr-defined]  # TestClient.app is typed as any ASGI app
    records = read_log(tlog.store.root, tlog.vkey).records
    for path, indexes in report["figures"]["sources"].items():
        assert len(indexes) == got[path]
        for i in indexes:
            entry = records[i].entry
            assert entry is not None
            if path != "incidents.confirmed":
                assert entry.public["state"] == state, (path, i)
    assert report["figures"]["entries"]["repeated"] == 1  # the old duplicate, counted once


def cli_env(year: Year, settings: Settings) -> dict[str, str]:
    url = ""
    if not is_sqlite(year.db.engine):
        with year.db.engine.connect() as conn:
            schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    return {
        **os.environ,
        "PALLMALL_DATA_DIR": str(settings.data_dir),
        "PALLMALL_DATABASE_URL": url,
        "PALLMALL_LOG_ORIGIN": settings.log_origin,
        "COLUMNS": "200",
    }


def test_a_year_of_three_states(year: Year, settings: Settings, tmp_path: Path) -> None:
    gb_half(year)
    fr_half_with_a_crash(year)
    de_half_and_an_old_duplicate(year)
    assert sum(year.tally["GB"].values()) == 16
    period = str(datetime.now(UTC).year)
    vkey = year.client.get("/log/vkey").text.strip()

    # each state's regulator publishes its report through the API; anyone can verify it
    # against the log the node serves
    served = {}
    for state, officer in (("GB", "gb1"), ("FR", "fr1"), ("DE", "de1")):
        made = year.post(officer, "/api/v1/reports", {"state": state, "period": period})
        report = year.client.get(f"/api/v1/reports/{made['id']}").json()
        check_report(year, report, state, published=0)
        checked = verify_report(report, ClientFetcher(year.client), vkey)
        assert checked.recounted == 23
        served[state] = report
    denied = year.client.post(
        "/api/v1/reports", json={"state": "GB", "period": period}, headers=year.auth("fr1")
    )
    assert denied.status_code == 403

    # and through the CLI, which also sees the three reports now published in the log
    settle(year)
    for report in served.values():  # each is the very report its log entry commits to
        assert verify_report(report, ClientFetcher(year.client), vkey).published_at is not None
    env = cli_env(year, settings)
    for state in STATES:
        path = tmp_path / f"{state}.json"
        run_cli(env, "report", "build", "--state", state, "--period", period, "-o", str(path))
        built = json.loads(path.read_text())
        check_report(year, built, state, published=1)
        done = run_cli(
            env,
            "report",
            "verify",
            str(path),
            "--log",
            str(settings.data_dir / "log" / "public"),
            "--vkey",
            vkey,
        )
        assert "independent recount" in done.stdout
        served_figures = figures_of(served[state])
        assert {k: v for k, v in figures_of(built).items() if k != "reports.published"} == {
            k: v for k, v in served_figures.items() if k != "reports.published"
        }
